/*
 * visibility.c - note and attachment visibility; see visibility.h.
 */
#include "visibility.h"
#include "fields.h"
#include "jsonw.h"
#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

const char *const omb_visibility_names[] = {
    [OMB_VIS_PARTY] = "party", [OMB_VIS_INVOLVED] = "involved", NULL};

const char *omb_visibility_name(enum omb_visibility v)
{
    return (unsigned)v < OMB_VIS__COUNT ? omb_visibility_names[v] : "unknown";
}

int omb_visibility_parse(const char *name, enum omb_visibility *out)
{
    for (unsigned i = 0; i < OMB_VIS__COUNT; i++)
        if (name && strcmp(omb_visibility_names[i], name) == 0) {
            *out = (enum omb_visibility)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

/* Only notes and attachments carry a visibility. */
static bool may_restrict(const char *type)
{
    return strcmp(type, omb_action_get(OMB_ACT_NOTE)->event_type) == 0 ||
           strcmp(type, omb_action_get(OMB_ACT_ATTACH)->event_type) == 0;
}

int64_t omb_event_restricted_to(const omb_event *ev)
{
    const char *v = omb_json_str(ev->payload, "visibility", NULL);
    if (!v || strcmp(v, omb_visibility_names[OMB_VIS_PARTY]) != 0 || !may_restrict(ev->type))
        return 0;
    return ev->actor_party_id;
}

bool omb_event_visible_to(const omb_event *ev, int64_t party)
{
    int64_t only = omb_event_restricted_to(ev);
    return only == 0 || only == party;
}

static void party_key(int64_t party, char *out, size_t cap)
{
    snprintf(out, cap, "%lld", (long long)party);
}

void omb_visibility_count_note(json_t *doc, const omb_event *ev)
{
    int64_t only = omb_event_restricted_to(ev);
    if (!only) {
        json_object_set_new(doc, "notes", json_integer(omb_json_int(doc, "notes", 0) + 1));
        return;
    }
    json_t *per = json_object_get(doc, "party_notes");
    if (!json_is_object(per)) {
        per = json_object();
        json_object_set_new(doc, "party_notes", per);
    }
    char key[24];
    party_key(only, key, sizeof key);
    json_object_set_new(per, key, json_integer(omb_json_int(per, key, 0) + 1));
}

void omb_visibility_mark_attachment(json_t *item, const omb_event *ev)
{
    int64_t only = omb_event_restricted_to(ev);
    if (only)
        json_object_set_new(item, "party", json_integer(only));
}

void omb_doc_for_party(json_t *doc, int64_t viewer)
{
    json_t *per = json_object_get(doc, "party_notes");
    if (per) {
        char key[24];
        party_key(viewer, key, sizeof key);
        int64_t own = viewer ? omb_json_int(per, key, 0) : 0;
        if (own > 0)
            json_object_set_new(doc, "notes", json_integer(omb_json_int(doc, "notes", 0) + own));
        json_object_del(doc, "party_notes");
    }
    json_t *list = json_object_get(doc, "attachments");
    for (size_t i = json_array_size(list); i-- > 0;) {
        const json_t *a = json_array_get(list, i);
        int64_t only = omb_json_int(a, "party", 0);
        const char *v = omb_json_str(a, "visibility", "");
        if (strcmp(v, omb_visibility_names[OMB_VIS_PARTY]) == 0 && only != viewer)
            json_array_remove(list, i);
    }
    /* A complaint whose every file another party keeps to itself looks like one without files. */
    if (list && json_array_size(list) == 0)
        json_object_del(doc, "attachments");
}

/* What the fold writes when a document holds something party-only: stored
 * text is compact JSON, and a string value (a note's text) cannot hold an
 * unescaped quote, so the marks are found only where the fold put them. */
static bool holds_restricted(const char *doc, size_t len)
{
    static const char *const marks[] = {"\"party_notes\":", "\"visibility\":\"party\"", NULL};
    for (const char *const *m = marks; *m; m++)
        if (memmem(doc, len, *m, strlen(*m)))
            return true;
    return false;
}

int omb_doc_text_for_party(const char *doc, size_t len, int64_t viewer, char **out, size_t *out_len)
{
    *out = NULL;
    if (!holds_restricted(doc, len))
        return OMB_OK;
    json_error_t jerr;
    json_t *d = json_loadb(doc, len, 0, &jerr);
    if (json_is_object(d)) {
        omb_doc_for_party(d, viewer);
        *out = omb_jsonw_dup(d, 0, out_len);
    }
    json_decref(d);
    return *out ? OMB_OK : OMB_EIO;
}
