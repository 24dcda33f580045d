/*
 * test_routes.c - unit tests for the HTTP route table (src/http/routes.c):
 * every route is served, either by a handler of its own or, for a write
 * described by flags (RT_WRITE), by the generic rt_write with the use case
 * the entry names; write entries have a method that writes, path
 * parameters to match how they are parsed, and no handler; no two entries
 * share a method and a path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "http/http.h"

/* How many path parameters a pattern has. */
static int params_of(const char *pattern)
{
    int n = 0;
    for (const char *p = pattern; *p; p++)
        n += *p == ':';
    return n;
}

static void every_route_is_served(void **state)
{
    size_t n;
    const omb_route *routes = omb_routes(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const omb_route *r = &routes[i];
        bool write = r->flags & RT_WRITE;
        if (!write) {
            if (!r->handler)
                fail_msg("%s %s has neither a handler nor a write use case", r->method, r->pattern);
            assert_null(r->write);
            assert_null(r->write_body);
            assert_int_equal(r->param, RP_NONE);
            continue;
        }
        if (r->handler)
            fail_msg("%s %s is a write served by rt_write but names a handler", r->method,
                     r->pattern);
        /* exactly one shape of use case */
        if ((r->write != NULL) == (r->write_body != NULL))
            fail_msg("%s %s needs exactly one of write and write_body", r->method, r->pattern);
        assert_true(strcmp(r->method, "POST") == 0 || strcmp(r->method, "DELETE") == 0 ||
                    strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0);
        assert_false(r->flags & (RT_STREAM | RT_PUBLIC));
        int np = params_of(r->pattern);
        if (r->param == RP_ID || r->param == RP_SIZE)
            assert_true(np >= 1);
        if (r->param == RP_ID)
            assert_non_null(r->noun);
        if (r->param == RP_ACTION)
            assert_true(np >= 2);
        /* a body-only use case has nothing to take from the path */
        if (r->write_body)
            assert_int_equal(r->param, RP_NONE);
    }
}

static void no_route_twice(void **state)
{
    size_t n;
    const omb_route *routes = omb_routes(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(routes[i].method, routes[j].method) == 0 &&
                strcmp(routes[i].pattern, routes[j].pattern) == 0)
                fail_msg("%s %s is in the table twice", routes[i].method, routes[i].pattern);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_is_served),
        cmocka_unit_test(no_route_twice),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
