/*
 * event.h - one entry of the append-only event log.
 *
 * Every change in ombud is an event: its type, who made it (user and
 * party), when, and a JSON payload with what it carries.  Complaint events
 * are numbered 1, 2, 3... within their complaint (seq); the store gives each
 * event a global id as well.  Events about other things (parties, users,
 * products) have complaint_id 0 and name their subject instead.
 */
#ifndef OMB_EVENT_H
#define OMB_EVENT_H

#include "timeutil.h"

#include <jansson.h>
#include <stdint.h>

typedef struct omb_event {
    int64_t id;            /* global order; 0 until stored */
    int64_t complaint_id;  /* 0 when the subject is not a complaint */
    int64_t seq;           /* 1-based position within the complaint */
    char type[40];         /* "received", "accepted", ... */
    char subject[40];      /* "complaint", "party:3", "user:7" ... */
    char complaint_no[24]; /* the complaint's number, for its ledger leaf */
    omb_ms at;
    int64_t actor_user_id;
    int64_t actor_party_id;
    json_t *payload; /* owned reference; never NULL once built */
} omb_event;

/* The payload member that keeps the originals of the free text masked in it,
 * sealed (app/pii.c); it never leaves the server and never reaches a document. */
#define OMB_SEALED_TEXT "sealed_text"

/* Builds an event; takes ownership of payload (NULL = empty object). */
void omb_event_init(omb_event *ev, const char *type, omb_ms at, int64_t actor_user_id,
                    int64_t actor_party_id, json_t *payload);
void omb_event_release(omb_event *ev);
/* The API view: {"id","seq","type","at","actor":{...},"payload":{...}}. */
json_t *omb_event_to_json(const omb_event *ev);
/* Removes from a payload what is sealed in it (the complainant's box and the
 * free text's), before the payload is shown or sent anywhere. */
void omb_event_payload_public(json_t *payload);

#endif
