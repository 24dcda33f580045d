/*
 * routes_index.c - GET /v1/ (also / and /v1): what the API offers, read from
 * the route table so that it can never disagree with the server.
 */
#include "app/version.h"
#include "routes_int.h"

#include <string.h>

/* "/v1/complaints/:no" -> "/v1/complaints/{no}", as docs/openapi.yaml writes paths. */
static void openapi_path(const char *pattern, char *out, size_t cap)
{
    size_t n = 0;
    bool open = false;
    for (const char *p = pattern; *p && n + 2 < cap; p++) {
        if (*p == ':') {
            out[n++] = '{';
            open = true;
            continue;
        }
        if (*p == '/' && open) {
            out[n++] = '}';
            open = false;
        }
        out[n++] = *p;
    }
    if (open && n + 1 < cap)
        out[n++] = '}';
    out[n] = '\0';
}

enum MHD_Result rt_index(omb_req *r)
{
    size_t n;
    const omb_route *routes = omb_routes(&n);
    bool tests = omb_req_app(r)->cfg.test_clock;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if ((routes[i].flags & RT_ALIAS) || ((routes[i].flags & RT_TEST) && !tests))
            continue;
        char path[2 * ROUTE_PARAM_MAX + 128];
        openapi_path(routes[i].pattern, path, sizeof path);
        json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "method", routes[i].method, "path",
                                              path, "token", !(routes[i].flags & RT_PUBLIC)));
    }
    return omb_reply_json(r, 200,
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "name", "ombud", "version",
                                    OMB_VERSION, "api", OMB_API_VERSION, "docs", "docs/api.md",
                                    "openapi", "docs/openapi.yaml", "endpoints", list));
}
