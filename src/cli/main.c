/*
 * main.c - `ombud`, the command table and global options.
 *
 *   ombud [--config FILE] [--db PATH] [--listen HOST:PORT] [--set KEY=VALUE]... COMMAND ...
 *
 * Each command is one row: name, function, one line of help.  Options that
 * name configuration keys override the configuration file.
 */
#include "cli.h"
#include "app/log.h"
#include "app/version.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *name;
    int (*fn)(cli_args *a);
    const char *usage;
} commands[] = {
    {"serve", cmd_serve, "serve                     run the HTTP API server"},
    {"init", cmd_init,
     "init [--admin-password P]  create the database, the operator party and its admin"},
    {"user", cmd_user, "user add --party CODE --username U --name N --role R [--password P]"},
    {"token", cmd_token, "token create USERNAME [--label L] [--ttl-hours N]"},
    {"import", cmd_import, "import --format cfpb --party CODE FILE"},
    {"export", cmd_export, "export [--format csv|jsonl] [--out FILE]"},
    {"verify", cmd_verify,
     "verify [--public-key HEX] [--json] [--no-attachments] | --receipt FILE  check the "
     "ledger"},
    {"witness", cmd_witness,
     "witness keygen|public-key --key FILE | check --url URL --token T --key FILE --state FILE "
     "[--log-key HEX] [--no-cosign]  witness a ledger"},
    {"demo", cmd_demo,
     "demo [--data DIR] [--logins FILE]  load the demo parties, users, complaints"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f,
            "ombud %s - complaint handling for consumer finance\n\n"
            "usage: ombud [--config FILE] [--db PATH] [--listen HOST:PORT] [--set KEY=VALUE] "
            "COMMAND ...\n\ncommands:\n",
            OMB_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(f, "  version                   print the version\n");
}

const char *cli_opt(const cli_args *a, const char *name, const char *dflt)
{
    for (int i = a->n - 1; i >= 0; i--)
        if (strcmp(a->names[i], name) == 0)
            return a->values[i];
    return dflt;
}

bool cli_flag(const cli_args *a, const char *name)
{
    static const char *const no[] = {"false", "off", "0", "no", NULL};
    const char *v = cli_opt(a, name, NULL);
    if (!v)
        return false;
    for (const char *const *n = no; *n; n++)
        if (strcmp(v, *n) == 0)
            return false;
    return true;
}

int cli_int(const cli_args *a, const char *name, int dflt, int min, int max)
{
    const char *v = cli_opt(a, name, NULL);
    if (!v)
        return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < min || n > max) {
        cli_error("--%s must be a whole number from %d to %d", name, min, max);
        return -1;
    }
    return (int)n;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ombud: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_report(const omb_err *err)
{
    if (err->field[0])
        cli_error("%s (%s: %s)", err->message, err->code, err->field);
    else
        cli_error("%s (%s)", err->message, err->code);
}

FILE *cli_create_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "wb") : NULL;
    if (!f)
        close(fd);
    return f;
}

void cli_system_principal(omb_principal *who, int64_t party_id, enum omb_role role)
{
    memset(who, 0, sizeof *who);
    who->user_id = 0;
    who->party_id = party_id;
    who->role = role;
    snprintf(who->username, sizeof who->username, "ombud-cli");
    snprintf(who->party_kind, sizeof who->party_kind, "operator");
}

/* Options that are configuration keys go to cfg; the rest stay for the command. */
static const char *const flag_only[] = {"progress", "no-progress",    "test-clock", "help",
                                        "json",     "no-attachments", "no-cosign",  NULL};

static bool is_flag(const char *name)
{
    for (const char *const *f = flag_only; *f; f++)
        if (strcmp(*f, name) == 0)
            return true;
    return false;
}

static int parse_args(int argc, char **argv, cli_args *a)
{
    omb_config_defaults(&a->cfg);
    omb_err err;
    /* A configuration file comes first so that other options override it. */
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        if (path && omb_config_load(&a->cfg, path, &err)) {
            cli_report(&err);
            return -1;
        }
    }
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (a->n_words == CLI_OPTS_MAX)
                return cli_error("too many arguments"), -1;
            a->words[a->n_words++] = arg;
            continue;
        }
        char *name = arg + 2, *value;
        char *eq = strchr(name, '=');
        if (eq) {
            *eq = '\0';
            value = eq + 1;
        } else if (is_flag(name)) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            cli_error("--%s needs a value", name);
            return -1;
        }
        if (strcmp(name, "config") == 0)
            continue;
        const char *key = strcmp(name, "db") == 0 ? "database" : name;
        if (strcmp(name, "set") == 0) {
            char *kv = value, *e = strchr(kv, '=');
            if (!e)
                return cli_error("--set takes KEY=VALUE"), -1;
            *e = '\0';
            if (omb_config_set(&a->cfg, kv, e + 1, &err))
                return cli_report(&err), -1;
            continue;
        }
        if (strcmp(key, "database") == 0 || strcmp(key, "listen") == 0 ||
            strcmp(key, "attachments") == 0 || strcmp(key, "threads") == 0) {
            if (omb_config_set(&a->cfg, key, value, &err))
                return cli_report(&err), -1;
            continue;
        }
        if (a->n == CLI_OPTS_MAX)
            return cli_error("too many options"), -1;
        a->names[a->n] = name;
        a->values[a->n] = value;
        a->n++;
    }
    if (omb_config_check(&a->cfg, &err))
        return cli_report(&err), -1;
    return 0;
}

int main(int argc, char **argv)
{
    /* Everything ombud creates holds complaints, tokens or keys: the database
     * and its -wal/-shm files, exports, attachments, logins.  Files are made
     * 0600 and folders 0700 whatever the caller's umask (docs/operations.md). */
    umask(077);
    static cli_args a;
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    bool asked = cli_flag(&a, "help") || (a.n_words && strcmp(a.words[0], "help") == 0);
    if (a.n_words == 0 || asked) {
        usage(asked ? stdout : stderr);
        return asked ? 0 : 2;
    }
    if (strcmp(a.words[0], "version") == 0) {
        printf("ombud %s (API %s)\n", OMB_VERSION, OMB_API_VERSION);
        return 0;
    }
    omb_log_set_level(a.cfg.log_level);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, a.words[0]) == 0)
            return commands[i].fn(&a);
    cli_error("unknown command %s", a.words[0]);
    usage(stderr);
    return 2;
}
