/*
 * fuzz_request.c - libFuzzer harness: a request body through the write
 * handlers, the whole way to the database.
 *
 * Input: a first line "<handler> <as> [<target>]" and then the body.
 *   handler  a POST route's use case: complaints, parties, users, products,
 *            cooperations, webhooks, witnesses, tokens (login), duty,
 *            cosignatures, complainant (the reveal, its purpose being the
 *            body), notes, or the name of any complaint action (accept ...);
 *   as       the fixture user who sends it (fuzz_common.h: op_admin,
 *            bank_agent, ...);
 *   target   the complaint of an action ({NO}, {NO_B} or a number), the
 *            user of duty (an id), the tree size of cosignatures.
 * The body is parsed as the server parses it (omb_json_body, with "{NO}"
 * and "{NO_B}" replaced by the world's complaint numbers), validated by the
 * use case and, when valid, run by the writer in a transaction on a
 * temporary database.  A refusal must be a 4xx error with a code (a 500
 * means bad input reached a storage failure) and an answer must be
 * writable as JSON (fuzz_common.h).  The world (fuzz_common.h) is rebuilt every
 * RESET_EVERY inputs so that the database stays small.
 *
 * Seeds: tests/fuzz/corpus/request/ (scripts/fuzz_seeds.py, from
 * tests/data/bad_requests.txt); dictionary: tests/fuzz/request.dict.
 */
#include "fuzz_common.h"
#include "http/http.h"

#define RESET_EVERY 4000

typedef int (*body_uc)(omb_app *, omb_job *, json_t *, omb_err *);

/* The routes whose use case takes (app, job, body, err). */
static const struct {
    const char *name;
    body_uc uc;
} body_routes[] = {
    {"complaints", omb_uc_create_complaint},
    {"parties", omb_uc_create_party},
    {"users", omb_uc_create_user},
    {"products", omb_uc_create_product},
    {"cooperations", omb_uc_create_cooperation},
    {"webhooks", omb_uc_create_webhook},
    {"witnesses", omb_uc_register_witness},
};

static fz_world world;
static long inputs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_world_open(&world);
    return 0;
}

/* body with {NO} and {NO_B} replaced (a new string in out). */
static void expand(const char *body, size_t len, omb_buf *out)
{
    static const char *const keys[] = {"{NO_B}", "{NO}"};
    const char *vals[] = {world.no_b, world.no};
    size_t i = 0;
    while (i < len) {
        size_t k = 0;
        for (; k < 2; k++) {
            size_t kl = strlen(keys[k]);
            if (len - i >= kl && memcmp(body + i, keys[k], kl) == 0) {
                omb_buf_puts(out, vals[k]);
                i += kl;
                break;
            }
        }
        if (k == 2)
            omb_buf_putc(out, body[i++]);
    }
}

static const char *complaint_no(const char *target)
{
    if (!target || strcmp(target, "{NO}") == 0)
        return world.no;
    if (strcmp(target, "{NO_B}") == 0)
        return world.no_b;
    return target;
}

static int64_t parse_int(const char *s, int64_t def)
{
    if (!s)
        return def;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end || end == s ? def : (int64_t)v;
}

/* Builds the job of one request; OMB_OK when it is ready to run. */
static int prepare(const char *handler, const char *target, json_t *body, const char *raw,
                   omb_job *job, omb_err *err)
{
    for (size_t i = 0; i < sizeof body_routes / sizeof body_routes[0]; i++)
        if (strcmp(handler, body_routes[i].name) == 0)
            return body_routes[i].uc(world.app, job, body, err);
    if (strcmp(handler, "tokens") == 0) {
        int retry_after_s = 0;
        return omb_uc_login(world.app, world.reader, job, body, "127.0.0.1", &retry_after_s, err);
    }
    if (strcmp(handler, "duty") == 0)
        return omb_uc_set_duty(world.app, job, parse_int(target, job->who.user_id), body, err);
    if (strcmp(handler, "cosignatures") == 0)
        return omb_uc_cosign(world.app, job, (uint64_t)parse_int(target, 1), body, err);
    if (strcmp(handler, "complainant") == 0)
        return omb_uc_reveal(world.app, job, complaint_no(target), raw, err);
    enum omb_action action;
    if (strcmp(handler, "notes") == 0)
        action = OMB_ACT_NOTE;
    else if (omb_action_parse(handler, &action) != OMB_OK)
        return omb_fail(err, OMB_ENOTFOUND, "unknown_action", NULL, "no action %s", handler);
    return omb_uc_complaint_action(world.app, job, complaint_no(target), action, body, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (++inputs % RESET_EVERY == 0) {
        fz_world_close(&world);
        fz_world_open(&world);
    }
    fz_input in;
    if (!fz_input_parse(&world, data, size, &in))
        return -1; /* not a request: keep it out of the corpus */

    omb_buf body_text = OMB_BUF_INIT(1 << 20);
    expand(in.rest, in.rest_len, &body_text);
    omb_err err;
    omb_err_clear(&err);
    json_t *body = NULL;
    omb_job job;
    omb_job_init(&job, NULL, NULL, in.who);
    int rc = omb_json_body(body_text.data, body_text.len, &body, &err);
    if (!rc)
        rc = prepare(in.name, in.target, body, omb_buf_str(&body_text), &job, &err);
    json_decref(body);
    fz_check_refusal(in.name, rc, &err);
    if (rc == OMB_OK) {
        omb_writer_run(world.app->writer, &job);
        fz_check_refusal(in.name, job.rc, &job.err);
        if (job.rc == OMB_OK) {
            json_t *res = omb_job_result(&job);
            fz_check_answer(in.name, res);
            json_decref(res);
        }
    }
    omb_job_release(&job);
    omb_buf_release(&body_text);
    free(in.text);
    return 0;
}
