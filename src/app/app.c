/*
 * app.c - opening and closing the app context, the clock, reader
 * connections and where attachment blobs live.  See app.h.
 */
#include "app.h"
#include "app/writer_internal.h"
#include "core/buf.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

extern const unsigned char omb_embed_taxonomy_tsv[];
extern const size_t omb_embed_taxonomy_tsv_len;

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

static int load_taxonomy(omb_app *app, omb_err *err)
{
    if (!app->cfg.taxonomy[0])
        return omb_taxonomy_parse(&app->taxonomy, (const char *)omb_embed_taxonomy_tsv,
                                  omb_embed_taxonomy_tsv_len, err);
    FILE *f = fopen(app->cfg.taxonomy, "rb");
    if (!f)
        return omb_fail(err, OMB_EIO, "bad_config", "taxonomy", "cannot open %s",
                        app->cfg.taxonomy);
    omb_buf b = OMB_BUF_INIT(16 << 20);
    char chunk[8192];
    size_t n;
    int rc = OMB_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = omb_buf_append(&b, chunk, n);
    fclose(f);
    if (!rc)
        rc = omb_taxonomy_parse(&app->taxonomy, omb_buf_str(&b), b.len, err);
    else
        omb_fail(err, rc, "bad_config", "taxonomy", "taxonomy file too large");
    omb_buf_release(&b);
    return rc;
}

int omb_app_open(omb_app **out, const omb_config *cfg, bool create, omb_err *err)
{
    return omb_app_open_backend(out, cfg, create, &omb_store_sqlite, err);
}

int omb_app_open_backend(omb_app **out, const omb_config *cfg, bool create,
                         const omb_store_vtab *backend, omb_err *err)
{
    if (backend->version != OMB_STORE_VERSION)
        return omb_fail(err, OMB_EINVAL, "internal", NULL,
                        "storage backend %s has interface version %d, not %d", backend->name,
                        backend->version, OMB_STORE_VERSION);
    if (sodium_init() < 0)
        return omb_fail(err, OMB_EIO, "internal", NULL, "libsodium failed to initialise");
    omb_app *app = omb_xcalloc(1, sizeof *app);
    app->cfg = *cfg;
    app->backend = backend;
    app->grade_policy = omb_grade_defaults;
    int rc = load_taxonomy(app, err);
    if (!rc && create)
        rc = make_dirs(cfg->database, false, err);
    if (!rc)
        rc = make_dirs(cfg->attachments, true, err);
    omb_store *ws = NULL;
    if (!rc)
        rc = app->backend->open(cfg->database, create ? OMB_STORE_CREATE : 0, &ws, err);
    if (!rc)
        rc = omb_writer_start(app, ws, &app->writer, err);
    if (rc) {
        if (ws)
            ws->vt->close(ws);
        if (app->taxonomy)
            omb_taxonomy_free(app->taxonomy);
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
    omb_taxonomy_free(app->taxonomy);
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

int omb_blob_path(omb_app *app, const char *sha256, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%.2s/%s", app->cfg.attachments, sha256, sha256);
    return (n > 0 && (size_t)n < cap) ? OMB_OK : OMB_EINVAL;
}
