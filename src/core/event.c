/*
 * event.c - building, releasing and rendering events; see event.h.
 */
#include "event.h"

#include <stdio.h>
#include <string.h>

void omb_event_init(omb_event *ev, const char *type, omb_ms at, int64_t actor_user_id,
                    int64_t actor_party_id, json_t *payload)
{
    memset(ev, 0, sizeof *ev);
    snprintf(ev->type, sizeof ev->type, "%s", type);
    snprintf(ev->subject, sizeof ev->subject, "complaint");
    ev->at = at;
    ev->actor_user_id = actor_user_id;
    ev->actor_party_id = actor_party_id;
    ev->payload = payload ? payload : json_object();
}

void omb_event_release(omb_event *ev)
{
    json_decref(ev->payload);
    ev->payload = NULL;
}

json_t *omb_event_to_json(const omb_event *ev)
{
    char at[32];
    omb_time_format(ev->at, at, sizeof at);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(ev->id));
    if (ev->complaint_id)
        json_object_set_new(o, "seq", json_integer(ev->seq));
    else
        json_object_set_new(o, "subject", json_string(ev->subject));
    json_object_set_new(o, "type", json_string(ev->type));
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "actor",
                        json_pack("{s:I,s:I}", "user", (json_int_t)ev->actor_user_id, "party",
                                  (json_int_t)ev->actor_party_id));
    json_object_set(o, "payload", ev->payload);
    return o;
}

void omb_event_payload_public(json_t *payload)
{
    json_object_del(json_object_get(payload, "complainant"), "sealed");
    json_object_del(payload, OMB_SEALED_TEXT);
}
