/*
 * demo.c - `ombud demo`: fills a fresh database with a world a new user can
 * explore: a bank, a consumer-finance company and a technology platform
 * sharing two loan products, a regulator and a mediation centre, users of
 * every role with passwords and tokens, a few hundred Chinese complaints
 * (data/demo/complaints.tsv) driven through the lifecycle with realistic
 * timings, and an import of the CFPB sample (data/demo/cfpb_demo.csv).
 *
 * Everything goes through the same use cases as the API; the demo only sets
 * the app clock for each step so that timelines look like real work.
 */
#include "cli.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_PASSWORD "ombud-demo-2026"
#define FIELDS        15

typedef struct demo_user {
    const char *username;
    const char *name;
    const char *role;
    int party; /* index into parties[] */
    omb_principal who;
    char token[64];
} demo_user;

static const struct {
    const char *code, *name, *kind;
} parties[] = {
    {"demo-bank", "示范商业银行 Demo Commercial Bank", "bank"},
    {"demo-lender", "示范消费金融公司 Demo Consumer Finance", "lender"},
    {"demo-platform", "示范科技平台 Demo Tech Platform", "platform"},
    {"demo-regulator", "示范金融监管局 Demo Financial Regulator", "regulator"},
    {"demo-mediation", "示范金融纠纷调解中心 Demo Mediation Centre", "mediator"},
};
enum { P_BANK, P_LENDER, P_PLATFORM, P_REGULATOR, P_MEDIATION, N_PARTIES };

static demo_user users[] = {
    {"bank.admin", "王管理 (银行管理员)", "admin", P_BANK, {0}, ""},
    {"bank.supervisor", "李主管 (银行主管)", "supervisor", P_BANK, {0}, ""},
    {"bank.agent", "张客服 (银行客服)", "agent", P_BANK, {0}, ""},
    {"bank.agent2", "赵客服 (银行客服)", "agent", P_BANK, {0}, ""},
    {"bank.compliance", "钱合规 (银行合规)", "compliance", P_BANK, {0}, ""},
    {"bank.auditor", "孙审计 (银行审计)", "auditor", P_BANK, {0}, ""},
    {"lender.admin", "周管理 (消金管理员)", "admin", P_LENDER, {0}, ""},
    {"lender.supervisor", "吴主管 (消金主管)", "supervisor", P_LENDER, {0}, ""},
    {"lender.agent", "郑客服 (消金客服)", "agent", P_LENDER, {0}, ""},
    {"lender.agent2", "冯客服 (消金客服)", "agent", P_LENDER, {0}, ""},
    {"lender.compliance", "陈合规 (消金合规)", "compliance", P_LENDER, {0}, ""},
    {"platform.admin", "褚管理 (平台管理员)", "admin", P_PLATFORM, {0}, ""},
    {"platform.supervisor", "卫主管 (平台主管)", "supervisor", P_PLATFORM, {0}, ""},
    {"platform.agent", "蒋客服 (平台客服)", "agent", P_PLATFORM, {0}, ""},
    {"platform.agent2", "沈客服 (平台客服)", "agent", P_PLATFORM, {0}, ""},
    {"platform.compliance", "韩合规 (平台合规)", "compliance", P_PLATFORM, {0}, ""},
    {"regulator", "杨监管 (监管人员)", "regulator", P_REGULATOR, {0}, ""},
    {"mediator", "朱调解 (调解员)", "mediator", P_MEDIATION, {0}, ""},
};
#define N_USERS (sizeof users / sizeof users[0])

typedef struct demo {
    omb_app *app;
    int64_t party_ids[N_PARTIES];
    int64_t product_ids[2];
    omb_principal op;
    long complaints, actions, failed;
} demo;

/* Runs one use-case job synchronously; returns the result (owned) or NULL. */
static json_t *run(demo *d, omb_job *job, int rc, const omb_err *err)
{
    if (rc) {
        cli_report(err);
        omb_job_release(job);
        d->failed++;
        return NULL;
    }
    if (omb_writer_run(d->app->writer, job)) {
        cli_report(&job->err);
        omb_job_release(job);
        d->failed++;
        return NULL;
    }
    json_t *res = omb_job_result(job);
    omb_job_release(job);
    return res;
}

typedef int (*uc_fn)(omb_app *, omb_job *, json_t *, omb_err *);

static json_t *call(demo *d, const omb_principal *who, uc_fn uc, json_t *body)
{
    omb_job job;
    omb_err err;
    omb_err_clear(&err);
    omb_job_init(&job, NULL, NULL, who);
    int rc = uc(d->app, &job, body, &err);
    json_decref(body);
    return run(d, &job, rc, &err);
}

static int setup_world(demo *d)
{
    for (int i = 0; i < N_PARTIES; i++) {
        json_t *p = call(d, &d->op, omb_uc_create_party,
                         json_pack("{s:s,s:s,s:s}", "code", parties[i].code, "name",
                                   parties[i].name, "kind", parties[i].kind));
        if (!p)
            return -1;
        d->party_ids[i] = json_integer_value(json_object_get(p, "id"));
        json_decref(p);
    }
    char hash[OMB_PWHASH_LEN];
    omb_err err;
    if (omb_auth_hash_password(DEMO_PASSWORD, hash, &err))
        return -1;
    for (size_t i = 0; i < N_USERS; i++) {
        demo_user *u = &users[i];
        json_t *res =
            call(d, &d->op, omb_uc_create_user,
                 json_pack("{s:s,s:s,s:s,s:I,s:s}", "username", u->username, "display_name",
                           u->name, "role", u->role, "party", (json_int_t)d->party_ids[u->party],
                           "password", DEMO_PASSWORD));
        if (!res)
            return -1;
        memset(&u->who, 0, sizeof u->who);
        u->who.user_id = json_integer_value(json_object_get(res, "id"));
        u->who.party_id = d->party_ids[u->party];
        omb_role_parse(u->role, &u->who.role);
        snprintf(u->who.username, sizeof u->who.username, "%s", u->username);
        snprintf(u->who.party_kind, sizeof u->who.party_kind, "%s", parties[u->party].kind);
        json_decref(res);
        omb_job job;
        omb_job_init(&job, NULL, NULL, &d->op);
        omb_uc_issue_token(d->app, &job, u->username, "demo", 24 * 365, &err);
        json_t *tok = run(d, &job, 0, &err);
        if (!tok)
            return -1;
        snprintf(u->token, sizeof u->token, "%s", json_string_value(json_object_get(tok, "token")));
        json_decref(tok);
    }
    static const struct {
        const char *code, *name, *business;
        int shares[3];
    } products[2] = {
        {"p1-yifenqi", "易分期 Yifenqi instalment loan", "consumer_instalment", {7000, 2000, 1000}},
        {"p2-suixindai", "随心贷 Suixindai cash loan", "internet_loan", {6000, 3000, 1000}},
    };
    static const char *const member_roles[3] = {"funder", "acquirer", "platform"};
    for (int i = 0; i < 2; i++) {
        json_t *p = call(d, &d->op, omb_uc_create_product,
                         json_pack("{s:s,s:s,s:s}", "code", products[i].code, "name",
                                   products[i].name, "business", products[i].business));
        if (!p)
            return -1;
        d->product_ids[i] = json_integer_value(json_object_get(p, "id"));
        json_decref(p);
        json_t *members = json_array();
        for (int k = 0; k < 3; k++)
            json_array_append_new(
                members, json_pack("{s:I,s:s,s:i}", "party", (json_int_t)d->party_ids[k], "role",
                                   member_roles[k], "share_bp", products[i].shares[k]));
        char code[40];
        snprintf(code, sizeof code, "coop-%s", products[i].code);
        json_t *c = call(d, &d->op, omb_uc_create_cooperation,
                         json_pack("{s:s,s:s,s:I,s:o}", "code", code, "name", products[i].name,
                                   "product", (json_int_t)d->product_ids[i], "members", members));
        if (!c)
            return -1;
        json_decref(c);
    }
    return 0;
}

static const demo_user *user_named(const char *username)
{
    for (size_t i = 0; i < N_USERS; i++)
        if (strcmp(users[i].username, username) == 0)
            return &users[i];
    return NULL;
}

/* The demo's index of a party id, or -1. */
static int party_index(const demo *d, int64_t id)
{
    for (int k = 0; k < N_PARTIES; k++)
        if (d->party_ids[k] == id)
            return k;
    return -1;
}

/* The username prefix of the handlers of party index k. */
static const char *index_prefix(int k)
{
    return k == P_BANK ? "bank" : k == P_LENDER ? "lender" : "platform";
}

/* The handlers of a party by the demo's target names. */
static const char *party_prefix(const char *target)
{
    if (strcmp(target, "bank") == 0)
        return "bank";
    if (strcmp(target, "lender") == 0)
        return "lender";
    return "platform";
}

static int target_index(const char *target)
{
    if (strcmp(target, "bank") == 0)
        return P_BANK;
    if (strcmp(target, "lender") == 0)
        return P_LENDER;
    return P_PLATFORM;
}

/* A deterministic, valid resident identity number for demo row i. */
static void demo_id_number(unsigned long i, char out[19])
{
    char tmp[48];
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    snprintf(tmp, sizeof tmp, "110105%04lu%02lu%02lu%03lu", 1960 + i % 40, 1 + i % 12, 1 + i % 28,
             100 + i % 900);
    memcpy(out, tmp, 17);
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += (out[k] - '0') * weights[k];
    out[17] = check[sum % 11];
    out[18] = '\0';
}

static void set_clock(demo *d, omb_ms t)
{
    atomic_store(&d->app->clock_fixed_ms, t);
}

static bool act(demo *d, const char *username, const char *no, enum omb_action a, json_t *body)
{
    const demo_user *u = user_named(username);
    omb_job job;
    omb_err err;
    omb_err_clear(&err);
    omb_job_init(&job, NULL, NULL, &u->who);
    if (!body)
        body = json_object();
    int rc = omb_uc_complaint_action(d->app, &job, no, a, body, &err);
    json_decref(body);
    json_t *res = run(d, &job, rc, &err);
    if (!res)
        return false;
    json_decref(res);
    d->actions++;
    return true;
}

/* Days before now that a complaint in each final state was received. */
static int days_ago(const char *state, long i)
{
    static const struct {
        const char *state;
        int min, span;
    } ages[] = {
        {"received", 0, 1},   {"accepted", 1, 2},   {"investigating", 3, 9}, {"decided", 8, 6},
        {"notified", 10, 10}, {"review", 15, 15},   {"mediation", 15, 15},   {"closed", 20, 40},
        {"rejected", 2, 28},  {"withdrawn", 5, 25},
    };
    for (size_t k = 0; k < sizeof ages / sizeof ages[0]; k++)
        if (strcmp(ages[k].state, state) == 0)
            return ages[k].min + (int)(i * 7 % (ages[k].span + 1));
    return 1;
}

static bool state_reaches(const char *final, const char *step)
{
    static const char *const order[] = {"received", "accepted", "investigating",
                                        "decided",  "notified", NULL};
    int fi = -1, si = -1;
    for (int k = 0; order[k]; k++) {
        if (strcmp(order[k], final) == 0)
            fi = k;
        if (strcmp(order[k], step) == 0)
            si = k;
    }
    if (strcmp(final, "review") == 0 || strcmp(final, "mediation") == 0 ||
        strcmp(final, "closed") == 0)
        fi = 4;
    return fi >= 0 && si >= 0 && fi >= si;
}

static void drive(demo *d, char **f, long i, omb_ms now)
{
    const char *channel = f[0], *product = f[1], *business = f[2], *cause = f[3];
    const char *target = f[4], *state = f[8], *name = f[9];
    const char *prefix = party_prefix(target);
    char agent[40], supervisor[40];
    snprintf(agent, sizeof agent, "%s.%s", prefix, i % 2 ? "agent2" : "agent");
    omb_ms t = now - (omb_ms)days_ago(state, i) * OMB_MS_PER_DAY - (i % 17) * OMB_MS_PER_HOUR;
    char when[32];
    omb_time_format(t, when, sizeof when);

    json_t *body = json_pack("{s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "channel", channel, "received_at",
                             when, "target_party", (json_int_t)d->party_ids[target_index(target)],
                             "product", (json_int_t)d->product_ids[strcmp(product, "p2") == 0],
                             "business", business, "cause", cause, "description", f[10]);
    char phone[32], idn[19], loan[40];
    snprintf(phone, sizeof phone, "1%02ld%08ld", 30 + i % 60, 10000000 + i * 7919 % 89999999);
    demo_id_number((unsigned long)i, idn);
    snprintf(loan, sizeof loan, "LN%s%06ld", strcmp(product, "p2") == 0 ? "SX" : "YF", 100000 + i);
    json_object_set_new(body, "complainant",
                        json_pack("{s:s,s:s,s:s,s:s}", "name", name, "phone", phone, "id_number",
                                  idn, "customer_ref", loan + 2));
    json_object_set_new(body, "loan_ref", json_string(loan));
    if (strcmp(f[11], "-") != 0)
        json_object_set_new(body, "claims", json_string(f[11]));
    json_object_set_new(body, "complainants", json_integer(strtol(f[5], NULL, 10)));
    json_object_set_new(body, "amount_fen", json_integer(strtoll(f[6], NULL, 10)));
    if (strcmp(f[7], "-") != 0) {
        json_t *signals = json_array();
        char buf[256];
        snprintf(buf, sizeof buf, "%s", f[7]);
        for (char *p = buf, *comma;; p = comma + 1) {
            comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            json_array_append_new(signals, json_string(p));
            if (!comma)
                break;
        }
        json_object_set_new(body, "signals", signals);
    }
    const demo_user *creator =
        strcmp(channel, "regulator") == 0 ? user_named("regulator") : user_named(agent);
    set_clock(d, t);
    json_t *c = call(d, &creator->who, omb_uc_create_complaint, body);
    if (!c)
        return;
    d->complaints++;
    char no[OMB_NO_MAX];
    snprintf(no, sizeof no, "%s", json_string_value(json_object_get(c, "no")));
    /* Dispatch chose the lead party: its people handle the complaint. */
    int lead = party_index(d, json_integer_value(json_object_get(c, "lead_party")));
    json_decref(c);
    if (lead < 0)
        return;
    /* Now and then the lead hands the complaint on and the other party takes it. */
    if (i % 13 == 5 && strcmp(state, "received") != 0) {
        int to = lead == P_PLATFORM ? P_BANK : P_PLATFORM;
        set_clock(d, t + OMB_MS_PER_HOUR);
        snprintf(agent, sizeof agent, "%s.agent", index_prefix(lead));
        if (act(d, agent, no, OMB_ACT_TRANSFER,
                json_pack("{s:I,s:s}", "to_party", (json_int_t)d->party_ids[to], "reason",
                          "经初步核实，问题主要由对方机构负责，转其牵头处理"))) {
            set_clock(d, t + 2 * OMB_MS_PER_HOUR);
            snprintf(agent, sizeof agent, "%s.agent", index_prefix(to));
            if (act(d, agent, no, OMB_ACT_ACK_TRANSFER, NULL))
                lead = to;
        }
    }
    prefix = index_prefix(lead);
    snprintf(agent, sizeof agent, "%s.%s", prefix, i % 2 ? "agent2" : "agent");
    snprintf(supervisor, sizeof supervisor, "%s.supervisor", prefix);

    set_clock(d, t + 3 * OMB_MS_PER_HOUR);
    if (strcmp(state, "rejected") == 0) {
        act(d, agent, no, OMB_ACT_REJECT,
            json_pack("{s:s}", "reason", "经核实不属于本机构业务范围，已告知消费者向有权机构反映"));
        return;
    }
    if (!state_reaches(state, "accepted") && strcmp(state, "withdrawn") != 0)
        return;
    if (!act(d, agent, no, OMB_ACT_ACCEPT, NULL))
        return;
    set_clock(d, t + 4 * OMB_MS_PER_HOUR);
    act(d, supervisor, no, OMB_ACT_ASSIGN,
        json_pack("{s:I}", "assignee", (json_int_t)user_named(agent)->who.user_id));
    if (strcmp(state, "withdrawn") == 0) {
        set_clock(d, t + 2 * OMB_MS_PER_DAY);
        act(d, agent, no, OMB_ACT_WITHDRAW,
            json_pack("{s:s}", "reason", "消费者来电表示问题已自行解决，撤回投诉"));
        return;
    }
    if (!state_reaches(state, "investigating"))
        return;
    set_clock(d, t + OMB_MS_PER_DAY);
    act(d, agent, no, OMB_ACT_INVESTIGATE,
        json_pack("{s:s}", "note", "已调取借款合同、还款记录及通话录音"));
    set_clock(d, t + 2 * OMB_MS_PER_DAY);
    act(d, agent, no, OMB_ACT_NOTE,
        json_pack("{s:s}", "text", "已致电消费者了解诉求，并向合作机构调取材料"));
    /* Party tasks (协办): the lead asks a partner for records; most are answered. */
    if (i % 3 == 0) {
        int partner = lead == P_PLATFORM ? P_LENDER : P_PLATFORM;
        bool logs = partner == P_PLATFORM;
        act(d, agent, no, OMB_ACT_REQUEST_TASK,
            json_pack("{s:I,s:s,s:s}", "to_party", (json_int_t)d->party_ids[partner], "kind",
                      "information", "request",
                      logs ? "请提供该笔借款的APP操作日志、扣款流水及短信发送记录"
                           : "请提供获客环节的营销话术、通话录音及催收记录"));
        if (i % 4 != 0) {
            char who[40];
            snprintf(who, sizeof who, "%s.agent", index_prefix(partner));
            set_clock(d, t + 3 * OMB_MS_PER_DAY);
            act(d, who, no, OMB_ACT_ANSWER_TASK,
                json_pack("{s:i,s:s}", "task", 1, "answer",
                          logs ? "已导出操作日志与扣款流水，扣款时间与合同约定一致"
                               : "已调取通话录音三段，未发现不当催收用语"));
        }
    }
    if (!state_reaches(state, "decided"))
        return;
    long long comp = strtoll(f[14], NULL, 10);
    json_t *decision = json_pack(
        "{s:s,s:s,s:s,s:I,s:s,s:[sss]}", "finding",
        strcmp(f[12], "-") ? f[12] : "经调查核实，相关业务办理符合合同约定", "responsibility",
        comp > 0 ? "institution" : "none", "remedy",
        strcmp(f[13], "-") ? f[13] : "向消费者解释说明", "compensation_fen", (json_int_t)comp,
        "basis", "《银行业保险业消费投诉处理管理办法》第十八条；借款合同相关条款", "routes",
        "review", "mediation", "litigation");
    set_clock(d, t + 6 * OMB_MS_PER_DAY);
    if (!act(d, agent, no, OMB_ACT_DECIDE, decision))
        return;
    if (!state_reaches(state, "notified"))
        return;
    set_clock(d, t + 7 * OMB_MS_PER_DAY);
    char proof[48], at[32];
    snprintf(proof, sizeof proof, "短信回执 SMS-%s", no);
    omb_time_format(t + 7 * OMB_MS_PER_DAY - OMB_MS_PER_HOUR, at, sizeof at);
    act(d, agent, no, OMB_ACT_NOTIFY,
        json_pack("{s:s,s:s,s:s}", "method", "sms", "notified_at", at, "proof", proof));
    set_clock(d, t + 9 * OMB_MS_PER_DAY);
    if (strcmp(state, "review") == 0) {
        act(d, agent, no, OMB_ACT_REVIEW,
            json_pack("{s:s}", "reason", "消费者对处理结果不满意，申请复核"));
    } else if (strcmp(state, "mediation") == 0) {
        act(d, supervisor, no, OMB_ACT_MEDIATE,
            json_pack("{s:I,s:s}", "mediator_party", (json_int_t)d->party_ids[P_MEDIATION],
                      "reason", "双方对补偿金额分歧较大，经消费者同意转交调解"));
    } else if (strcmp(state, "closed") == 0) {
        act(d, agent, no, OMB_ACT_CLOSE,
            json_pack("{s:s}", "summary", "已按处理决定执行，消费者无异议，办结"));
    }
}

static int load_complaints(demo *d, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("cannot open %s", path);
        return -1;
    }
    omb_ms now = omb_app_now(d->app);
    char line[8192];
    long i = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        char *fields[FIELDS];
        int k = 0;
        for (char *p = line; k < FIELDS; k++) {
            fields[k] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                k++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        if (k != FIELDS) {
            cli_error("%s: a line has %d fields, not %d", path, k, FIELDS);
            continue;
        }
        drive(d, fields, i++, now);
    }
    fclose(f);
    atomic_store(&d->app->clock_fixed_ms, 0);
    return 0;
}

int cmd_demo(cli_args *a)
{
    const char *dir = cli_opt(a, "data", "data/demo");
    const char *logins = cli_opt(a, "logins", NULL);
    omb_app *app;
    omb_err err;
    omb_err_clear(&err);
    if (omb_app_open(&app, &a->cfg, false, &err)) {
        cli_report(&err);
        return 1;
    }
    demo d = {0};
    d.app = app;
    cli_system_principal(&d.op, 0, OMB_ROLE_ADMIN);
    int rc = setup_world(&d);
    char path[OMB_PATH_MAX + 32];
    if (!rc) {
        snprintf(path, sizeof path, "%s/complaints.tsv", dir);
        rc = load_complaints(&d, path);
    }
    cli_import_stats st = {0};
    st.reasons = json_object();
    if (!rc) {
        snprintf(path, sizeof path, "%s/cfpb_demo.csv", dir);
        rc = cli_import_cfpb(app, path, d.party_ids[P_BANK], false, &st, &err) ? -1 : 0;
        if (rc)
            cli_report(&err);
    }
    json_decref(st.reasons);
    if (!rc) {
        FILE *out = logins ? cli_create_private(logins) : stdout;
        if (!out) {
            cli_error("cannot write %s", logins);
            rc = -1;
        } else {
            fprintf(out, "Demo logins (password for every user: %s)\n", DEMO_PASSWORD);
            fprintf(out, "%-20s %-11s %-15s %s\n", "username", "role", "party", "token");
            for (size_t i = 0; i < N_USERS; i++)
                fprintf(out, "%-20s %-11s %-15s %s\n", users[i].username, users[i].role,
                        parties[users[i].party].code, users[i].token);
            if (logins)
                fclose(out);
        }
        fprintf(stderr,
                "demo: %ld complaints driven through %ld actions, %ld CFPB complaints "
                "imported, %ld failures\n",
                d.complaints, d.actions, st.imported, d.failed);
    }
    omb_app_close(app);
    return rc || d.failed ? 1 : 0;
}
