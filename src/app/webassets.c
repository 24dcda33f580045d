/*
 * webassets.c - reads the web workbench's files under web_root into memory
 * at start-up and picks the file a path is answered with; see webassets.h.
 */
#include "webassets.h"
#include "core/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a load walks with. */
typedef struct walk {
    const char *root;    /* as configured, for messages */
    char real[PATH_MAX]; /* the root with every link resolved */
    omb_webassets *w;
    size_t alloc;
} walk;

/* A failure to load, named after the key. */
#define FAIL(err, ...) omb_fail(err, OMB_EIO, "bad_config", "web_root", __VA_ARGS__)

/* stat() of a directory entry; a symbolic link must lead into the root. */
static int entry_stat(walk *wk, const char *fs, struct stat *st, omb_err *err)
{
    if (lstat(fs, st) != 0)
        return FAIL(err, "web_root: cannot read %s: %s", fs, strerror(errno));
    if (!S_ISLNK(st->st_mode))
        return OMB_OK;
    char target[PATH_MAX];
    size_t n = strlen(wk->real);
    if (!realpath(fs, target) || stat(target, st) != 0)
        return FAIL(err, "web_root: cannot read %s: %s", fs, strerror(errno));
    if (strncmp(target, wk->real, n) != 0 || target[n] != '/')
        return FAIL(err, "web_root: a symbolic link leads out of the root: %s", fs);
    return OMB_OK;
}

/* The whole of a regular file, within what the budget leaves. */
static int read_all(walk *wk, const char *fs, unsigned char **out, size_t *len, omb_err *err)
{
    /* O_NONBLOCK: what was a file a moment ago may be a FIFO now. */
    int fd = open(fs, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : EINVAL;
        if (fd >= 0)
            close(fd);
        return FAIL(err, "web_root: cannot read %s: %s", fs, strerror(e));
    }
    size_t size = (size_t)st.st_size;
    if (size > OMB_WEB_BYTES_MAX - wk->w->bytes) {
        close(fd);
        return omb_fail(err, OMB_EINVAL, "bad_config", "web_root",
                        "web_root: the files under %s come to more than %zu MiB", wk->root,
                        OMB_WEB_BYTES_MAX >> 20);
    }
    unsigned char *data = omb_xmalloc(size ? size : 1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        free(data);
        return FAIL(err, "web_root: cannot read %s: it changed while being read", fs);
    }
    wk->w->bytes += size;
    *out = data;
    *len = size;
    return OMB_OK;
}

/* FILE.gz beside FILE, kept when it is FILE's gzip and smaller. */
static int load_gz(walk *wk, const char *fs, omb_webasset *a, omb_err *err)
{
    char gz[PATH_MAX];
    if ((size_t)snprintf(gz, sizeof gz, "%s.gz", fs) >= sizeof gz)
        return OMB_OK; /* no such file can exist */
    struct stat st;
    if (lstat(gz, &st) != 0)
        return OMB_OK;
    int rc = entry_stat(wk, gz, &st, err);
    if (rc || !S_ISREG(st.st_mode))
        return rc;
    unsigned char *data;
    size_t len;
    if ((rc = read_all(wk, gz, &data, &len, err)) != OMB_OK)
        return rc;
    if (!omb_web_gzip_of(data, len, a->data, a->len)) {
        free(data);
        return FAIL(err,
                    "web_root: a .gz file is not the gzip of its file (left from an earlier "
                    "build?): %s",
                    gz);
    }
    if (len >= a->len) {
        wk->w->bytes -= len;
        free(data);
        return OMB_OK;
    }
    a->gz = data;
    a->gz_len = len;
    omb_web_etag(data, len, a->gz_etag);
    return OMB_OK;
}

static int load_file(walk *wk, const char *fs, const char *url, omb_err *err)
{
    omb_webassets *w = wk->w;
    if (!omb_web_path_ok(url))
        return FAIL(
            err, "web_root: a name that cannot be served (control characters or a backslash): %s",
            fs);
    if (w->n == OMB_WEB_FILES_MAX)
        return omb_fail(err, OMB_EINVAL, "bad_config", "web_root",
                        "web_root: %s holds more than %d files", wk->root, OMB_WEB_FILES_MAX);
    if (w->n == wk->alloc) {
        wk->alloc = wk->alloc ? 2 * wk->alloc : 64;
        w->items = omb_xrealloc(w->items, wk->alloc * sizeof *w->items);
    }
    omb_webasset *a = &w->items[w->n];
    memset(a, 0, sizeof *a);
    int rc = read_all(wk, fs, &a->data, &a->len, err);
    if (rc)
        return rc;
    w->n++;
    memcpy(a->path, url, strlen(url) + 1); /* omb_web_path_ok: it fits */
    a->content_type = omb_web_content_type(url);
    a->cache_control = omb_web_cache_control(url);
    omb_web_etag(a->data, a->len, a->etag);
    return load_gz(wk, fs, a, err);
}

static bool ends_with_gz(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".gz") == 0;
}

/* Loads the files of directory fs, whose URL path is url ("" for the root). */
static int load_dir(walk *wk, const char *fs, const char *url, int depth, omb_err *err)
{
    if (depth > OMB_WEB_DEPTH_MAX)
        return omb_fail(err, OMB_EINVAL, "bad_config", "web_root",
                        "web_root: %s is nested more than %d directories deep", fs,
                        OMB_WEB_DEPTH_MAX);
    DIR *dir = opendir(fs);
    if (!dir)
        return FAIL(err, "web_root: cannot read the directory %s: %s", fs, strerror(errno));
    int rc = OMB_OK;
    struct dirent *de;
    while (!rc && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and dotfiles are never served */
        char path[PATH_MAX], sub[OMB_WEB_PATH_MAX + 2];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", fs, de->d_name) >= sizeof path ||
            (size_t)snprintf(sub, sizeof sub, "%s/%s", url, de->d_name) > OMB_WEB_PATH_MAX) {
            rc = omb_fail(err, OMB_EINVAL, "bad_config", "web_root",
                          "web_root: a path longer than %d bytes: %s/%s", OMB_WEB_PATH_MAX, url,
                          de->d_name);
            break;
        }
        struct stat st;
        if ((rc = entry_stat(wk, path, &st, err)) != OMB_OK)
            break;
        if (S_ISDIR(st.st_mode))
            rc = load_dir(wk, path, sub, depth + 1, err);
        else if (S_ISREG(st.st_mode) && !ends_with_gz(de->d_name))
            rc = load_file(wk, path, sub, err);
    }
    closedir(dir);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const omb_webasset *)a)->path, ((const omb_webasset *)b)->path);
}

static const omb_webasset *find(const omb_webassets *w, const char *path)
{
    omb_webasset key;
    if (!w->n || snprintf(key.path, sizeof key.path, "%s", path) >= (int)sizeof key.path)
        return NULL;
    return bsearch(&key, w->items, w->n, sizeof *w->items, by_path);
}

int omb_webassets_load(const char *root, omb_webassets **out, omb_err *err)
{
    *out = NULL;
    walk wk = {.root = root};
    struct stat st;
    if (!realpath(root, wk.real) || stat(wk.real, &st) != 0)
        return FAIL(err, "web_root: cannot read %s: %s", root, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return FAIL(err, "web_root: %s is not a directory", root);
    wk.w = omb_xcalloc(1, sizeof *wk.w);
    int rc = load_dir(&wk, wk.real, "", 0, err);
    if (!rc) {
        if (wk.w->n)
            qsort(wk.w->items, wk.w->n, sizeof *wk.w->items, by_path);
        wk.w->index = find(wk.w, "/index.html");
        if (!wk.w->index)
            rc = FAIL(err,
                      "web_root: no index.html (is it the directory the front end was built "
                      "into?): %s",
                      root);
    }
    if (rc) {
        omb_webassets_free(wk.w);
        return rc;
    }
    *out = wk.w;
    return OMB_OK;
}

void omb_webassets_free(omb_webassets *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->items[i].data);
        free(w->items[i].gz);
    }
    free(w->items);
    free(w);
}

const omb_webasset *omb_webassets_resolve(const omb_webassets *w, const char *path)
{
    if (!omb_web_path_ok(path))
        return NULL;
    const omb_webasset *a = find(w, path);
    if (a)
        return a;
    return omb_web_is_page_route(path) ? w->index : NULL;
}
