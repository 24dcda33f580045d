/*
 * config.h - ombud's configuration: defaults, the configuration file
 * (`key = value` lines, '#' comments) and command-line overrides.
 * docs/operations.md lists every key.
 */
#ifndef OMB_CONFIG_H
#define OMB_CONFIG_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

#define OMB_PATH_MAX 512

typedef struct omb_config {
    char listen_host[64]; /* listen = 127.0.0.1:8080 */
    int listen_port;
    char database[OMB_PATH_MAX];       /* database = var/ombud.db */
    char attachments[OMB_PATH_MAX];    /* attachments = <database's directory>/attachments */
    char taxonomy[OMB_PATH_MAX];       /* taxonomy = (built in) */
    char clock_rules[OMB_PATH_MAX];    /* clock_rules = (built in data/clocks.tsv) */
    char calendar[OMB_PATH_MAX];       /* calendar = (built in data/calendar.tsv) */
    char calendar_extra[OMB_PATH_MAX]; /* calendar_extra = a layer over the calendar */
    int calendar_warn_days;            /* health warns this many days before official years end */
    int sweep_interval_ms;             /* how often the sweeper looks for due clocks */
    int head_interval_ms; /* sign a tree head this often when the ledger grew (0 = only on demand)
                           */
    char party_calendars[OMB_PATH_MAX]; /* party_calendars = a directory of <party code>.tsv */
    int utc_offset_minutes;      /* local time of day limits, dates, numbers (Asia/Shanghai: 480) */
    int threads;                 /* HTTP worker threads (0 = number of cores + 1) */
    size_t max_body;             /* JSON body cap, bytes */
    size_t max_attachment;       /* attachment cap, bytes */
    int batch_max;               /* requests per write transaction at most */
    int page_default;            /* list page size when none is asked */
    int page_max;                /* largest page size allowed */
    int token_ttl_hours;         /* lifetime of tokens made by login */
    int session_hours;           /* lifetime of a browser session (POST /v1/sessions) */
    bool session_cookie_secure;  /* the session cookie is Secure (served behind TLS) */
    bool access_log;             /* one log line per request */
    int log_level;               /* 0 debug, 1 info, 2 warn, 3 error */
    bool test_clock;             /* allow the test-only clock endpoint */
    int shutdown_grace_ms;       /* how long SIGTERM waits for requests in flight */
    char key_file[OMB_PATH_MAX]; /* key_file = <database>.key: seals personal data */
    char routing[OMB_PATH_MAX];  /* routing = (built in data/routing.tsv) */
    int task_days;               /* working days a party has to answer a task */
    int transfer_ack_hours;      /* hours a party has to acknowledge a transfer */
    int webhook_timeout_ms;      /* one delivery attempt at most */
    int webhook_backoff_ms;      /* first retry delay; doubles up to webhook_backoff_max_ms */
    int webhook_backoff_max_ms;
    bool webhook_allow_private;     /* deliver to loopback and private addresses (tests, on-site) */
    int note_visibility_default;    /* enum omb_visibility of a note or file written without one */
    int login_max_failures_user;    /* failed logins of one username before a lockout */
    int login_max_failures_address; /* failed logins from one client address before a lockout */
    int login_window_seconds;       /* failures are forgotten after this long without one */
    int login_lockout_seconds;      /* the first lockout; doubles with each further one ... */
    int login_lockout_max_seconds;  /* ... up to this */
    int clock_skew_seconds;         /* how far ahead of now a time sent may lie (default 300) */
    char received_at_floor[40];     /* the earliest received_at accepted (default 2000-01-01) */
    char web_root[OMB_PATH_MAX];    /* the built web workbench served at / ("" = none) */
} omb_config;

void omb_config_defaults(omb_config *c);
/* Reads a configuration file over the current values. */
int omb_config_load(omb_config *c, const char *path, omb_err *err);
/* Sets one key from text (file line or --key=value); same checks as the file. */
int omb_config_set(omb_config *c, const char *key, const char *value, omb_err *err);
/* Checks the keys against each other once all are set (page_default <= page_max) and
 * fills in the defaults that depend on others (attachments beside the database). */
int omb_config_check(omb_config *c, omb_err *err);

#endif
