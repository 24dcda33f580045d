/*
 * app.c - opening and closing the app context, the clock and reader
 * connections.  Attachment blobs are in blobs.c.  See app.h.
 */
#include "app.h"
#include "core/routing.h"
#include "app/writer_internal.h"
#include "app/ledger_append.h"
#include "app/log.h"
#include "app/webassets.h"
#include "core/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern const unsigned char omb_embed_taxonomy_tsv[];
extern const size_t omb_embed_taxonomy_tsv_len;
extern const unsigned char omb_embed_clocks_tsv[];
extern const size_t omb_embed_clocks_tsv_len;
extern const unsigned char omb_embed_calendar_tsv[];
extern const unsigned char omb_embed_routing_tsv[];
extern const size_t omb_embed_routing_tsv_len;
extern const size_t omb_embed_calendar_tsv_len;

/* mkdir -p for the directory part of a path (or the whole path when dir). */
static int make_dirs(const char *path, bool whole, omb_err *err)
{
    char tmp[OMB_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    if (!whole) {
        char *slash = strrchr(tmp, '/');
        if (!slash)
            return OMB_OK;
        *slash = '\0';
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return omb_fail(err, OMB_EIO, "io_error", NULL, "cannot create %s", tmp);
        *p = '/';
    }
    if (tmp[0] && mkdir(tmp, 0750) != 0 && errno != EEXIST)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "cannot create %s", tmp);
    return OMB_OK;
}

/* Reads a whole data file (at most 16 MiB) into b. */
static int read_data_file(const char *path, const char *key, omb_buf *b, omb_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return omb_fail(err, OMB_EIO, "bad_config", key, "cannot open %s", path);
    char chunk[8192];
    size_t n;
    int rc = OMB_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = omb_buf_append(b, chunk, n);
    fclose(f);
    if (rc)
        return omb_fail(err, rc, "bad_config", key, "%s is too large", path);
    return OMB_OK;
}

/* The text of a data file: the configured path, or the copy built in. */
static int data_text(const char *path, const char *key, const unsigned char *builtin,
                     size_t builtin_len, omb_buf *b, const char **text, size_t *len, omb_err *err)
{
    if (!path[0]) {
        *text = (const char *)builtin;
        *len = builtin_len;
        return OMB_OK;
    }
    int rc = read_data_file(path, key, b, err);
    *text = omb_buf_str(b);
    *len = b->len;
    return rc;
}

static int load_data(omb_app *app, omb_err *err)
{
    const omb_config *cfg = &app->cfg;
    omb_buf b1 = OMB_BUF_INIT(16 << 20), b2 = OMB_BUF_INIT(16 << 20);
    const char *text[2];
    size_t len[2];
    int rc = data_text(cfg->taxonomy, "taxonomy", omb_embed_taxonomy_tsv,
                       omb_embed_taxonomy_tsv_len, &b1, &text[0], &len[0], err);
    if (!rc)
        rc = omb_taxonomy_parse(&app->taxonomy, text[0], len[0], err);
    omb_buf_reset(&b1);
    if (!rc)
        rc = data_text(cfg->clock_rules, "clock_rules", omb_embed_clocks_tsv,
                       omb_embed_clocks_tsv_len, &b1, &text[0], &len[0], err);
    if (!rc)
        rc = omb_clock_rules_parse(&app->clock_rules, text[0], len[0], err);
    omb_buf_reset(&b1);
    if (!rc)
        rc = data_text(cfg->calendar, "calendar", omb_embed_calendar_tsv,
                       omb_embed_calendar_tsv_len, &b1, &text[0], &len[0], err);
    size_t layers = 1;
    if (!rc && cfg->calendar_extra[0]) {
        rc = read_data_file(cfg->calendar_extra, "calendar_extra", &b2, err);
        text[1] = omb_buf_str(&b2);
        len[1] = b2.len;
        layers = 2;
    }
    if (!rc)
        rc = omb_calendar_parse(&app->calendar, text, len, layers, err);
    omb_buf_reset(&b1);
    if (!rc)
        rc = data_text(cfg->routing, "routing", omb_embed_routing_tsv, omb_embed_routing_tsv_len,
                       &b1, &text[0], &len[0], err);
    if (!rc)
        rc = omb_routing_parse(&app->routing, text[0], len[0], err);
    omb_buf_release(&b1);
    omb_buf_release(&b2);
    return rc;
}

/* Reads <party code>.tsv files of cfg.party_calendars, each a layer over the
 * national calendar for the party of that code. */
static int load_party_calendars(omb_app *app, omb_store *s, omb_err *err)
{
    const omb_config *cfg = &app->cfg;
    if (!cfg->party_calendars[0])
        return OMB_OK;
    DIR *dir = opendir(cfg->party_calendars);
    if (!dir)
        return omb_fail(err, OMB_EIO, "bad_config", "party_calendars", "cannot open %s",
                        cfg->party_calendars);
    int rc = OMB_OK;
    struct dirent *de;
    while (!rc && (de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n <= 4 || strcmp(de->d_name + n - 4, ".tsv") != 0 || n - 4 >= OMB_CODE_LEN)
            continue;
        char code[OMB_CODE_LEN], path[OMB_PATH_MAX + 300];
        snprintf(code, sizeof code, "%.*s", (int)(n - 4), de->d_name);
        snprintf(path, sizeof path, "%s/%s", cfg->party_calendars, de->d_name);
        omb_party p;
        if (s->vt->party_by_code(s, code, &p, err) != OMB_OK) {
            omb_log(OMB_LOG_WARN, "party_calendar_unused",
                    json_pack("{s:s,s:s}", "file", path, "message", "no party has this code"));
            omb_err_clear(err);
            continue;
        }
        /* The national calendar, the operator's extra layer, then the party's. */
        omb_buf base = OMB_BUF_INIT(16 << 20), extra = OMB_BUF_INIT(16 << 20),
                layer = OMB_BUF_INIT(16 << 20);
        const char *text[3];
        size_t len[3], n_layers = 0;
        rc = data_text(cfg->calendar, "calendar", omb_embed_calendar_tsv,
                       omb_embed_calendar_tsv_len, &base, &text[0], &len[0], err);
        n_layers = 1;
        if (!rc && cfg->calendar_extra[0]) {
            rc = read_data_file(cfg->calendar_extra, "calendar_extra", &extra, err);
            text[n_layers] = omb_buf_str(&extra);
            len[n_layers++] = extra.len;
        }
        if (!rc)
            rc = read_data_file(path, "party_calendars", &layer, err);
        text[n_layers] = omb_buf_str(&layer);
        len[n_layers++] = layer.len;
        omb_calendar *cal = NULL;
        if (!rc) {
            rc = omb_calendar_parse(&cal, text, len, n_layers, err);
            if (rc) {
                char msg[OMB_ERR_MSG_MAX];
                snprintf(msg, sizeof msg, "%s", err->message);
                omb_fail(err, rc, err->code, "party_calendars", "%s: %s", path, msg);
            }
        }
        omb_buf_release(&base);
        omb_buf_release(&extra);
        omb_buf_release(&layer);
        if (rc)
            break;
        app->party_calendars = omb_xrealloc(app->party_calendars, (app->n_party_calendars + 1) *
                                                                      sizeof *app->party_calendars);
        app->party_calendars[app->n_party_calendars].party_id = p.id;
        app->party_calendars[app->n_party_calendars].calendar = cal;
        app->n_party_calendars++;
    }
    closedir(dir);
    return rc;
}

const omb_calendar *omb_app_calendar_for(const omb_app *app, int64_t lead_party)
{
    for (size_t i = 0; lead_party && i < app->n_party_calendars; i++)
        if (app->party_calendars[i].party_id == lead_party)
            return app->party_calendars[i].calendar;
    return app->calendar;
}

static void free_calendars(omb_app *app)
{
    omb_calendar_free(app->calendar);
    for (size_t i = 0; i < app->n_party_calendars; i++)
        omb_calendar_free(app->party_calendars[i].calendar);
    free(app->party_calendars);
}

/* Everything open() loaded; the writer must be stopped. */
static void free_data(omb_app *app)
{
    omb_taxonomy_free(app->taxonomy);
    free_calendars(app);
    omb_routing_free(app->routing);
    omb_hub_free(app->hub);
    omb_app_free_webhook_subs(app);
    omb_login_guard_free(app->login_guard);
    omb_readers_free(app->readers);
    omb_ledger_tail_free(app->ledger_tail);
    omb_webassets_free(app->web);
    sodium_memzero(&app->keys, sizeof app->keys);
}

int omb_app_check_database(const omb_config *cfg, omb_err *err)
{
    if (strncmp(cfg->database, "file:", 5) == 0 || access(cfg->database, F_OK) == 0 ||
        errno != ENOENT)
        return OMB_OK;
    return omb_fail(err, OMB_EIO, "not_initialised", "database",
                    "there is no database at %s; create it first with: ombud --db %s init",
                    cfg->database, cfg->database);
}

int omb_app_open(omb_app **out, const omb_config *cfg, bool create, omb_err *err)
{
    return omb_app_open_backend(out, cfg, create, &omb_store_sqlite, err);
}

int omb_app_open_backend(omb_app **out, const omb_config *cfg, bool create,
                         const omb_store_vtab *backend, omb_err *err)
{
    /* Entries are only appended (store.h): a newer backend serves too,
     * unless it has retired entries this app calls. */
    if (backend->version < OMB_STORE_VERSION)
        return omb_fail(err, OMB_EINVAL, "internal", NULL,
                        "storage backend %s has interface version %d, older than %d", backend->name,
                        backend->version, OMB_STORE_VERSION);
    if (backend->oldest > OMB_STORE_VERSION)
        return omb_fail(err, OMB_EINVAL, "internal", NULL,
                        "storage backend %s serves interface versions from %d on, newer than %d",
                        backend->name, backend->oldest, OMB_STORE_VERSION);
    if (sodium_init() < 0)
        return omb_fail(err, OMB_EIO, "internal", NULL, "libsodium failed to initialise");
    omb_app *app = omb_xcalloc(1, sizeof *app);
    app->cfg = *cfg;
    app->backend = backend;
    app->grade_policy = omb_grade_defaults;
    app->login_guard = omb_login_guard_new(cfg);
    app->readers = omb_readers_new();
    app->ledger_tail = omb_ledger_tail_new();
    int rc = create ? OMB_OK : omb_app_check_database(cfg, err);
    if (!rc)
        rc = load_data(app, err);
    if (!rc && create)
        rc = make_dirs(cfg->database, false, err);
    if (!rc)
        rc = make_dirs(cfg->attachments, true, err);
    omb_store *ws = NULL;
    if (!rc)
        rc = app->backend->open(cfg->database,
                                (create ? OMB_STORE_CREATE : 0) | OMB_STORE_LAZY_COMMIT, &ws, err);
    uint64_t backfilled = 0;
    if (!rc)
        rc = omb_ledger_backfill(app->ledger_tail, ws, &backfilled, err);
    if (!rc && backfilled)
        omb_log(OMB_LOG_INFO, "ledger_backfilled",
                json_pack("{s:I}", "leaves", (json_int_t)backfilled));
    if (!rc)
        rc = load_party_calendars(app, ws, err);
    if (!rc)
        rc = omb_keys_open(app, ws, err);
    app->hub = omb_hub_new();
    app->webhooks_stale = true;
    if (!rc)
        rc = omb_writer_start(app, ws, &app->writer, err);
    if (rc) {
        if (ws)
            ws->vt->close(ws);
        free_data(app);
        free(app);
        return rc;
    }
    /* The writer owns ws from here; app_close closes it after the thread stops. */
    *out = app;
    return OMB_OK;
}

int omb_app_reader(omb_app *app, omb_store **out, omb_err *err)
{
    return app->backend->open(app->cfg.database, OMB_STORE_READONLY, out, err);
}

void omb_app_drain(omb_app *app)
{
    omb_writer_stop(app->writer);
}

void omb_app_close(omb_app *app)
{
    if (!app)
        return;
    omb_store *ws = omb_writer_store(app->writer);
    omb_writer_free(app->writer);
    if (ws)
        ws->vt->close(ws);
    free_data(app);
    free(app);
}

omb_ms omb_app_now(omb_app *app)
{
    omb_ms fixed = atomic_load(&app->clock_fixed_ms);
    if (fixed)
        return fixed;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&app->clock_offset_ms);
}
