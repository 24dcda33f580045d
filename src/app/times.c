/*
 * times.c - the times a request carries must be plausible: not before the
 * complaint was received (or, for received_at itself, before the configured
 * floor received_at_floor), not before the step they follow (a notice after
 * its decision, a review applied for after the notice), and not further in
 * the future than clock_skew_seconds by the app's clock.  See docs/api.md,
 * Conventions.
 */
#include "app.h"

#include <string.h>

/* The latest moment a time sent may name: now by the app's clock plus the skew. */
static omb_ms latest(omb_app *app)
{
    return omb_app_now(app) + (omb_ms)app->cfg.clock_skew_seconds * 1000;
}

int omb_app_check_create_times(omb_app *app, const json_t *body, omb_err *err)
{
    int tz = app->cfg.utc_offset_minutes;
    omb_ms floor = 0, received = omb_app_now(app);
    omb_time_parse(app->cfg.received_at_floor, tz, &floor);
    static const omb_field_spec received_at[] = {
        {"received_at", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
        {NULL, 0, false, 0, 0, NULL, NULL, 0},
    };
    static const omb_field_spec institution_received_at[] = {
        {"institution_received_at", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
        {NULL, 0, false, 0, 0, NULL, NULL, 0},
    };
    int rc = omb_fields_check_times(body, received_at, "", floor,
                                    "the earliest date accepted (received_at_floor)", latest(app),
                                    tz, err);
    if (rc)
        return rc;
    /* A complaint transferred in (regulator, hotline) counts from when the
     * institution received it, which cannot be before the complaint was made. */
    const char *recv = omb_json_str(body, "received_at", NULL);
    if (recv)
        omb_time_parse(recv, tz, &received);
    return omb_fields_check_times(body, institution_received_at, "", received, "received_at",
                                  latest(app), tz, err);
}

/* Actions whose times follow an earlier step: the record and member that step
 * left in the document.  Every other time counts from the complaint's receipt. */
static const struct {
    enum omb_action action;
    const char *record, *member, *what;
} after_step[] = {
    {OMB_ACT_NOTIFY, "decision", "at", "the decision"},
    {OMB_ACT_REVIEW, "notice", "notified_at", "the notice to the consumer"},
};

int omb_app_check_action_times(omb_app *app, const omb_complaint *c, enum omb_action action,
                               const json_t *payload, omb_err *err)
{
    const omb_action_info *info = omb_action_get(action);
    if (!info || !info->fields)
        return OMB_OK;
    omb_ms lo = c->received_at;
    const char *what = "the complaint's receipt (received_at)";
    for (size_t i = 0; i < sizeof after_step / sizeof after_step[0]; i++) {
        const char *at =
            omb_json_str(json_object_get(c->doc, after_step[i].record), after_step[i].member, NULL);
        omb_ms t;
        if (after_step[i].action == action && at && omb_time_parse(at, 0, &t) == OMB_OK && t > lo) {
            lo = t;
            what = after_step[i].what;
        }
    }
    return omb_fields_check_times(payload, info->fields, "", lo, what, latest(app),
                                  app->cfg.utc_offset_minutes, err);
}
