/*
 * webassets.h - the web workbench's files: the built single-page app under
 * the directory `web_root`, read once when the server starts into a table
 * in memory (URL path, bytes, Content-Type, Cache-Control, entity tag, and
 * the bytes of the sibling FILE.gz the build writes), and the choice of the
 * file a request's path is answered with.  A new build is served after a
 * restart (docs/operations.md).
 *
 * Loading is bounded (OMB_WEB_FILES_MAX files, OMB_WEB_BYTES_MAX bytes,
 * OMB_WEB_DEPTH_MAX levels of directories, paths of OMB_WEB_PATH_MAX
 * bytes) and skips dotfiles and dot-directories; a symbolic link that leads
 * out of the root, an unreadable file, a FILE.gz that is not the gzip of
 * FILE, or a root without index.html fails it with a message naming the
 * cause.
 */
#ifndef OMB_WEBASSETS_H
#define OMB_WEBASSETS_H

#include "core/err.h"
#include "core/web.h"

#include <stddef.h>

#define OMB_WEB_FILES_MAX 4096
#define OMB_WEB_BYTES_MAX ((size_t)64 << 20) /* FILE and FILE.gz bytes together */
#define OMB_WEB_DEPTH_MAX 16

typedef struct omb_webasset {
    char path[OMB_WEB_PATH_MAX + 1]; /* "/assets/index-1a2b3c.js" */
    const char *content_type;
    const char *cache_control;
    unsigned char *data;
    size_t len;
    char etag[OMB_WEB_ETAG_LEN];
    /* FILE.gz when there is one and it is smaller than FILE, else NULL */
    unsigned char *gz;
    size_t gz_len;
    char gz_etag[OMB_WEB_ETAG_LEN];
} omb_webasset;

typedef struct omb_webassets {
    omb_webasset *items; /* sorted by path */
    size_t n;
    size_t bytes;              /* all bytes held */
    const omb_webasset *index; /* "/index.html" */
} omb_webassets;

/* Reads every file under root; bad_config (field web_root) when it cannot. */
int omb_webassets_load(const char *root, omb_webassets **out, omb_err *err);
void omb_webassets_free(omb_webassets *w);
/* The file a GET of path is answered with: the file of that path, or for
 * one of the page's own routes (omb_web_is_page_route: "/", "/queue")
 * index.html; NULL when neither (and for any path omb_web_path_ok refuses). */
const omb_webasset *omb_webassets_resolve(const omb_webassets *w, const char *path);

#endif
