/*
 * test_log.c - the JSON lines of app/log.c: a line written from fields given
 * as text (omb_log_members, the line of every request) is the line omb_log
 * writes from the same fields as a JSON object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/log.h"

/* Runs write_one(arg) with standard error sent to a file; returns what it
 * wrote (caller frees). */
static char *captured(void (*write_one)(const void *), const void *arg)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
    write_one(arg);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    long n = ftell(f);
    assert_true(n > 0);
    char *text = calloc(1, (size_t)n + 1);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

/* The line without its "ts" member, which differs between two calls. */
static const char *after_ts(const char *line)
{
    assert_int_equal(strncmp(line, "{\"ts\":\"", 7), 0);
    const char *end = strchr(line + 7, '"');
    assert_non_null(end);
    return end + 1;
}

static void as_object(const void *arg)
{
    (void)arg;
    omb_log(OMB_LOG_INFO, "request",
            json_pack("{s:s,s:s,s:s,s:i,s:I,s:i}", "id", "1f", "method", "GET", "path",
                      "/v1/x?q=\"a\\b\"\t\xe4\xb8\xad", "status", 200, "us", (json_int_t)-7, "user",
                      3));
}

static void as_members(const void *arg)
{
    const char *m = arg;
    omb_log_members(OMB_LOG_INFO, "request", m, strlen(m));
}

static void test_members_line_is_the_object_line(void **state)
{
    char *a = captured(as_object, NULL);
    char *b = captured(as_members, "\"id\":\"1f\",\"method\":\"GET\",\"path\":"
                                   "\"/v1/x?q=\\\"a\\\\b\\\"\\t\xe4\xb8\xad\","
                                   "\"status\":200,\"us\":-7,\"user\":3");
    assert_string_equal(after_ts(a), after_ts(b));
    assert_int_equal(b[strlen(b) - 1], '\n');
    free(a);
    free(b);
    /* No members: the three fixed ones alone. */
    char *c = captured(as_members, "");
    assert_string_equal(after_ts(c), ",\"level\":\"info\",\"event\":\"request\"}\n");
    free(c);
}

static void test_below_the_level_nothing(void **state)
{
    omb_log_set_level(OMB_LOG_WARN);
    FILE *f = tmpfile();
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(f), STDERR_FILENO);
    omb_log_members(OMB_LOG_INFO, "request", "\"id\":\"1\"", 8);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(ftell(f), 0);
    fclose(f);
    omb_log_set_level(OMB_LOG_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_line_is_the_object_line),
        cmocka_unit_test(test_below_the_level_nothing),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
