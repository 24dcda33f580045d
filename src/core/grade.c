/*
 * grade.c - grade rules as a table; see grade.h.
 */
#include "grade.h"
#include "buf.h"

#include <stdio.h>
#include <string.h>

const omb_grade_policy omb_grade_defaults = {
    .major_complainants = 20,
    .important_amount_fen = 5000000,
};

const char *const omb_grade_signals[] = {
    "vulnerable", "media_exposure",   "regulator_designated", "disaster_event",
    "repeat",     "self_harm_threat", "violence_threat",      NULL,
};

/* Signals and the grade each implies. */
static const struct {
    const char *signal;
    enum omb_grade grade;
} signal_rules[] = {
    {"regulator_designated", OMB_GRADE_MAJOR}, {"disaster_event", OMB_GRADE_MAJOR},
    {"self_harm_threat", OMB_GRADE_URGENT},    {"violence_threat", OMB_GRADE_URGENT},
    {"media_exposure", OMB_GRADE_URGENT},      {"repeat", OMB_GRADE_IMPORTANT},
    {"vulnerable", OMB_GRADE_IMPORTANT},
};

/* Channels that imply a grade: complaints transferred by authorities. */
static const struct {
    const char *channel;
    enum omb_grade grade;
} channel_rules[] = {
    {"regulator", OMB_GRADE_IMPORTANT},
    {"hotline_12345", OMB_GRADE_IMPORTANT},
};

/* Words in the description that signal urgency. */
static const struct {
    const char *word;
    enum omb_grade grade;
} text_rules[] = {
    {"自杀", OMB_GRADE_URGENT},        {"轻生", OMB_GRADE_URGENT},
    {"跳楼", OMB_GRADE_URGENT},        {"不想活", OMB_GRADE_URGENT},
    {"同归于尽", OMB_GRADE_URGENT},    {"报复", OMB_GRADE_URGENT},
    {"曝光", OMB_GRADE_URGENT},        {"媒体", OMB_GRADE_URGENT},
    {"记者", OMB_GRADE_URGENT},        {"suicide", OMB_GRADE_URGENT},
    {"kill myself", OMB_GRADE_URGENT}, {"集体投诉", OMB_GRADE_IMPORTANT},
    {"老年人", OMB_GRADE_IMPORTANT},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void raise_to(enum omb_grade *g, enum omb_grade to, json_t *reasons, const char *why)
{
    if (to > *g)
        *g = to;
    if (reasons && to > OMB_GRADE_GENERAL)
        json_array_append_new(reasons, json_string(why));
}

int omb_grade_evaluate(const omb_grade_policy *policy, const json_t *p, enum omb_grade *out,
                       json_t *reasons, omb_err *err)
{
    char why[96];
    enum omb_grade g = OMB_GRADE_GENERAL;
    const char *given = omb_json_str(p, "grade", NULL);
    if (given && omb_grade_parse(given, &g) != OMB_OK)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "grade", "unknown grade");
    if (given && g > OMB_GRADE_GENERAL && reasons)
        json_array_append_new(reasons, json_string("given"));

    if (omb_json_int(p, "complainants", 1) >= policy->major_complainants) {
        snprintf(why, sizeof why, "complainants>=%lld", (long long)policy->major_complainants);
        raise_to(&g, OMB_GRADE_MAJOR, reasons, why);
    }
    if (omb_json_int(p, "amount_fen", 0) >= policy->important_amount_fen) {
        snprintf(why, sizeof why, "amount_fen>=%lld", (long long)policy->important_amount_fen);
        raise_to(&g, OMB_GRADE_IMPORTANT, reasons, why);
    }
    const char *channel = omb_json_str(p, "channel", "");
    for (size_t i = 0; i < COUNT(channel_rules); i++)
        if (strcmp(channel, channel_rules[i].channel) == 0) {
            snprintf(why, sizeof why, "channel:%s", channel);
            raise_to(&g, channel_rules[i].grade, reasons, why);
        }
    const json_t *signals = json_object_get(p, "signals");
    size_t i;
    const json_t *s;
    json_array_foreach(signals, i, s)
    {
        const char *name = json_string_value(s);
        size_t k = 0;
        while (name && k < COUNT(signal_rules) && strcmp(signal_rules[k].signal, name) != 0)
            k++;
        if (!name || k == COUNT(signal_rules)) /* a non-string is unknown too */
            return omb_fail(err, OMB_EFIELD, "invalid_value", "signals",
                            "signals has an unknown value");
        snprintf(why, sizeof why, "signal:%s", name);
        raise_to(&g, signal_rules[k].grade, reasons, why);
    }
    const char *text = omb_json_str(p, "description", "");
    for (size_t k = 0; k < COUNT(text_rules); k++)
        if (strstr(text, text_rules[k].word)) {
            snprintf(why, sizeof why, "text:%s", text_rules[k].word);
            raise_to(&g, text_rules[k].grade, reasons, why);
        }
    *out = g;
    return OMB_OK;
}

int omb_grade_change_check(enum omb_grade from, enum omb_grade to, enum omb_role role,
                           bool has_reason, omb_err *err)
{
    if (to >= from)
        return OMB_OK;
    if (role != OMB_ROLE_SUPERVISOR && role != OMB_ROLE_COMPLIANCE)
        return omb_fail(err, OMB_EFORBIDDEN, "approval_required", "grade",
                        "lowering the grade from %s to %s needs a supervisor or a compliance "
                        "officer (降低投诉等级须经主管或合规人员批准)",
                        omb_grade_name(from), omb_grade_name(to));
    if (!has_reason)
        return omb_fail(err, OMB_EFIELD, "missing_field", "reason",
                        "lowering the grade needs a reason");
    return OMB_OK;
}

json_t *omb_grade_given_reasons(int64_t user_id, const char *reason)
{
    omb_buf b = OMB_BUF_INIT(64 << 10);
    omb_buf_puts(&b, "given:");
    omb_buf_put_i64(&b, user_id);
    if (reason) {
        omb_buf_putc(&b, ':');
        omb_buf_puts(&b, reason);
    }
    json_t *out = json_pack("[s]", omb_buf_str(&b));
    omb_buf_release(&b);
    return out;
}
