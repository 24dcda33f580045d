/*
 * lifecycle.c - the complaint lifecycle as data: state and role names, the
 * action catalogue with the fields each action carries, and the transition
 * table.  See lifecycle.h.
 */
#include "lifecycle.h"
#include "visibility.h"

#include <string.h>

#define COUNT(a)       (sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX       5000
#define LINE_MAX_CHARS 200

static const struct {
    const char *name;
    const char *zh;
} state_names[OMB_ST__COUNT] = {
    [OMB_ST_RECEIVED] = {"received", "登记"},
    [OMB_ST_ACCEPTED] = {"accepted", "受理"},
    [OMB_ST_INVESTIGATING] = {"investigating", "调查核实"},
    [OMB_ST_DECIDED] = {"decided", "已决定"},
    [OMB_ST_NOTIFIED] = {"notified", "已告知"},
    [OMB_ST_REVIEW] = {"review", "复核"},
    [OMB_ST_MEDIATION] = {"mediation", "调解"},
    [OMB_ST_CLOSED] = {"closed", "办结"},
    [OMB_ST_REJECTED] = {"rejected", "不予受理"},
    [OMB_ST_WITHDRAWN] = {"withdrawn", "撤诉"},
    [OMB_ST_MERGED] = {"merged", "合并"},
};

static const char *const role_names[OMB_ROLE__COUNT] = {
    [OMB_ROLE_AGENT] = "agent",           [OMB_ROLE_SUPERVISOR] = "supervisor",
    [OMB_ROLE_COMPLIANCE] = "compliance", [OMB_ROLE_ADMIN] = "admin",
    [OMB_ROLE_AUDITOR] = "auditor",       [OMB_ROLE_MEDIATOR] = "mediator",
    [OMB_ROLE_REGULATOR] = "regulator",
};

const char *omb_state_name(enum omb_state s)
{
    return (unsigned)s < OMB_ST__COUNT ? state_names[s].name : "unknown";
}

const char *omb_state_zh(enum omb_state s)
{
    return (unsigned)s < OMB_ST__COUNT ? state_names[s].zh : "未知";
}

int omb_state_parse(const char *name, enum omb_state *out)
{
    for (unsigned i = 0; i < OMB_ST__COUNT; i++)
        if (strcmp(state_names[i].name, name) == 0) {
            *out = (enum omb_state)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

const char *omb_role_name(enum omb_role r)
{
    return (unsigned)r < OMB_ROLE__COUNT ? role_names[r] : "unknown";
}

int omb_role_parse(const char *name, enum omb_role *out)
{
    for (unsigned i = 0; i < OMB_ROLE__COUNT; i++)
        if (strcmp(role_names[i], name) == 0) {
            *out = (enum omb_role)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

/* ---- what each action carries ---------------------------------------- */

static const char *const responsibilities[] = {"institution", "consumer", "shared", "none", NULL};
static const char *const notice_methods[] = {"sms", "phone",  "letter",    "email",
                                             "app", "wechat", "in_person", NULL};
static const char *const grades[] = {"general", "important", "urgent", "major", NULL};

static const omb_field_spec f_optional_note[] = {
    {"note", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
/* An acceptance may name the lead party (one of the parties involved); checked by its refs hook
 * (src/app/actions.c). */
static const omb_field_spec f_accept[] = {
    {"lead_party", OMB_F_INT, false, 1, INT64_MAX, NULL, NULL, 0},
    {"note", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_reason[] = {
    {"reason", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_merge[] = {
    {"into", OMB_F_STRING, true, 0, 32, NULL, NULL, 0},
    {"reason", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_party_share[] = {
    {"party", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"weight", OMB_F_INT, true, 0, 100, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_decide[] = {
    {"finding", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"responsibility", OMB_F_ENUM, true, 0, 0, responsibilities, NULL, 0},
    {"remedy", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"compensation_fen", OMB_F_INT, false, 0, 1000000000000LL, NULL, NULL, 0},
    {"basis", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"routes", OMB_F_STRINGS, true, 0, 64, NULL, NULL, 10},
    {"party_responsibility", OMB_F_OBJECTS, false, 0, 0, NULL, f_party_share, 16},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_notify[] = {
    {"method", OMB_F_ENUM, true, 0, 0, notice_methods, NULL, 0},
    {"notified_at", OMB_F_TIME, true, 0, 0, NULL, NULL, 0},
    {"proof", OMB_F_TEXT, true, 0, 500, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_review[] = {
    {"reason", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"applied_at", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_mediate[] = {
    {"mediator_party", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"reason", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_close[] = {
    {"summary", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_reopen[] = {
    {"facts", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_assign[] = {
    {"assignee", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"reason", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_classify[] = {
    {"business", OMB_F_STRING, false, 0, 32, NULL, NULL, 0},
    {"cause", OMB_F_STRING, false, 0, 32, NULL, NULL, 0},
    {"grade", OMB_F_ENUM, false, 0, 0, grades, NULL, 0},
    {"tags", OMB_F_STRINGS, false, 0, 32, NULL, NULL, 20},
    {"reason", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const char *const clock_names[] = {"first_contact", "decision", "review_decision", NULL};
static const char *const extendable[] = {"decision", NULL};
static const char *const pause_reasons[] = {
    "appraisal", "testing", "valuation", "mediation", "awaiting_consumer", "other", NULL};
static const char *const satisfaction[] = {"satisfied", "neutral", "dissatisfied", "unreachable",
                                           NULL};
static const omb_field_spec f_consumer_notice[] = {
    {"method", OMB_F_ENUM, true, 0, 0, notice_methods, NULL, 0},
    {"notified_at", OMB_F_TIME, true, 0, 0, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_extend[] = {
    {"clock", OMB_F_ENUM, false, 0, 0, extendable, NULL, 0},
    {"days", OMB_F_INT, true, 1, 366, NULL, NULL, 0},
    {"reason", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"consumer_notice", OMB_F_OBJECT, false, 0, 0, NULL, f_consumer_notice, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_pause[] = {
    {"clock", OMB_F_ENUM, false, 0, 0, clock_names, NULL, 0},
    {"reason_code", OMB_F_ENUM, true, 0, 0, pause_reasons, NULL, 0},
    {"reason", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_resume[] = {
    {"clock", OMB_F_ENUM, false, 0, 0, clock_names, NULL, 0},
    {"pause", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"note", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_callback[] = {
    {"method", OMB_F_ENUM, true, 0, 0, notice_methods, NULL, 0},
    {"satisfaction", OMB_F_ENUM, true, 0, 0, satisfaction, NULL, 0},
    {"note", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_transfer[] = {
    {"to_party", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"reason", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"department", OMB_F_STRING, false, 0, 64, NULL, NULL, 0},
    {"queue", OMB_F_STRING, false, 0, 64, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_ack_transfer[] = {
    {"assignee", OMB_F_INT, false, 1, INT64_MAX, NULL, NULL, 0},
    {"note", OMB_F_TEXT, false, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const char *const task_kinds[] = {"information", "action", NULL};
static const omb_field_spec f_request_task[] = {
    {"to_party", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"kind", OMB_F_ENUM, true, 0, 0, task_kinds, NULL, 0},
    {"request", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"due_days", OMB_F_INT, false, 1, 30, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_answer_task[] = {
    {"task", OMB_F_INT, true, 1, 1000, NULL, NULL, 0},
    {"answer", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"attachments", OMB_F_STRINGS, false, 64, 64, NULL, NULL, 10},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_cancel_task[] = {
    {"task", OMB_F_INT, true, 1, 1000, NULL, NULL, 0},
    {"reason", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};
static const omb_field_spec f_note[] = {
    {"text", OMB_F_TEXT, true, 0, TEXT_MAX, NULL, NULL, 0},
    {"visibility", OMB_F_ENUM, false, 0, 0, omb_visibility_names, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

static const omb_action_info actions[OMB_ACT__COUNT] = {
    [OMB_ACT_RECEIVE] = {OMB_ACT_RECEIVE, "receive", "received", "登记", NULL},
    [OMB_ACT_ACCEPT] = {OMB_ACT_ACCEPT, "accept", "accepted", "受理", f_accept},
    [OMB_ACT_REJECT] = {OMB_ACT_REJECT, "reject", "rejected", "不予受理", f_reason},
    [OMB_ACT_MERGE] = {OMB_ACT_MERGE, "merge", "merged", "合并", f_merge},
    [OMB_ACT_WITHDRAW] = {OMB_ACT_WITHDRAW, "withdraw", "withdrawn", "撤诉", f_reason},
    [OMB_ACT_INVESTIGATE] = {OMB_ACT_INVESTIGATE, "investigate", "investigation_started",
                             "开始调查", f_optional_note},
    [OMB_ACT_DECIDE] = {OMB_ACT_DECIDE, "decide", "decided", "作出处理决定", f_decide},
    [OMB_ACT_NOTIFY] = {OMB_ACT_NOTIFY, "notify", "notified", "告知消费者", f_notify},
    [OMB_ACT_REVIEW] = {OMB_ACT_REVIEW, "review", "review_requested", "申请复核", f_review},
    [OMB_ACT_MEDIATE] = {OMB_ACT_MEDIATE, "mediate", "mediation_referred", "转调解", f_mediate},
    [OMB_ACT_CLOSE] = {OMB_ACT_CLOSE, "close", "closed", "办结", f_close},
    [OMB_ACT_REOPEN] = {OMB_ACT_REOPEN, "reopen", "reopened", "重新处理", f_reopen},
    [OMB_ACT_ASSIGN] = {OMB_ACT_ASSIGN, "assign", "assigned", "分派", f_assign},
    [OMB_ACT_CLASSIFY] = {OMB_ACT_CLASSIFY, "classify", "classified", "分类定级", f_classify},
    [OMB_ACT_NOTE] = {OMB_ACT_NOTE, "note", "note_added", "备注", f_note},
    [OMB_ACT_ATTACH] = {OMB_ACT_ATTACH, "attach", "attachment_added", "附件", NULL},
    [OMB_ACT_IMPORT] = {OMB_ACT_IMPORT, "import", "imported", "导入", NULL},
    [OMB_ACT_EXTEND] = {OMB_ACT_EXTEND, "extend", "extended", "延期", f_extend},
    [OMB_ACT_PAUSE] = {OMB_ACT_PAUSE, "pause", "paused", "中止计时", f_pause},
    [OMB_ACT_RESUME] = {OMB_ACT_RESUME, "resume", "resumed", "恢复计时", f_resume},
    [OMB_ACT_CALLBACK] = {OMB_ACT_CALLBACK, "callback", "callback_recorded", "回访", f_callback},
    [OMB_ACT_CLOCK_WARNING] = {OMB_ACT_CLOCK_WARNING, "clock_warning", "clock_warning", "时限预警",
                               NULL},
    [OMB_ACT_CLOCK_ESCALATION] = {OMB_ACT_CLOCK_ESCALATION, "clock_escalation", "clock_escalated",
                                  "超时升级", NULL},
    [OMB_ACT_DISPATCH] = {OMB_ACT_DISPATCH, "dispatch", "dispatched", "自动分派", NULL},
    [OMB_ACT_TRANSFER] = {OMB_ACT_TRANSFER, "transfer", "transferred", "转办", f_transfer},
    [OMB_ACT_ACK_TRANSFER] = {OMB_ACT_ACK_TRANSFER, "acknowledge_transfer", "transfer_acknowledged",
                              "确认接收转办", f_ack_transfer},
    [OMB_ACT_DECLINE_TRANSFER] = {OMB_ACT_DECLINE_TRANSFER, "decline_transfer", "transfer_declined",
                                  "退回转办", f_reason},
    [OMB_ACT_TRANSFER_ESCALATION] = {OMB_ACT_TRANSFER_ESCALATION, "transfer_escalation",
                                     "transfer_escalated", "转办超时升级", NULL},
    [OMB_ACT_REQUEST_TASK] = {OMB_ACT_REQUEST_TASK, "request_task", "task_requested", "发起协办",
                              f_request_task},
    [OMB_ACT_ANSWER_TASK] = {OMB_ACT_ANSWER_TASK, "answer_task", "task_answered", "协办答复",
                             f_answer_task},
    [OMB_ACT_CANCEL_TASK] = {OMB_ACT_CANCEL_TASK, "cancel_task", "task_cancelled", "撤销协办",
                             f_cancel_task},
    [OMB_ACT_TASK_OVERDUE] = {OMB_ACT_TASK_OVERDUE, "task_overdue", "task_overdue", "协办超时",
                              NULL},
    [OMB_ACT_PII_READ] = {OMB_ACT_PII_READ, "pii_read", "pii_read", "查看个人信息", NULL},
};

/* ---- who may do what, from where ---------------------------------------- */

#define R(r)            OMB_ROLEBIT(OMB_ROLE_##r)
#define S(s)            OMB_STBIT(OMB_ST_##s)
#define HANDLERS        (R(AGENT) | R(SUPERVISOR))
#define BEFORE_DECISION (S(RECEIVED) | S(ACCEPTED) | S(INVESTIGATING))

static const omb_transition table[] = {
    /* action            from                                  to                     roles */
    {OMB_ACT_RECEIVE, 0, OMB_ST_RECEIVED, HANDLERS | R(REGULATOR), OMB_RULE_NONE, OMB_PARTY_LEAD},
    {OMB_ACT_IMPORT, 0, OMB_TO_SAME, HANDLERS | R(ADMIN), OMB_RULE_NONE, OMB_PARTY_LEAD},
    {OMB_ACT_ACCEPT, S(RECEIVED), OMB_ST_ACCEPTED, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_REJECT, S(RECEIVED), OMB_ST_REJECTED, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_MERGE, S(RECEIVED) | S(ACCEPTED), OMB_ST_MERGED, HANDLERS, OMB_RULE_API,
     OMB_PARTY_LEAD},
    {OMB_ACT_WITHDRAW, S(RECEIVED) | S(ACCEPTED) | S(INVESTIGATING), OMB_ST_WITHDRAWN, HANDLERS,
     OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_INVESTIGATE, S(ACCEPTED), OMB_ST_INVESTIGATING, HANDLERS, OMB_RULE_API,
     OMB_PARTY_LEAD},
    {OMB_ACT_DECIDE, S(INVESTIGATING), OMB_ST_DECIDED, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_DECIDE, S(REVIEW), OMB_ST_DECIDED, R(SUPERVISOR) | R(COMPLIANCE),
     OMB_RULE_API | OMB_RULE_NOT_FIRST_DECIDER, OMB_PARTY_LEAD},
    {OMB_ACT_DECIDE, S(MEDIATION), OMB_ST_DECIDED, R(MEDIATOR) | R(SUPERVISOR), OMB_RULE_API,
     OMB_PARTY_LEAD_OR_MEDIATOR},
    /* A mediation ends with its organisation: it records the outcome (decide in
     * mediation), serves it on the consumer (notify) and closes; the lead party may
     * take each step as well (docs/api.md, "Mediation"). */
    {OMB_ACT_NOTIFY, S(DECIDED), OMB_ST_NOTIFIED, HANDLERS | R(MEDIATOR), OMB_RULE_API,
     OMB_PARTY_LEAD_OR_MEDIATOR},
    {OMB_ACT_REVIEW, S(NOTIFIED), OMB_ST_REVIEW, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_MEDIATE, S(NOTIFIED), OMB_ST_MEDIATION, HANDLERS | R(COMPLIANCE), OMB_RULE_API,
     OMB_PARTY_LEAD},
    {OMB_ACT_CLOSE, S(NOTIFIED), OMB_ST_CLOSED, HANDLERS | R(MEDIATOR), OMB_RULE_API,
     OMB_PARTY_LEAD_OR_MEDIATOR},
    {OMB_ACT_CLOSE, S(MEDIATION), OMB_ST_CLOSED, R(MEDIATOR) | R(SUPERVISOR), OMB_RULE_API,
     OMB_PARTY_LEAD_OR_MEDIATOR},
    {OMB_ACT_REOPEN, S(CLOSED), OMB_ST_INVESTIGATING, R(SUPERVISOR) | R(COMPLIANCE), OMB_RULE_API,
     OMB_PARTY_LEAD},
    {OMB_ACT_ASSIGN, OMB_ST_OPEN, OMB_TO_SAME, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_CLASSIFY, OMB_ST_OPEN, OMB_TO_SAME, HANDLERS | R(COMPLIANCE), OMB_RULE_API,
     OMB_PARTY_LEAD},
    {OMB_ACT_NOTE, OMB_ST_ANY, OMB_TO_SAME, HANDLERS | R(COMPLIANCE) | R(MEDIATOR), OMB_RULE_API,
     OMB_PARTY_INVOLVED},
    {OMB_ACT_ATTACH, OMB_ST_ANY, OMB_TO_SAME, HANDLERS | R(COMPLIANCE) | R(MEDIATOR),
     OMB_RULE_UPLOAD, OMB_PARTY_INVOLVED},
    {OMB_ACT_EXTEND, S(RECEIVED) | S(ACCEPTED) | S(INVESTIGATING), OMB_TO_SAME, HANDLERS,
     OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_PAUSE, S(RECEIVED) | S(ACCEPTED) | S(INVESTIGATING) | S(REVIEW), OMB_TO_SAME, HANDLERS,
     OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_RESUME, S(RECEIVED) | S(ACCEPTED) | S(INVESTIGATING) | S(REVIEW), OMB_TO_SAME,
     HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_CALLBACK, S(CLOSED), OMB_TO_SAME, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_CLOCK_WARNING, OMB_ST_OPEN | S(CLOSED), OMB_TO_SAME, 0, OMB_RULE_SYSTEM,
     OMB_PARTY_LEAD},
    {OMB_ACT_CLOCK_ESCALATION, OMB_ST_OPEN | S(CLOSED), OMB_TO_SAME, 0, OMB_RULE_SYSTEM,
     OMB_PARTY_LEAD},
    {OMB_ACT_DISPATCH, BEFORE_DECISION, OMB_TO_SAME, 0, OMB_RULE_SYSTEM, OMB_PARTY_LEAD},
    {OMB_ACT_TRANSFER, BEFORE_DECISION, OMB_TO_SAME, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_ACK_TRANSFER, BEFORE_DECISION, OMB_TO_SAME, HANDLERS, OMB_RULE_API,
     OMB_PARTY_TRANSFER_TO},
    {OMB_ACT_DECLINE_TRANSFER, BEFORE_DECISION, OMB_TO_SAME, HANDLERS, OMB_RULE_API,
     OMB_PARTY_TRANSFER_TO},
    {OMB_ACT_TRANSFER_ESCALATION, OMB_ST_ANY, OMB_TO_SAME, 0, OMB_RULE_SYSTEM, OMB_PARTY_LEAD},
    {OMB_ACT_REQUEST_TASK, OMB_ST_OPEN, OMB_TO_SAME, HANDLERS, OMB_RULE_API, OMB_PARTY_LEAD},
    {OMB_ACT_ANSWER_TASK, OMB_ST_ANY, OMB_TO_SAME, HANDLERS, OMB_RULE_API, OMB_PARTY_TASK_TO},
    {OMB_ACT_CANCEL_TASK, OMB_ST_ANY, OMB_TO_SAME, HANDLERS, OMB_RULE_API, OMB_PARTY_TASK_FROM},
    {OMB_ACT_TASK_OVERDUE, OMB_ST_ANY, OMB_TO_SAME, 0, OMB_RULE_SYSTEM, OMB_PARTY_LEAD},
    {OMB_ACT_PII_READ, OMB_ST_ANY, OMB_TO_SAME, HANDLERS | R(MEDIATOR), OMB_RULE_NONE,
     OMB_PARTY_LEAD_OR_MEDIATOR},
};

#undef R
#undef S
#undef BEFORE_DECISION

const omb_transition *omb_transitions(size_t *count)
{
    *count = COUNT(table);
    return table;
}

const omb_action_info *omb_action_get(enum omb_action a)
{
    return (unsigned)a < OMB_ACT__COUNT ? &actions[a] : NULL;
}

static bool has_flag(enum omb_action a, unsigned flags)
{
    for (size_t i = 0; i < COUNT(table); i++)
        if (table[i].action == a && (table[i].flags & flags))
            return true;
    return false;
}

bool omb_action_offered(enum omb_action a)
{
    return has_flag(a, OMB_RULE_API | OMB_RULE_UPLOAD);
}

int omb_action_parse(const char *name, enum omb_action *out)
{
    for (unsigned i = 0; i < OMB_ACT__COUNT; i++)
        if (strcmp(actions[i].name, name) == 0 && has_flag((enum omb_action)i, OMB_RULE_API)) {
            *out = (enum omb_action)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

int omb_action_by_event(const char *event_type, enum omb_action *out)
{
    for (unsigned i = 0; i < OMB_ACT__COUNT; i++)
        if (strcmp(actions[i].event_type, event_type) == 0) {
            *out = (enum omb_action)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

int omb_lifecycle_check(enum omb_state state, enum omb_action action, enum omb_role role,
                        int64_t actor_user_id, int64_t first_decider_id, enum omb_state *to,
                        omb_err *err)
{
    const omb_action_info *info = omb_action_get(action);
    if (!info || (unsigned)state >= OMB_ST__COUNT || (unsigned)role >= OMB_ROLE__COUNT)
        return omb_fail(err, OMB_EINVAL, "invalid_action", NULL, "unknown action, state or role");
    bool state_ok = false;
    for (size_t i = 0; i < COUNT(table); i++) {
        const omb_transition *t = &table[i];
        if (t->action != action || !(t->from & OMB_STBIT(state)))
            continue;
        state_ok = true;
        if (!(t->roles & OMB_ROLEBIT(role)))
            continue;
        if ((t->flags & OMB_RULE_NOT_FIRST_DECIDER) && first_decider_id != 0 &&
            actor_user_id == first_decider_id)
            return omb_fail(err, OMB_EFORBIDDEN, "same_handler", NULL,
                            "a review must be decided by someone other than the first handler "
                            "(复核须由原处理人以外的人员作出)");
        *to = t->to == OMB_TO_SAME ? state : (enum omb_state)t->to;
        return OMB_OK;
    }
    if (!state_ok)
        return omb_fail(err, OMB_ECONFLICT, "illegal_transition", NULL,
                        "cannot %s a complaint in state %s (%s状态下不能%s)", info->name,
                        omb_state_name(state), omb_state_zh(state), info->zh);
    return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                    "role %s may not %s a complaint in state %s", omb_role_name(role), info->name,
                    omb_state_name(state));
}

enum omb_party_rule omb_lifecycle_party(enum omb_state state, enum omb_action action,
                                        enum omb_role role)
{
    for (size_t i = 0; i < COUNT(table); i++)
        if (table[i].action == action && (table[i].from & OMB_STBIT(state)) &&
            (unsigned)role < OMB_ROLE__COUNT && (table[i].roles & OMB_ROLEBIT(role)))
            return table[i].party;
    return OMB_PARTY_LEAD;
}

const char *omb_party_rule_name(enum omb_party_rule rule)
{
    static const char *const names[OMB_PARTY__COUNT] = {
        [OMB_PARTY_LEAD] = "lead",
        [OMB_PARTY_INVOLVED] = "involved",
        [OMB_PARTY_LEAD_OR_MEDIATOR] = "lead_or_mediator",
        [OMB_PARTY_TASK_TO] = "task_to",
        [OMB_PARTY_TASK_FROM] = "task_from",
        [OMB_PARTY_TRANSFER_TO] = "transfer_to",
    };
    return (unsigned)rule < OMB_PARTY__COUNT ? names[rule] : "unknown";
}

int omb_lifecycle_check_create(enum omb_action action, enum omb_role role, omb_err *err)
{
    for (size_t i = 0; i < COUNT(table); i++)
        if (table[i].action == action && table[i].from == 0) {
            if ((unsigned)role < OMB_ROLE__COUNT && (table[i].roles & OMB_ROLEBIT(role)))
                return OMB_OK;
            return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                            "role %s may not create complaints", omb_role_name(role));
        }
    return omb_fail(err, OMB_EINVAL, "invalid_action", NULL, "not a creating action");
}
