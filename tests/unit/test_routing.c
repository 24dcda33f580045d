/*
 * test_routing.c - unit tests of the dispatch rules (src/core/routing.c)
 * with the shipped rules (data/routing.tsv, as embedded into the binary).
 *
 * The shipped rules must parse and use only codes of data/taxonomy.tsv; a
 * table of realistic complaints (Chinese texts, codes, grades) pins the
 * route of each, so that reordering the file shows up here.  Small rule
 * sets written in the tests check every column on its own (code lists,
 * "*", grades and "grade+", product lists, unknown values matching only
 * "*", case-insensitive patterns), every parse error with its line, the
 * catch-all requirement, and agent choice by skill, load and id.  Last, the
 * table is routed from four threads at once over one omb_routing, so that
 * ASan and UBSan see shared matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/buf.h"
#include "core/routing.h"
#include "core/taxonomy.h"
#include "core/tsv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from data/routing.tsv and data/taxonomy.tsv by scripts/embed.sh (build/<flavour>/gen).
 */
extern const unsigned char omb_embed_routing_tsv[];
extern const size_t omb_embed_routing_tsv_len;
extern const unsigned char omb_embed_taxonomy_tsv[];
extern const size_t omb_embed_taxonomy_tsv_len;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The number of rules in data/routing.tsv. */
#define SHIPPED_RULES 23

static omb_routing *shipped;

/* ---- helpers ------------------------------------------------------------------ */

static const char *const catch_all_line = "default\t*\t*\t*\t*\t*\t*\ttarget\tservice\tgeneral\n";

static omb_routing *parse_ok(const char *text)
{
    omb_routing *r = NULL;
    omb_err err;
    omb_err_clear(&err);
    if (omb_routing_parse(&r, text, strlen(text), &err) != OMB_OK)
        fail_msg("rules refused: %s: %s", err.code, err.message);
    return r;
}

/* Rules made of `lines` followed by the catch-all. */
static omb_routing *rules_with(const char *lines)
{
    omb_buf b = OMB_BUF_INIT(1 << 16);
    omb_buf_puts(&b, "# test rules\n");
    omb_buf_puts(&b, lines);
    omb_buf_puts(&b, catch_all_line);
    omb_routing *r = parse_ok(omb_buf_str(&b));
    omb_buf_release(&b);
    return r;
}

/* The name of the rule that routes the given complaint. */
static const char *route(const omb_routing *r, const char *business, const char *cause,
                         const char *product, const char *channel, const char *grade,
                         const char *text)
{
    omb_route out;
    omb_route_input in = {business, cause, product, channel, grade, text};
    omb_routing_match(r, &in, &out);
    return out.rule;
}

#define assert_route(want, ...) assert_string_equal(route(__VA_ARGS__), (want))

static void refused(const char *text, const char *code, const char *needle, const char *needle2)
{
    omb_routing *r = (omb_routing *)1;
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_routing_parse(&r, text, strlen(text), &err);
    if (rc != OMB_EINVAL || strcmp(err.code, code) != 0)
        fail_msg("rc %d %s (%s), want %s for:\n%s", rc, err.code, err.message, code, text);
    assert_null(r);
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    if (needle2 && !strstr(err.message, needle2))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle2);
}

/* Two good rules on lines 2 and 3, `bad` on line 4, the catch-all on line 5. */
static void refused_line4(const char *bad, const char *code, const char *needle2)
{
    omb_buf b = OMB_BUF_INIT(1 << 16);
    omb_buf_puts(&b, "# name\tbusiness\tcause\tproduct\tchannel\tgrade\tpattern\tlead\tdept\tq\n");
    omb_buf_puts(&b, "a\tcredit_card\t*\t*\t*\t*\t*\tfunder\tcards\tcards\n");
    omb_buf_puts(&b, "b\t*\tc11\t*\t*\timportant+\t利息\tfunder\tpricing\tpricing\n");
    omb_buf_printf(&b, "%s\n", bad);
    omb_buf_puts(&b, catch_all_line);
    refused(omb_buf_str(&b), code, "line 4:", needle2);
    omb_buf_release(&b);
}

static int group_setup(void **state)
{
    omb_err err;
    omb_err_clear(&err);
    if (omb_routing_parse(&shipped, (const char *)omb_embed_routing_tsv, omb_embed_routing_tsv_len,
                          &err) != OMB_OK) {
        fprintf(stderr, "shipped routing rules refused: %s: %s\n", err.code, err.message);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    omb_routing_free(shipped);
    return 0;
}

/* ---- 1. the shipped rules ------------------------------------------------------ */

static void test_shipped_parses(void **state)
{
    assert_int_equal(omb_routing_count(shipped), SHIPPED_RULES);
    omb_route out;
    omb_route_input none = {NULL, NULL, NULL, NULL, NULL, NULL};
    omb_routing_match(shipped, &none, &out);
    assert_string_equal(out.rule, "default");
    assert_string_equal(out.lead, "target");
    assert_string_equal(out.department, "service");
    assert_string_equal(out.queue, "general");
    /* A NULL input is a complaint about which nothing is known. */
    omb_routing_match(shipped, NULL, &out);
    assert_string_equal(out.rule, "default");
    /* So is the empty string. */
    omb_route_input empty = {"", "", "", "", "", ""};
    omb_routing_match(shipped, &empty, &out);
    assert_string_equal(out.rule, "default");
}

/* Every business, cause and channel code of the shipped rules is in the taxonomy
 * under the kind of its column. */
static void test_shipped_codes_known(void **state)
{
    omb_taxonomy *t = NULL;
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_taxonomy_parse(&t, (const char *)omb_embed_taxonomy_tsv,
                                        omb_embed_taxonomy_tsv_len, &err),
                     OMB_OK);
    char *text = strndup((const char *)omb_embed_routing_tsv, omb_embed_routing_tsv_len);
    assert_non_null(text);
    static const struct {
        int col;
        const char *kind;
    } coded[] = {{1, "business"}, {2, "cause"}, {4, "channel"}};
    size_t rules = 0, codes = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        rules++;
        char *col[10];
        assert_int_equal(omb_tsv_split(line, col, 10), 10);
        for (size_t k = 0; k < COUNT(coded); k++) {
            if (strcmp(col[coded[k].col], "*") == 0)
                continue;
            for (char *c = col[coded[k].col], *more; c; c = more) {
                more = strchr(c, ',');
                if (more)
                    *more++ = '\0';
                codes++;
                if (!omb_taxonomy_find(t, coded[k].kind, c))
                    fail_msg("rule %s: %s code %s is not in the taxonomy", col[0], coded[k].kind,
                             c);
            }
        }
    }
    assert_int_equal(rules, SHIPPED_RULES);
    assert_true(codes >= 10);
    free(text);
    omb_taxonomy_free(t);
}

/* ---- 2. realistic complaints ---------------------------------------------------- */

typedef struct routed {
    const char *business, *cause, *product, *channel, *grade, *text;
    const char *rule, *lead, *department, *queue;
} routed;

static const routed table[] = {
    /* escalations */
    {"internet_loan", "c12", "p2-suixindai", "regulator", "major",
     "30多名借款人联名投诉，催收公司冒充律师发律师函，威胁上门起诉。", "major", "target",
     "complaints_office", "major"},
    {"debt_collection", "c12", "p2-suixindai", "phone", "major", "催收人员恐吓我家人", "major",
     "target", "complaints_office", "major"},
    {"internet_loan", "c12", "p1-yifenqi", "regulator", "important",
     "银保监局转办：催收人员多次威胁要到我单位闹事。", "regulator", "target", "complaints_office",
     "regulator"},
    {"consumer_instalment", "c11", "p1-yifenqi", "hotline_12345", "urgent",
     "12345转办：分期手续费换算成年化超过24%，要求退还多收的费用。", "regulator", "target",
     "complaints_office", "regulator"},
    /* collection misconduct named in the text beats any code */
    {"internet_loan", "c11", "p2-suixindai", "phone", "important",
     "逾期三天，催收员就威胁要去我单位闹，还说要爆通讯录，另外罚息也太高了。", "collection_conduct",
     "acquirer", "collection", "collection"},
    {"personal_loan", "c08", NULL, "web", "general",
     "合同没写的违约金也在催，还暴力催收，半夜打电话。", "collection_conduct", "acquirer",
     "collection", "collection"},
    /* the codes a person chose */
    {"internet_loan", "c12", "p2-suixindai", "phone", "general",
     "催收电话一天打二十多次，还打到我父母那里。", "collection_cause", "acquirer", "collection",
     "collection"},
    {"debt_collection", "c01", NULL, "phone", "general",
     "第三方催收公司工作人员态度恶劣，说话难听。", "collection_business", "acquirer", "collection",
     "collection"},
    {"credit_report", "c03", "p1-yifenqi", "app", "general",
     "贷款早就结清了，但征信报告上还显示逾期，影响我办房贷。", "credit_business", "funder",
     "credit", "credit_report"},
    {"credit_report", "c10", NULL, "web", "general", "没有经过我授权就查询了我的征信。",
     "credit_business", "funder", "credit", "credit_report"},
    {"internet_loan", "c04", "p2-suixindai", "phone", "general",
     "电话推销贷款，说借了可以不用还，也不说利息多少。", "marketing_cause", "acquirer", "marketing",
     "marketing"},
    {"internet_loan", "c10", "p2-suixindai", "app", "important",
     "我的借款信息被泄露给了诈骗分子，对方能说出我的借款金额。", "privacy_cause", "platform",
     "data_protection", "privacy"},
    {"consumer_instalment", "c02", "p1-yifenqi", "app", "general",
     "APP一直闪退，还款日无法还款，导致逾期还被收了罚息。", "app_cause", "platform", "technology",
     "app"},
    {"internet_loan", "c11", "p2-suixindai", "phone", "general",
     "借四千块，第一期账单里出现了一笔“征信查询费”15元。查征信是你们自己要查的，为什么让我掏钱？",
     "pricing_cause", "funder", "pricing", "pricing"},
    {"internet_loan", "c05", "p2-suixindai", "phone", "general",
     "我问客服年利率是多少，客服说按日算的，每天万五，就是不告诉我年化。APP里也找不到。",
     "contract_cause", "funder", "legal", "contract"},
    {"consumer_instalment", "c08", "p1-yifenqi", "web", "general",
     "合同里写的服务费条款没有人跟我说过。", "contract_cause", "funder", "legal", "contract"},
    /* the text, when the codes say nothing specific */
    {"internet_loan", "c99", NULL, "phone", "general", "每天都有营销电话骚扰我，我根本没借过款。",
     "marketing_calls", "acquirer", "marketing", "marketing"},
    {"internet_loan", "c99", "p2-suixindai", "phone", "general",
     "催收打电话给我父母和同事，严重影响我工作。", "collection_text", "acquirer", "collection",
     "collection"},
    {"personal_loan", NULL, NULL, "wechat", NULL, "天天打电话骚扰我的紧急联系人。",
     "collection_text", "acquirer", "collection", "collection"},
    {"internet_loan", "c03", "p2-suixindai", "app", "general",
     "提前结清后征信上一直显示未结清，影响房贷审批。", "credit_text", "funder", "credit",
     "credit_report"},
    {"internet_loan", "c01", "p2-suixindai", "app", "general",
     "APP强制读取通讯录和相册，不同意就不能借款。", "privacy_text", "platform", "data_protection",
     "privacy"},
    {"other", "c99", NULL, "web", "general", "我的身份证照片和个人信息被用来注册了别人的账户。",
     "privacy_text", "platform", "data_protection", "privacy"},
    {"consumer_instalment", "c03", "p1-yifenqi", "app", "general",
     "业务员诱导我开通会员，说开了就能提额，结果并没有。", "marketing_text", "acquirer",
     "marketing", "marketing"},
    {"internet_loan", "c07", "p2-suixindai", "app", "general", "借款时默认搭售保险，不买就不放款。",
     "marketing_text", "acquirer", "marketing", "marketing"},
    {"internet_loan", "c03", "p2-suixindai", "app", "general", "一直收不到验证码，无法登录APP。",
     "app_fault", "platform", "technology", "app"},
    {"consumer_instalment", "c99", "p1-yifenqi", "app", "general",
     "还款日系统显示扣款失败，第二天却算我逾期并收了罚息。", "app_fault", "platform", "technology",
     "app"},
    {"internet_loan", "c03", "p2-suixindai", "phone", "important",
     "失业了暂时还不上，想协商延期还款，客服不同意。", "repayment_hardship", "funder", "repayment",
     "repayment"},
    {"personal_loan", "c01", NULL, "phone", "general", "申请减免罚息被拒绝，客服说没有政策。",
     "repayment_hardship", "funder", "repayment", "repayment"},
    {"internet_loan", "c03", "p2-suixindai", "app", "general", "提前还款要收剩余本金3%的手续费。",
     "pricing_text", "funder", "pricing", "pricing"},
    {"internet_loan", "c99", NULL, "social_media", "general",
     "综合年化超过36%，放款时还扣了砍头息。", "pricing_text", "funder", "pricing", "pricing"},
    {NULL, NULL, NULL, NULL, NULL, "利息太高了", "pricing_text", "funder", "pricing", "pricing"},
    {"internet_loan", "c03", "p2-suixindai", "app", "general", "已经按时还款了，系统却显示逾期。",
     "repayment_text", "funder", "repayment", "repayment"},
    {"consumer_instalment", "c01", "p1-yifenqi", "phone", "general",
     "银行卡自动扣款，同一期扣了两次。", "repayment_text", "funder", "repayment", "repayment"},
    {"personal_loan", "c03", NULL, "letter", "general", "要求提供借款合同原件，一直拿不到。",
     "contract_text", "funder", "legal", "contract"},
    {"internet_loan", "c03", "p2-suixindai", "app", "general", "app上的额度一直显示审核中。",
     "app_mention", "platform", "technology", "app"},
    {"internet_loan", "c99", NULL, "wechat", "general", "小程序里找不到注销账户的入口。",
     "app_mention", "platform", "technology", "app"},
    /* the catch-all */
    {"credit_card", "c01", NULL, "branch", "general", "客服态度很差，说话很不耐烦。", "default",
     "target", "service", "general"},
    {"credit_card", "c01", NULL, "email", "general", "I am not happy with how my case was handled.",
     "default", "target", "service", "general"},
    {"internet_loan", "c12", NULL, "regulator", "general", "催收", "collection_cause", "acquirer",
     "collection", "collection"},
    {NULL, NULL, NULL, NULL, NULL, NULL, "default", "target", "service", "general"},
};

static bool route_is(const omb_routing *r, const routed *t, omb_route *out)
{
    omb_route_input in = {t->business, t->cause, t->product, t->channel, t->grade, t->text};
    omb_routing_match(r, &in, out);
    return out->rule && strcmp(out->rule, t->rule) == 0 && strcmp(out->lead, t->lead) == 0 &&
           strcmp(out->department, t->department) == 0 && strcmp(out->queue, t->queue) == 0;
}

static void test_table(void **state)
{
    assert_true(COUNT(table) >= 30);
    int bad = 0;
    for (size_t i = 0; i < COUNT(table); i++) {
        omb_route out;
        if (!route_is(shipped, &table[i], &out)) {
            bad++;
            fprintf(stderr, "case %zu (%s): got %s %s/%s/%s, want %s %s/%s/%s\n", i,
                    table[i].text ? table[i].text : "no text", out.rule, out.lead, out.department,
                    out.queue, table[i].rule, table[i].lead, table[i].department, table[i].queue);
        }
    }
    assert_int_equal(bad, 0);
}

/* Every rule of the shipped file is reached by at least one case of the table. */
static void test_table_covers_rules(void **state)
{
    const char *names[SHIPPED_RULES];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(table); i++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], table[i].rule) != 0)
            k++;
        if (k == n) {
            assert_true(n < SHIPPED_RULES);
            names[n++] = table[i].rule;
        }
    }
    assert_int_equal(n, SHIPPED_RULES);
}

/* The rules read back as written, in order; nothing past the last. */
static void test_rules_read_back(void **state)
{
    omb_routing *r = rules_with(
        "cards\tcredit_card,debit_card\t*\tp1\t*\turgent+\t催收|威胁\tfunder\tcards\tc\n");
    omb_route_rule ru;
    assert_int_equal(omb_routing_rule(r, 0, &ru), OMB_OK);
    assert_string_equal(ru.name, "cards");
    assert_string_equal(ru.business, "credit_card,debit_card");
    assert_string_equal(ru.cause, "*");
    assert_string_equal(ru.product, "p1");
    assert_string_equal(ru.channel, "*");
    assert_string_equal(ru.grade, "urgent+");
    assert_string_equal(ru.pattern, "催收|威胁");
    assert_string_equal(ru.lead, "funder");
    assert_string_equal(ru.department, "cards");
    assert_string_equal(ru.queue, "c");
    assert_int_equal(omb_routing_rule(r, 1, &ru), OMB_OK);
    assert_string_equal(ru.business, "*");
    assert_string_equal(ru.pattern, "*");
    assert_int_equal(omb_routing_rule(r, omb_routing_count(r), &ru), OMB_ENOTFOUND);
    assert_int_equal(omb_routing_rule(NULL, 0, &ru), OMB_ENOTFOUND);
    omb_routing_free(r);
}

/* ---- 3. each column ------------------------------------------------------------- */

static void test_code_columns(void **state)
{
    omb_routing *r = rules_with("cards\tcredit_card,debit_card\t*\t*\t*\t*\t*\tfunder\tcards\tc\n"
                                "funds\t*\tc09\t*\t*\t*\t*\tplatform\tsecurity\tfunds\n"
                                "digital\t*\t*\t*\twechat,app,online_chat\t*\t*\tplatform\td\td\n");
    assert_int_equal(omb_routing_count(r), 4);
    /* business: each item of the list, and nothing else */
    assert_route("cards", r, "credit_card", NULL, NULL, NULL, NULL, NULL);
    assert_route("cards", r, "debit_card", "c01", "x", "phone", "general", "文本");
    assert_route("default", r, "credit", NULL, NULL, NULL, NULL, NULL);
    assert_route("default", r, "credit_cards", NULL, NULL, NULL, NULL, NULL);
    assert_route("default", r, "debit_card,credit_card", NULL, NULL, NULL, NULL, NULL);
    assert_route("default", r, "CREDIT_CARD", NULL, NULL, NULL, NULL, NULL);
    /* cause: a single code */
    assert_route("funds", r, "wealth", "c09", NULL, NULL, NULL, NULL);
    assert_route("default", r, "wealth", "c0", NULL, NULL, NULL, NULL);
    assert_route("default", r, "wealth", "c091", NULL, NULL, NULL, NULL);
    /* channel: first, middle and last item of the list */
    assert_route("digital", r, NULL, NULL, NULL, "wechat", NULL, NULL);
    assert_route("digital", r, NULL, NULL, NULL, "app", NULL, NULL);
    assert_route("digital", r, NULL, NULL, NULL, "online_chat", NULL, NULL);
    assert_route("default", r, NULL, NULL, NULL, "online", NULL, NULL);
    assert_route("default", r, NULL, NULL, NULL, "chat", NULL, NULL);
    /* first match wins: credit_card with c09 over wechat */
    assert_route("cards", r, "credit_card", "c09", NULL, "wechat", NULL, NULL);
    assert_route("funds", r, "wealth", "c09", NULL, "wechat", NULL, NULL);
    omb_routing_free(r);
}

static void test_product_column(void **state)
{
    omb_routing *r = rules_with("yf\t*\t*\tp1-yifenqi,SX.2024_a\t*\t*\t*\tacquirer\tsales\tp\n"
                                "loan\t*\t*\tloan_app\t*\t*\t*\tfunder\tloans\tp\n");
    assert_route("yf", r, NULL, NULL, "p1-yifenqi", NULL, NULL, NULL);
    assert_route("yf", r, "internet_loan", "c11", "SX.2024_a", "app", "urgent", "利息");
    assert_route("loan", r, NULL, NULL, "loan_app", NULL, NULL, NULL);
    /* product codes are compared exactly, case included */
    assert_route("default", r, NULL, NULL, "sx.2024_a", NULL, NULL, NULL);
    assert_route("default", r, NULL, NULL, "p1", NULL, NULL, NULL);
    assert_route("default", r, NULL, NULL, "loan_app2", NULL, NULL, NULL);
    assert_route("default", r, NULL, NULL, "loan", NULL, NULL, NULL);
    omb_routing_free(r);
}

static void test_grade_column(void **state)
{
    omb_routing *r = rules_with("exact\t*\t*\t*\t*\turgent\t*\ttarget\toffice\turgent\n"
                                "plus\t*\t*\t*\t*\timportant+\t*\ttarget\toffice\timportant\n"
                                "gen\t*\t*\t*\t*\tgeneral\t*\ttarget\tservice\tgeneral\n");
    assert_route("gen", r, NULL, NULL, NULL, NULL, "general", NULL);
    assert_route("plus", r, NULL, NULL, NULL, NULL, "important", NULL);
    assert_route("exact", r, NULL, NULL, NULL, NULL, "urgent", NULL);
    assert_route("plus", r, NULL, NULL, NULL, NULL, "major", NULL);
    /* unknown or malformed grades match only * */
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, "", NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, "Urgent", NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, "urgent+", NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, "critical", NULL);
    omb_routing_free(r);

    r = rules_with("from_general\t*\t*\t*\t*\tgeneral+\t*\ttarget\tservice\tall\n"
                   "major_plus\t*\t*\t*\t*\tmajor+\t*\ttarget\toffice\tmajor\n");
    assert_route("from_general", r, NULL, NULL, NULL, NULL, "general", NULL);
    assert_route("from_general", r, NULL, NULL, NULL, NULL, "major", NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, NULL); /* general+ is not * */
    omb_routing_free(r);
    r = rules_with("major_plus\t*\t*\t*\t*\tmajor+\t*\ttarget\toffice\tmajor\n");
    assert_route("major_plus", r, NULL, NULL, NULL, NULL, "major", NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, "urgent", NULL);
    omb_routing_free(r);
}

/* A rule with a condition on every column applies only when all hold. */
static void test_all_columns(void **state)
{
    omb_routing *r = rules_with(
        "all\tpersonal_loan\tc11\tloan_app\tphone\timportant+\t利息\tfunder\tpricing\tpricing\n");
    const char *ok[6] = {"personal_loan", "c11", "loan_app", "phone", "urgent", "利息太高"};
    assert_route("all", r, ok[0], ok[1], ok[2], ok[3], ok[4], ok[5]);
    const char *wrong[6] = {"credit_card", "c12", "loan_web", "web", "general", "服务太差"};
    for (int k = 0; k < 6; k++) {
        const char *v[6];
        memcpy(v, ok, sizeof v);
        v[k] = wrong[k];
        assert_route("default", r, v[0], v[1], v[2], v[3], v[4], v[5]);
        v[k] = NULL; /* unknown */
        assert_route("default", r, v[0], v[1], v[2], v[3], v[4], v[5]);
        v[k] = ""; /* unknown too */
        assert_route("default", r, v[0], v[1], v[2], v[3], v[4], v[5]);
    }
    omb_routing_free(r);
}

/* Unknown values match * and nothing else; * matches known values too. */
static void test_unknown_only_star(void **state)
{
    omb_routing *r = rules_with("any_text\t*\t*\t*\t*\t*\t.*\ttarget\tt\tt\n"
                                "empty_text\t*\t*\t*\t*\t*\t^$\ttarget\tt\tt\n");
    /* ".*" matches any text, even one of spaces, but a missing or empty text is unknown:
     * neither ".*" nor "^$" matches it */
    assert_route("any_text", r, NULL, NULL, NULL, NULL, NULL, " ");
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, NULL);
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, "");
    omb_routing_free(r);
    /* A pattern never matches a text that is not UTF-8. */
    r = rules_with("bytes\t*\t*\t*\t*\t*\t.\ttarget\tt\tt\n");
    assert_route("bytes", r, NULL, NULL, NULL, NULL, NULL, "利息");
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, "\xE5\x88");
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, "abc\xC0\xAF");
    omb_routing_free(r);
}

static void test_pattern_caseless(void **state)
{
    omb_routing *r = rules_with("app\t*\t*\t*\t*\t*\tAPP|闪退\tplatform\ttechnology\tapp\n"
                                "word\t*\t*\t*\t*\t*\t\\bloan\\b\tfunder\tloans\tloans\n");
    assert_route("app", r, NULL, NULL, NULL, NULL, NULL, "APP打不开");
    assert_route("app", r, NULL, NULL, NULL, NULL, NULL, "app打不开");
    assert_route("app", r, NULL, NULL, NULL, NULL, NULL, "打开App后");
    assert_route("app", r, NULL, NULL, NULL, NULL, NULL, "一直闪退");
    assert_route("word", r, NULL, NULL, NULL, NULL, NULL, "my LOAN is wrong");
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, "my loans are wrong");
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, "闪 退");
    omb_routing_free(r);
    /* The shipped app_mention rule: app in any case, but not inside an English word. */
    assert_route("app_mention", shipped, "internet_loan", "c03", NULL, NULL, "general",
                 "APP上额度显示错误");
    assert_route("app_mention", shipped, "internet_loan", "c03", NULL, NULL, "general",
                 "App上额度显示错误");
    assert_route("app_mention", shipped, "internet_loan", "c03", NULL, NULL, "general",
                 "the app shows the wrong limit");
    assert_route("default", shipped, "internet_loan", "c03", NULL, NULL, "general",
                 "unhappy with the apply process");
}

/* A pattern that backtracks without end stops at the match limit: no match. */
static void test_pattern_limit(void **state)
{
    omb_routing *r = rules_with("slow\t*\t*\t*\t*\t*\t^(a|aa)+$\ttarget\tt\tt\n");
    char text[64];
    memset(text, 'a', 60);
    text[60] = '!';
    text[61] = '\0';
    assert_route("default", r, NULL, NULL, NULL, NULL, NULL, text);
    assert_route("slow", r, NULL, NULL, NULL, NULL, NULL, "aaaa");
    omb_routing_free(r);
}

/* ---- 4. parse errors ------------------------------------------------------------ */

static void test_parse_forms(void **state)
{
    /* CRLF line ends, a BOM, blank lines, a trailing NUL and no final newline */
    const char *text = "\xEF\xBB\xBF# rules\r\n"
                       "\r\n"
                       "a\tcredit_card\t*\t*\t*\t*\t*\tfunder\tcards\tcards\r\n"
                       "   \t \n"
                       "rest\t*\t*\t*\t*\t*\t*\tplatform\tall\teverything";
    omb_routing *r = NULL;
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_routing_parse(&r, text, strlen(text) + 1, &err), OMB_OK);
    assert_int_equal(omb_routing_count(r), 2);
    omb_route out;
    omb_route_input in = {"credit_card", NULL, NULL, NULL, NULL, NULL};
    omb_routing_match(r, &in, &out);
    assert_string_equal(out.queue, "cards");
    in.business = "wealth";
    omb_routing_match(r, &in, &out);
    assert_string_equal(out.rule, "rest");
    assert_string_equal(out.lead, "platform");
    assert_string_equal(out.department, "all");
    assert_string_equal(out.queue, "everything");
    omb_routing_free(r);
    omb_routing_free(NULL);
    assert_int_equal(omb_routing_count(NULL), 0);
}

static void test_parse_syntax(void **state)
{
    refused_line4("x\t*\t*\t*\t*\t*\t*\tfunder\tdept", "routing_syntax", "found 9");
    refused_line4("x\t*\t*\t*\t*\t*\t*\tfunder\tdept\tq\textra", "routing_syntax", "found 11");
    refused_line4("x *  * * * * funder dept q", "routing_syntax", "found 1");
    refused_line4("x\t*\t*\t*\t*\t*\t\xE5\x88\tfunder\tdept\tq", "routing_syntax", "UTF-8");
}

static void test_parse_values(void **state)
{
    static const struct {
        const char *line, *needle;
    } bad[] = {
        {"x\t*\t*\t*\t*\tcritical\t*\tfunder\td\tq", "grade"},
        {"x\t*\t*\t*\t*\t+\t*\tfunder\td\tq", "grade"},
        {"x\t*\t*\t*\t*\tUrgent\t*\tfunder\td\tq", "grade"},
        {"x\t*\t*\t*\t*\timportant++\t*\tfunder\td\tq", "grade"},
        {"x\t*\t*\t*\t*\t\t*\tfunder\td\tq", "grade"},
        {"x\t*\t*\t*\t*\t*\t*\tbank\td\tq", "lead"},
        {"x\t*\t*\t*\t*\t*\t*\tFunder\td\tq", "lead"},
        {"x\t*\t*\t*\t*\t*\t*\t\td\tq", "lead"},
        {"x\tCredit_card\t*\t*\t*\t*\t*\tfunder\td\tq", "business"},
        {"x\tcredit_card,,debit_card\t*\t*\t*\t*\t*\tfunder\td\tq", "business"},
        {"x\tcredit_card,\t*\t*\t*\t*\t*\tfunder\td\tq", "business"},
        {"x\tcredit_card, debit_card\t*\t*\t*\t*\t*\tfunder\td\tq", "business"},
        {"x\t\t*\t*\t*\t*\t*\tfunder\td\tq", "business"},
        {"x\t*\tc-11\t*\t*\t*\t*\tfunder\td\tq", "cause"},
        {"x\t*\t**\t*\t*\t*\t*\tfunder\td\tq", "cause"},
        {"x\t*\t*\t_p1\t*\t*\t*\tfunder\td\tq", "product"},
        {"x\t*\t*\tp1 p2\t*\t*\t*\tfunder\td\tq", "product"},
        {"x\t*\t*\t*\tWeChat\t*\t*\tfunder\td\tq", "channel"},
        {"x\t*\t*\t*\t微信\t*\t*\tfunder\td\tq", "channel"},
        {"Bad-Name\t*\t*\t*\t*\t*\t*\tfunder\td\tq", "name"},
        {"\t*\t*\t*\t*\t*\t*\tfunder\td\tq", "name"},
        {"x\t*\t*\t*\t*\t*\t*\tfunder\tLegal\tq", "department"},
        {"x\t*\t*\t*\t*\t*\t*\tfunder\t\tq", "department"},
        {"x\t*\t*\t*\t*\t*\t*\tfunder\td\tcredit-report", "queue"},
        {"x\t*\t*\t*\t*\t*\t*\tfunder\td\tq123456789012345678901234567890123", "queue"},
    };
    for (size_t i = 0; i < COUNT(bad); i++)
        refused_line4(bad[i].line, "routing_value", bad[i].needle);
}

static void test_parse_patterns(void **state)
{
    refused_line4("x\t*\t*\t*\t*\t*\t(催收|威胁\tacquirer\tcollection\tc", "routing_pattern",
                  "missing closing parenthesis");
    refused_line4("x\t*\t*\t*\t*\t*\t(催收|威胁\tacquirer\tcollection\tc", "routing_pattern",
                  "at offset 14");
    refused_line4("x\t*\t*\t*\t*\t*\t[z-a]\tacquirer\tcollection\tc", "routing_pattern",
                  "range out of order");
    refused_line4("x\t*\t*\t*\t*\t*\ta\\Cb\tacquirer\tcollection\tc", "routing_pattern", "rule x");
    refused_line4("x\t*\t*\t*\t*\t*\t+利息\tacquirer\tcollection\tc", "routing_pattern",
                  "offset 0");
}

static void test_catch_all_required(void **state)
{
    refused("", "routing_missing", "no rule", NULL);
    refused("# only comments\n\n# and blank lines\n", "routing_missing", "no rule", NULL);
    omb_routing *r = (omb_routing *)1;
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_routing_parse(&r, NULL, 0, &err), OMB_EINVAL);
    assert_null(r);
    assert_string_equal(err.code, "routing_missing");

    /* The last rule must be * on each condition column; the others may be anything. */
    static const char *const last[] = {
        "last\tcredit_card\t*\t*\t*\t*\t*\ttarget\tservice\tgeneral",
        "last\t*\tc99\t*\t*\t*\t*\ttarget\tservice\tgeneral",
        "last\t*\t*\tloan_app\t*\t*\t*\ttarget\tservice\tgeneral",
        "last\t*\t*\t*\tphone\t*\t*\ttarget\tservice\tgeneral",
        "last\t*\t*\t*\t*\tgeneral+\t*\ttarget\tservice\tgeneral",
        "last\t*\t*\t*\t*\t*\t.*\ttarget\tservice\tgeneral",
    };
    for (size_t i = 0; i < COUNT(last); i++) {
        omb_buf b = OMB_BUF_INIT(4096);
        omb_buf_puts(&b, "# rules\n");
        omb_buf_puts(&b, catch_all_line); /* a catch-all that is not last does not count */
        omb_buf_puts(&b, "a\tcredit_card\t*\t*\t*\t*\t*\tfunder\tcards\tcards\n");
        omb_buf_printf(&b, "%s\n# trailing comment\n", last[i]);
        refused(omb_buf_str(&b), "routing_missing", "line 4:", "last");
        omb_buf_release(&b);
    }
    /* A catch-all may name any rule, lead, department and queue. */
    r = parse_ok("everything\t*\t*\t*\t*\t*\t*\tfunder\tops\tinbox\n");
    assert_int_equal(omb_routing_count(r), 1);
    assert_route("everything", r, "credit_card", "c01", "p", "phone", "major", "文本");
    omb_routing_free(r);
}

/* ---- 5. agents ------------------------------------------------------------------ */

static void test_pick_skill_preferred(void **state)
{
    const omb_agent_candidate c[] = {
        {1, "repayment,c11", 0, true},
        {2, "collection", 5, true},
        {3, "marketing, collection", 3, true},
        {4, "collection", 0, false},
    };
    /* the skilled agents win over an idle one without the skill; the less loaded of them */
    assert_int_equal(omb_routing_pick_agent(c, 4, "collection", "internet_loan", "c12"), 2);
    /* nobody has the skill: the least loaded on duty */
    assert_int_equal(omb_routing_pick_agent(c, 4, "privacy", "internet_loan", "c10"), 0);
    /* a skill may be the cause code or the business code */
    assert_int_equal(omb_routing_pick_agent(c, 4, "pricing", "internet_loan", "c11"), 0);
    const omb_agent_candidate d[] = {
        {7, "c12", 9, true},
        {8, "credit_card,debt_collection", 4, true},
        {9, "", 0, true},
        {10, NULL, 0, true},
    };
    assert_int_equal(omb_routing_pick_agent(d, 4, "collection", "debt_collection", "c01"), 1);
    assert_int_equal(omb_routing_pick_agent(d, 4, "collection", "internet_loan", "c12"), 0);
    assert_int_equal(omb_routing_pick_agent(d, 4, "collection", "debit_card", "c01"), 2);
    /* NULL or empty codes match no skill, not even an empty one */
    assert_int_equal(omb_routing_pick_agent(d, 4, NULL, "", NULL), 2);
}

static void test_pick_load_and_ties(void **state)
{
    const omb_agent_candidate c[] = {
        {30, "app", 2, true},  {12, "app", 1, true},     {25, "app", 1, true},
        {11, "app", 1, false}, {40, "general", 0, true},
    };
    /* least load among the skilled, tie by the lowest id (12 over 25, 11 is off duty) */
    assert_int_equal(omb_routing_pick_agent(c, 5, "app", NULL, NULL), 1);
    /* order does not matter */
    const omb_agent_candidate rev[] = {c[4], c[3], c[2], c[1], c[0]};
    assert_int_equal(omb_routing_pick_agent(rev, 5, "app", NULL, NULL), 3);
    /* nobody skilled: the idle one */
    assert_int_equal(omb_routing_pick_agent(c, 5, "privacy", NULL, NULL), 4);
    /* equal load, nobody skilled: the lowest id */
    const omb_agent_candidate same[] = {
        {5, "a", 3, true}, {3, "b", 3, true}, {4, "c", 3, true}, {1, "d", 3, false}};
    assert_int_equal(omb_routing_pick_agent(same, 4, "x", "y", "z"), 1);
    /* only the first n are looked at */
    assert_int_equal(omb_routing_pick_agent(same, 1, "x", "y", "z"), 0);
}

static void test_pick_nobody(void **state)
{
    const omb_agent_candidate c[] = {
        {1, "collection", 0, false},
        {2, "collection", 0, false},
    };
    assert_int_equal(omb_routing_pick_agent(c, 2, "collection", NULL, NULL), -1);
    assert_int_equal(omb_routing_pick_agent(c, 0, "collection", NULL, NULL), -1);
    assert_int_equal(omb_routing_pick_agent(NULL, 0, "collection", NULL, NULL), -1);
}

static void test_pick_whole_items(void **state)
{
    const omb_agent_candidate c[] = {
        {1, "apps", 0, true},
        {2, "webapp,application,ap,app_review", 0, true},
        {3, "privacy,app", 7, true},
    };
    /* "app" is a skill of 3 only: not a prefix, suffix or part of another item */
    assert_int_equal(omb_routing_pick_agent(c, 3, "app", NULL, NULL), 2);
    const omb_agent_candidate d[] = {
        {1, "apps", 0, true},
        {2, "c1", 0, true},
        {3, " c12 ,repayment", 7, true},
    };
    assert_int_equal(omb_routing_pick_agent(d, 3, "app", NULL, "c12"), 2);
    assert_int_equal(omb_routing_pick_agent(d, 3, "ap", NULL, "c"), 0);
}

/* ---- 6. threads ----------------------------------------------------------------- */

#define THREADS 4
#define ROUNDS  50

static void *route_table(void *arg)
{
    size_t *wrong = arg;
    for (int round = 0; round < ROUNDS; round++)
        for (size_t i = 0; i < COUNT(table); i++) {
            /* start each thread at a different place in the table */
            const routed *t = &table[(i + (size_t)round * 7) % COUNT(table)];
            omb_route out;
            if (!route_is(shipped, t, &out))
                (*wrong)++;
        }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[THREADS];
    size_t wrong[THREADS] = {0};
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, route_table, &wrong[i]), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(wrong[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_parses),
        cmocka_unit_test(test_shipped_codes_known),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_rules_read_back),
        cmocka_unit_test(test_table_covers_rules),
        cmocka_unit_test(test_code_columns),
        cmocka_unit_test(test_product_column),
        cmocka_unit_test(test_grade_column),
        cmocka_unit_test(test_all_columns),
        cmocka_unit_test(test_unknown_only_star),
        cmocka_unit_test(test_pattern_caseless),
        cmocka_unit_test(test_pattern_limit),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_syntax),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_patterns),
        cmocka_unit_test(test_catch_all_required),
        cmocka_unit_test(test_pick_skill_preferred),
        cmocka_unit_test(test_pick_load_and_ties),
        cmocka_unit_test(test_pick_nobody),
        cmocka_unit_test(test_pick_whole_items),
        cmocka_unit_test(test_threads),
    };
    return OMB_RUN_TESTS(tests, group_setup, group_teardown);
}
