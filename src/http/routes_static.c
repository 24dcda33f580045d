/*
 * routes_static.c - the web workbench at every path outside the API when
 * web_root is set: GET and HEAD of one of its files (app/webassets.h), or
 * of one of the page's own routes, answered with index.html.  Every answer
 * carries the headers of a page (a Content-Security-Policy that allows no
 * inline script, and its companions), an entity tag that If-None-Match
 * turns into 304, the caching webassets.h chose, and the build's gzip copy
 * for a client whose Accept-Encoding takes it.
 */
#include "app/webassets.h"
#include "routes_int.h"

#include <string.h>

/* The headers of every page and file of the workbench. */
static const struct {
    const char *name, *value;
} page_headers[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
     "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
     "frame-ancestors 'none'; form-action 'self'"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
};

static enum MHD_Result rt_static(omb_req *r)
{
    const omb_webasset *a = omb_webassets_resolve(omb_req_app(r)->web, r->path);
    if (!a) /* omb_static_route found it */
        return omb_reply_fail(r, OMB_ENOTFOUND, "no_route", NULL, "no such page or file");
    const char *coding =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    bool gz = a->gz && omb_web_accepts_gzip(coding);
    const char *etag = gz ? a->gz_etag : a->etag;
    bool fresh = omb_web_etag_matches(
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH), etag);
    /* The bytes live as long as the app, longer than any request. */
    struct MHD_Response *resp =
        fresh ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
              : MHD_create_response_from_buffer(gz ? a->gz_len : a->len, gz ? a->gz : a->data,
                                                MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    if (!fresh)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    if (gz && !fresh)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (a->gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, a->cache_control);
    for (size_t i = 0; i < sizeof page_headers / sizeof page_headers[0]; i++)
        MHD_add_response_header(resp, page_headers[i].name, page_headers[i].value);
    return omb_reply_response(r, fresh ? 304 : 200, resp);
}

static const omb_route static_routes[] = {
    {.method = "GET", .pattern = "/", .handler = rt_static, .flags = RT_PUBLIC | RT_QUERY},
    {.method = "HEAD", .pattern = "/", .handler = rt_static, .flags = RT_PUBLIC | RT_QUERY},
};

bool omb_is_api_path(const char *path)
{
    return strcmp(path, "/v1") == 0 || strncmp(path, "/v1/", 4) == 0;
}

const omb_route *omb_static_route(omb_req *r, omb_err *err)
{
    if (!omb_webassets_resolve(omb_req_app(r)->web, r->path)) {
        omb_fail(err, OMB_ENOTFOUND, "no_route", NULL, "no such page or file: %s %s", r->method,
                 r->path);
        return NULL;
    }
    for (size_t i = 0; i < sizeof static_routes / sizeof static_routes[0]; i++)
        if (strcmp(static_routes[i].method, r->method) == 0)
            return &static_routes[i];
    omb_fail(err, OMB_EINVAL, "method_not_allowed", NULL, "%s is not allowed on %s", r->method,
             r->path);
    return NULL;
}
