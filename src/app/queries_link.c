/*
 * queries_link.c - the read side of linkage: settlements per party (who
 * owes what of each decision's compensation, and the totals) and the
 * search for a complainant's other complaints by blind index, which never
 * decrypts anything; and the events an event stream replays on resuming.
 */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct settle_list {
    json_t *items;
    json_t *totals; /* party id (text) -> {amount_fen, parts} */
} settle_list;

static int add_settlement(void *ctx, const omb_settlement_row *r)
{
    settle_list *l = ctx;
    json_array_append_new(
        l->items, json_pack("{s:s,s:I,s:I,s:s,s:i,s:i,s:I,s:s,s:o}", "no", r->no, "decision",
                            (json_int_t)r->decision, "party", (json_int_t)r->party_id, "role",
                            r->role, "share_bp", (int)r->share_bp, "weight", (int)r->weight,
                            "amount_fen", (json_int_t)r->amount_fen, "state", r->state,
                            "decided_at", omb_time_json(r->decided_at)));
    if (strcmp(r->state, "due") != 0)
        return OMB_OK;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)r->party_id);
    json_t *t = json_object_get(l->totals, key);
    if (!t) {
        t = json_pack("{s:I,s:I,s:I}", "party", (json_int_t)r->party_id, "amount_fen",
                      (json_int_t)0, "parts", (json_int_t)0);
        json_object_set_new(l->totals, key, t);
    }
    json_object_set_new(t, "amount_fen",
                        json_integer(omb_json_int(t, "amount_fen", 0) + r->amount_fen));
    json_object_set_new(t, "parts", json_integer(omb_json_int(t, "parts", 0) + 1));
    return OMB_OK;
}

static int time_param(const omb_app *app, const char *name, const char *v, omb_ms *out,
                      omb_err *err)
{
    if (omb_time_parse(v, app->cfg.utc_offset_minutes, out) != OMB_OK)
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", name,
                        "%s must be a date or an RFC 3339 time", name);
    return OMB_OK;
}

int omb_q_settlements(omb_app *app, omb_store *r, const omb_principal *who,
                      const char *const *names, const char *const *values, size_t n, json_t **out,
                      omb_err *err)
{
    omb_settlement_filter f = {0};
    f.party = omb_app_operator_admin(who) ? 0 : who->party_id;
    f.limit = 1000;
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        int rc = OMB_OK;
        if (strcmp(k, "from") == 0)
            rc = time_param(app, k, v, &f.from, err);
        else if (strcmp(k, "to") == 0)
            rc = time_param(app, k, v, &f.to, err);
        else if (strcmp(k, "superseded") == 0) {
            if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
                return omb_fail(err, OMB_EINVAL, "invalid_parameter", k,
                                "superseded is true or false");
            f.superseded = v[0] == 't';
        } else if (strcmp(k, "party") == 0) {
            char *end;
            long long p = strtoll(v, &end, 10);
            if (!*v || *end || p < 1)
                return omb_fail(err, OMB_EINVAL, "invalid_parameter", k, "bad value for party");
            if (!omb_app_operator_admin(who) && p != who->party_id)
                return omb_fail(err, OMB_EFORBIDDEN, "party_not_involved", k,
                                "a party sees only its own settlements");
            f.party = p;
        } else
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", k, "unknown query parameter %s",
                            k);
        if (rc)
            return rc;
    }
    settle_list l = {json_array(), json_object()};
    int rc = r->vt->settlements_list(r, &f, add_settlement, &l, err);
    if (rc) {
        json_decref(l.items);
        json_decref(l.totals);
        return rc;
    }
    json_t *totals = json_array();
    const char *key;
    json_t *t;
    json_object_foreach(l.totals, key, t) json_array_append(totals, t);
    json_decref(l.totals);
    *out = json_pack("{s:o,s:o}", "items", l.items, "totals", totals);
    return OMB_OK;
}

static int add_no(void *ctx, int64_t id, const char *no)
{
    json_array_append_new(ctx, json_string(no));
    return OMB_OK;
}

int omb_q_repeat(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                 const char *const *values, size_t n, json_t **out, omb_err *err)
{
    if (who->role == OMB_ROLE_REGULATOR || who->role == OMB_ROLE_MEDIATOR)
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "role %s may not search by personal data", omb_role_name(who->role));
    if (n != 1 || (strcmp(names[0], "phone") != 0 && strcmp(names[0], "id_number") != 0))
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", n ? names[0] : NULL,
                        "give exactly one of phone or id_number");
    unsigned char blind[OMB_BLIND_LEN];
    int rc = omb_pii_blind(app, names[0], values[0], blind, err);
    if (rc)
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", names[0], "%s is not a usable value",
                        names[0]);
    json_t *nos = json_array();
    rc = r->vt->pii_index_find(r, names[0], blind, who->party_id, app->cfg.page_max, add_no, nos,
                               err);
    if (rc) {
        json_decref(nos);
        return rc;
    }
    *out = json_pack("{s:o}", "complaints", nos);
    return OMB_OK;
}

int omb_q_events_since(omb_app *app, omb_store *r, int64_t after_id, int64_t viewer_party,
                       int limit, int (*cb)(void *, const omb_feed_row *), void *ctx, omb_err *err)
{
    return r->vt->events_since(r, after_id, viewer_party, limit, cb, ctx, err);
}
