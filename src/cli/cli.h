/*
 * cli.h - the `ombud` command line: shared option parsing and the
 * commands, one function each (main.c holds the command table).
 */
#ifndef OMB_CLI_H
#define OMB_CLI_H

#include "app/app.h"

#include <stdio.h>

#include <stdbool.h>

#define CLI_OPTS_MAX 32

/* Options given as --name value or --name=value, and positional words. */
typedef struct cli_args {
    const char *names[CLI_OPTS_MAX];
    const char *values[CLI_OPTS_MAX];
    int n;
    const char *words[CLI_OPTS_MAX];
    int n_words;
    omb_config cfg;
} cli_args;

/* The value of --name, or dflt. */
const char *cli_opt(const cli_args *a, const char *name, const char *dflt);
bool cli_flag(const cli_args *a, const char *name);
/* Parses a whole number option; prints an error and returns -1 on junk. */
int cli_int(const cli_args *a, const char *name, int dflt, int min, int max);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_report(const omb_err *err);
/* Opens path for writing, truncated, readable by its owner only (0600, also
 * when it existed with a wider mode): exports and logins hold personal data
 * and tokens.  NULL on failure. */
FILE *cli_create_private(const char *path);

/* A principal that acts for the command line itself (actor user 0). */
void cli_system_principal(omb_principal *who, int64_t party_id, enum omb_role role);

int cmd_serve(cli_args *a);
int cmd_init(cli_args *a);
int cmd_user(cli_args *a);
int cmd_token(cli_args *a);
int cmd_import(cli_args *a);
int cmd_export(cli_args *a);
int cmd_demo(cli_args *a);
int cmd_verify(cli_args *a);
int cmd_witness(cli_args *a);

/* Imports a CFPB CSV file for a party; fills counts; prints progress when tty. */
typedef struct cli_import_stats {
    long rows, imported, refused, duplicates;
    json_t *reasons;              /* reason -> count */
    long attached, attach_failed; /* narratives stored as attachments */
} cli_import_stats;
int cli_import_cfpb(omb_app *app, const char *path, int64_t party_id, bool progress,
                    cli_import_stats *st, omb_err *err);

#endif
