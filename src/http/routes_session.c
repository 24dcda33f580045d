/*
 * routes_session.c - browser sessions: authenticating a request by bearer
 * token or session cookie, the CSRF check of writes by cookie, and
 * POST /v1/sessions, GET and DELETE /v1/sessions/current.
 *
 * A browser signs in with POST /v1/sessions and gets its token only in an
 * HttpOnly, SameSite=Strict cookie (Secure when session_cookie_secure is
 * on), never in the body, so that no script of the page can read it.  The
 * body carries the session's CSRF token instead (app/auth.c derives it);
 * every write made with the cookie must send it back in X-CSRF-Token.  A
 * request with an Authorization header is authenticated by it alone, and
 * never needs a CSRF token.
 */
#include "core/cookie.h"
#include "http.h"
#include "routes_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SESSION_COOKIE "ombud_session"
#define CSRF_HEADER    "X-CSRF-Token"

static enum MHD_Result count_cookies(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    if (strcasecmp(key, MHD_HTTP_HEADER_COOKIE) == 0)
        (*(int *)cls)++;
    return MHD_YES;
}

/* GET and HEAD read; every other method may write. */
static bool writes(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

int omb_req_authenticate(omb_req *r, omb_err *err)
{
    omb_app *app = omb_req_app(r);
    const char *auth =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    char cookie_token[128];
    const char *token;
    if (auth) {
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return omb_fail(err, OMB_EUNAUTH, "missing_token", NULL,
                            "send Authorization: Bearer <token>");
        token = auth + 7;
    } else {
        const char *cookie =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
        int headers = 0;
        MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_cookies, &headers);
        /* A client sends one Cookie header (RFC 6265, 5.4); two could disagree. */
        int found = headers > 1 ? OMB_COOKIE_MALFORMED
                    : cookie
                        ? omb_cookie_find(cookie, SESSION_COOKIE, cookie_token, sizeof cookie_token)
                        : OMB_COOKIE_ABSENT;
        if (found == OMB_COOKIE_MALFORMED)
            return omb_fail(err, OMB_EUNAUTH, "invalid_token", NULL,
                            "the Cookie header is malformed");
        if (found == OMB_COOKIE_ABSENT)
            return omb_fail(err, OMB_EUNAUTH, "missing_token", NULL,
                            "send Authorization: Bearer <token> or the " SESSION_COOKIE " cookie");
        token = cookie_token;
        r->by_cookie = true;
    }
    omb_store *rd = omb_req_reader(r, err);
    if (!rd)
        return err->rc;
    int rc = omb_auth_token(app, rd, token, &r->who, err);
    if (rc)
        return rc;
    r->authed = true;
    if (r->by_cookie && writes(r->method) &&
        !omb_auth_csrf_ok(app, r->who.token_hash,
                          MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, CSRF_HEADER)))
        return omb_fail(err, OMB_EFORBIDDEN, "csrf_token_invalid", NULL,
                        "a write with the session cookie must send the session's " CSRF_HEADER);
    return OMB_OK;
}

/* Sets the answer's Set-Cookie: the session's token, or "" to end it. */
static void set_cookie(omb_req *r, const char *token)
{
    bool secure = omb_req_app(r)->cfg.session_cookie_secure;
    snprintf(r->set_cookie, sizeof r->set_cookie,
             SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s%s", token,
             token[0] ? "" : "; Max-Age=0", secure ? "; Secure" : "");
}

void omb_session_started(omb_req *r, json_t *answer)
{
    const char *token = json_string_value(json_object_get(answer, "token"));
    if (!token)
        return;
    set_cookie(r, token);
    json_object_del(answer, "token");
}

enum MHD_Result rt_session_open(omb_req *r)
{
    return rt_login(r, omb_uc_open_session);
}

/* The session routes answer only a request made with the session cookie. */
static bool by_session(omb_req *r, omb_err *err)
{
    if (r->by_cookie)
        return true;
    omb_fail(err, OMB_EUNAUTH, "missing_session", NULL,
             "this request was not made with the " SESSION_COOKIE " cookie");
    return false;
}

enum MHD_Result rt_session_get(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    if (!by_session(r, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    json_t *user = NULL;
    int rc = omb_q_user(omb_req_app(r), rd, &r->who, r->who.user_id, &user, &err);
    if (rc)
        return rt_fail(r, &err);
    char csrf[OMB_CSRF_LEN];
    omb_auth_csrf(omb_req_app(r), r->who.token_hash, csrf);
    return omb_reply_json(r, 200, json_pack("{s:o,s:s}", "user", user, "csrf_token", csrf));
}

enum MHD_Result rt_session_close(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    if (!by_session(r, &err))
        return rt_fail(r, &err);
    set_cookie(r, ""); /* the answer ends the cookie */
    return rt_logout(r);
}
