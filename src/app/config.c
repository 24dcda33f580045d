/*
 * config.c - configuration keys as a table: name, kind, where it lives and
 * its bounds.  See config.h and docs/operations.md.
 */
#include "config.h"
#include "core/timeutil.h"
#include "core/visibility.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_INT, K_SIZE, K_BOOL, K_LISTEN, K_LEVEL, K_VISIBILITY, K_TIME };

static const struct {
    const char *key;
    enum kind kind;
    size_t offset;
    size_t size;
    long long min, max;
} keys[] = {
    {"listen", K_LISTEN, 0, 0, 0, 0},
    {"database", K_STR, offsetof(omb_config, database), OMB_PATH_MAX, 0, 0},
    {"attachments", K_STR, offsetof(omb_config, attachments), OMB_PATH_MAX, 0, 0},
    {"taxonomy", K_STR, offsetof(omb_config, taxonomy), OMB_PATH_MAX, 0, 0},
    {"clock_rules", K_STR, offsetof(omb_config, clock_rules), OMB_PATH_MAX, 0, 0},
    {"calendar", K_STR, offsetof(omb_config, calendar), OMB_PATH_MAX, 0, 0},
    {"calendar_extra", K_STR, offsetof(omb_config, calendar_extra), OMB_PATH_MAX, 0, 0},
    {"calendar_warn_days", K_INT, offsetof(omb_config, calendar_warn_days), 0, 0, 3660},
    {"sweep_interval_ms", K_INT, offsetof(omb_config, sweep_interval_ms), 0, 100, 3600000},
    {"head_interval_ms", K_INT, offsetof(omb_config, head_interval_ms), 0, 0, 86400000},
    {"party_calendars", K_STR, offsetof(omb_config, party_calendars), OMB_PATH_MAX, 0, 0},
    {"utc_offset_minutes", K_INT, offsetof(omb_config, utc_offset_minutes), 0, -720, 840},
    {"threads", K_INT, offsetof(omb_config, threads), 0, 0, 64},
    {"max_body", K_SIZE, offsetof(omb_config, max_body), 0, 1024, 64LL << 20},
    {"max_attachment", K_SIZE, offsetof(omb_config, max_attachment), 0, 1024, 1LL << 30},
    {"batch_max", K_INT, offsetof(omb_config, batch_max), 0, 1, 100000},
    {"page_default", K_INT, offsetof(omb_config, page_default), 0, 1, 1000},
    {"page_max", K_INT, offsetof(omb_config, page_max), 0, 1, 1000},
    {"token_ttl_hours", K_INT, offsetof(omb_config, token_ttl_hours), 0, 1, 24 * 366},
    {"session_hours", K_INT, offsetof(omb_config, session_hours), 0, 1, 24 * 31},
    {"session_cookie_secure", K_BOOL, offsetof(omb_config, session_cookie_secure), 0, 0, 0},
    {"access_log", K_BOOL, offsetof(omb_config, access_log), 0, 0, 0},
    {"log_level", K_LEVEL, offsetof(omb_config, log_level), 0, 0, 0},
    {"test_clock", K_BOOL, offsetof(omb_config, test_clock), 0, 0, 0},
    {"shutdown_grace_ms", K_INT, offsetof(omb_config, shutdown_grace_ms), 0, 0, 600000},
    {"key_file", K_STR, offsetof(omb_config, key_file), OMB_PATH_MAX, 0, 0},
    {"routing", K_STR, offsetof(omb_config, routing), OMB_PATH_MAX, 0, 0},
    {"task_days", K_INT, offsetof(omb_config, task_days), 0, 1, 30},
    {"transfer_ack_hours", K_INT, offsetof(omb_config, transfer_ack_hours), 0, 1, 24 * 30},
    {"webhook_timeout_ms", K_INT, offsetof(omb_config, webhook_timeout_ms), 0, 100, 120000},
    {"webhook_backoff_ms", K_INT, offsetof(omb_config, webhook_backoff_ms), 0, 10, 3600000},
    {"webhook_backoff_max_ms", K_INT, offsetof(omb_config, webhook_backoff_max_ms), 0, 10,
     86400000},
    {"webhook_allow_private", K_BOOL, offsetof(omb_config, webhook_allow_private), 0, 0, 0},
    {"note_visibility_default", K_VISIBILITY, offsetof(omb_config, note_visibility_default), 0, 0,
     0},
    {"login_max_failures_user", K_INT, offsetof(omb_config, login_max_failures_user), 0, 1, 1000},
    {"login_max_failures_address", K_INT, offsetof(omb_config, login_max_failures_address), 0, 1,
     100000},
    {"login_window_seconds", K_INT, offsetof(omb_config, login_window_seconds), 0, 1, 86400},
    {"login_lockout_seconds", K_INT, offsetof(omb_config, login_lockout_seconds), 0, 1, 86400},
    {"login_lockout_max_seconds", K_INT, offsetof(omb_config, login_lockout_max_seconds), 0, 1,
     7 * 86400},
    {"clock_skew_seconds", K_INT, offsetof(omb_config, clock_skew_seconds), 0, 0, 86400},
    {"web_root", K_STR, offsetof(omb_config, web_root), OMB_PATH_MAX, 0, 0},
    {"received_at_floor", K_TIME, offsetof(omb_config, received_at_floor),
     sizeof(((omb_config *)0)->received_at_floor), 0, 0},
};

static const char *const levels[] = {"debug", "info", "warn", "error"};

void omb_config_defaults(omb_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->database, sizeof c->database, "var/ombud.db");
    c->threads = 0;
    c->max_body = 1 << 20;
    c->max_attachment = 10 << 20;
    c->batch_max = 1024;
    c->page_default = 50;
    c->page_max = 200;
    c->token_ttl_hours = 24 * 30;
    c->session_hours = 12;
    c->access_log = true;
    c->log_level = 1;
    c->test_clock = false;
    c->shutdown_grace_ms = 10000;
    c->sweep_interval_ms = 10000;
    c->head_interval_ms = 60000;
    c->utc_offset_minutes = OMB_TZ_SHANGHAI_MIN;
    c->task_days = 3;
    c->calendar_warn_days = 60;
    c->transfer_ack_hours = 24;
    c->webhook_timeout_ms = 5000;
    c->webhook_backoff_ms = 1000;
    c->webhook_backoff_max_ms = 600000;
    c->webhook_allow_private = true;
    c->note_visibility_default = OMB_VIS_PARTY;
    c->login_max_failures_user = 5;
    c->login_max_failures_address = 20;
    c->login_window_seconds = 900;
    c->login_lockout_seconds = 60;
    c->login_lockout_max_seconds = 3600;
    c->clock_skew_seconds = 300;
    /* Before any complaint a consumer-finance platform (or the CFPB database, from
     * 2011) holds, after the typing slips it is meant to catch (1900, 1990, 0001). */
    snprintf(c->received_at_floor, sizeof c->received_at_floor, "2000-01-01");
}

static int parse_ll(const char *v, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return OMB_EINVAL;
    *out = n;
    return OMB_OK;
}

int omb_config_set(omb_config *c, const char *key, const char *value, omb_err *err)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].key, key) != 0)
            continue;
        char *field = (char *)c + keys[i].offset;
        long long n;
        switch (keys[i].kind) {
        case K_STR:
            if (strlen(value) >= keys[i].size)
                return omb_fail(err, OMB_EINVAL, "bad_config", key, "%s is too long", key);
            snprintf(field, keys[i].size, "%s", value);
            return OMB_OK;
        case K_INT:
            if (parse_ll(value, keys[i].min, keys[i].max, &n))
                return omb_fail(err, OMB_EINVAL, "bad_config", key,
                                "%s must be a whole number from %lld to %lld", key, keys[i].min,
                                keys[i].max);
            *(int *)field = (int)n;
            return OMB_OK;
        case K_SIZE:
            if (parse_ll(value, keys[i].min, keys[i].max, &n))
                return omb_fail(err, OMB_EINVAL, "bad_config", key,
                                "%s must be a byte count from %lld to %lld", key, keys[i].min,
                                keys[i].max);
            *(size_t *)field = (size_t)n;
            return OMB_OK;
        case K_BOOL:
            if (strcmp(value, "on") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
                strcmp(value, "yes") == 0)
                *(bool *)field = true;
            else if (strcmp(value, "off") == 0 || strcmp(value, "false") == 0 ||
                     strcmp(value, "0") == 0 || strcmp(value, "no") == 0)
                *(bool *)field = false;
            else
                return omb_fail(err, OMB_EINVAL, "bad_config", key,
                                "%s must be on or off (true/false, yes/no, 1/0)", key);
            return OMB_OK;
        case K_LEVEL:
            for (int l = 0; l < 4; l++)
                if (strcmp(value, levels[l]) == 0) {
                    *(int *)field = l;
                    return OMB_OK;
                }
            return omb_fail(err, OMB_EINVAL, "bad_config", key,
                            "%s must be debug, info, warn or error", key);
        case K_VISIBILITY: {
            enum omb_visibility v;
            if (omb_visibility_parse(value, &v) != OMB_OK)
                return omb_fail(err, OMB_EINVAL, "bad_config", key, "%s must be party or involved",
                                key);
            *(int *)field = (int)v;
            return OMB_OK;
        }
        case K_TIME: {
            omb_ms t;
            if (strlen(value) >= keys[i].size || omb_time_parse(value, 0, &t) != OMB_OK)
                return omb_fail(err, OMB_EINVAL, "bad_config", key,
                                "%s must be a date such as 2000-01-01 or an RFC 3339 time", key);
            snprintf(field, keys[i].size, "%s", value);
            return OMB_OK;
        }
        case K_LISTEN: {
            const char *colon = strrchr(value, ':');
            if (!colon || colon == value || (size_t)(colon - value) >= sizeof c->listen_host ||
                parse_ll(colon + 1, 0, 65535, &n))
                return omb_fail(err, OMB_EINVAL, "bad_config", key,
                                "listen must be HOST:PORT, e.g. 127.0.0.1:8080");
            snprintf(c->listen_host, sizeof c->listen_host, "%.*s", (int)(colon - value), value);
            c->listen_port = (int)n;
            return OMB_OK;
        }
        }
    }
    return omb_fail(err, OMB_EINVAL, "bad_config", key, "unknown configuration key %s", key);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int omb_config_load(omb_config *c, const char *path, omb_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return omb_fail(err, OMB_EIO, "bad_config", NULL, "cannot open %s", path);
    char line[1024];
    int lineno = 0, rc = OMB_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = omb_fail(err, OMB_EINVAL, "bad_config", NULL, "%s:%d: expected key = value", path,
                          lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if ((rc = omb_config_set(c, key, value, err)) != OMB_OK) {
            char msg[OMB_ERR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->message : "");
            omb_fail(err, rc, "bad_config", key, "%s:%d: %s", path, lineno, msg);
            break;
        }
    }
    fclose(f);
    return rc;
}

int omb_config_check(omb_config *c, omb_err *err)
{
    if (c->page_default > c->page_max)
        return omb_fail(err, OMB_EINVAL, "bad_config", "page_default",
                        "page_default (%d) must not be larger than page_max (%d)", c->page_default,
                        c->page_max);
    if (!c->attachments[0]) {
        /* beside the database, wherever the command runs from */
        const char *slash = strrchr(c->database, '/');
        int n = slash ? snprintf(c->attachments, sizeof c->attachments, "%.*s/attachments",
                                 (int)(slash - c->database), c->database)
                      : snprintf(c->attachments, sizeof c->attachments, "attachments");
        if (n < 0 || (size_t)n >= sizeof c->attachments)
            return omb_fail(
                err, OMB_EINVAL, "bad_config", "attachments",
                "the directory beside the database is too long a path; set attachments");
    }
    if (c->login_lockout_seconds > c->login_lockout_max_seconds)
        return omb_fail(err, OMB_EINVAL, "bad_config", "login_lockout_seconds",
                        "login_lockout_seconds (%d) must not be larger than "
                        "login_lockout_max_seconds (%d)",
                        c->login_lockout_seconds, c->login_lockout_max_seconds);
    return OMB_OK;
}
