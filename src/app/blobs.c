/*
 * blobs.c - attachment files on disk, stored at their content address
 * <attachments>/<aa>/<sha256>: an upload streamed to a temporary file and
 * then placed, a blob written whole, a blob opened for download, and the
 * cleanup of uploads a stopped server left behind.
 */
#include "app.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int omb_blob_clean_uploads(omb_app *app, long *removed, omb_err *err)
{
    *removed = 0;
    char dir[OMB_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/tmp", app->cfg.attachments);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? OMB_OK
                               : omb_fail(err, OMB_EIO, "io_error", "attachments",
                                          "cannot read %s: %s", dir, strerror(errno));
    int rc = OMB_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "up-", 3) != 0)
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
            (*removed)++;
        else if (errno != ENOENT)
            rc = omb_fail(err, OMB_EIO, "io_error", "attachments", "cannot remove %s/%s: %s", dir,
                          de->d_name, strerror(errno));
    }
    closedir(d);
    return rc;
}

int omb_blob_path(omb_app *app, const char *sha256, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%.2s/%s", app->cfg.attachments, sha256, sha256);
    return (n > 0 && (size_t)n < cap) ? OMB_OK : OMB_EINVAL;
}

int omb_blob_place(omb_app *app, const char *tmp, const char *sha256, omb_err *err)
{
    char path[OMB_PATH_MAX + 80], dir[OMB_PATH_MAX + 8];
    if (omb_blob_path(app, sha256, path, sizeof path) != OMB_OK)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "could not store the file");
    snprintf(dir, sizeof dir, "%s/%.2s", app->cfg.attachments, sha256);
    if ((mkdir(dir, 0750) != 0 && errno != EEXIST) || rename(tmp, path) != 0)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "could not store the file");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return OMB_OK;
}

/* ---- uploads ------------------------------------------------------------------ */

/* Creates a temporary file in <attachments>/tmp; *fd and tmp filled. */
static int make_tmp(omb_app *app, char *tmp, size_t cap, int *fd, omb_err *err)
{
    char dir[OMB_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/tmp", app->cfg.attachments);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "cannot create upload directory");
    snprintf(tmp, cap, "%s/up-XXXXXX", dir);
    *fd = mkstemp(tmp);
    if (*fd < 0) {
        tmp[0] = '\0';
        return omb_fail(err, OMB_EIO, "io_error", NULL, "cannot create upload file");
    }
    return OMB_OK;
}

void omb_upload_init(omb_upload *u)
{
    memset(u, 0, sizeof *u);
    u->fd = -1;
}

int omb_upload_begin(omb_app *app, omb_upload *u, omb_err *err)
{
    omb_upload_init(u);
    omb_sha256_init(&u->hash);
    return make_tmp(app, u->tmp, sizeof u->tmp, &u->fd, err);
}

int omb_upload_append(omb_upload *u, const void *data, size_t n)
{
    if (u->failed)
        return OMB_EIO;
    omb_sha256_update(&u->hash, data, n);
    u->size += n;
    const char *p = data;
    while (n) {
        ssize_t w = write(u->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            u->failed = true;
            return OMB_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return OMB_OK;
}

const char *omb_upload_digest(omb_upload *u)
{
    if (!u->sha256[0]) {
        unsigned char digest[32];
        omb_sha256_final(&u->hash, digest);
        sodium_bin2hex(u->sha256, sizeof u->sha256, digest, sizeof digest);
    }
    return u->sha256;
}

int omb_upload_finish(omb_app *app, omb_upload *u, omb_err *err)
{
    const char *sha = omb_upload_digest(u);
    if (fsync(u->fd) != 0)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "could not store the upload");
    close(u->fd);
    u->fd = -1;
    int rc = omb_blob_place(app, u->tmp, sha, err);
    if (!rc)
        u->tmp[0] = '\0';
    return rc;
}

void omb_upload_abort(omb_upload *u)
{
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    if (u->tmp[0])
        unlink(u->tmp);
    u->tmp[0] = '\0';
}

/* ---- downloads ---------------------------------------------------------------- */

int omb_blob_open(omb_app *app, const char *sha256, int *fd, uint64_t *size, omb_err *err)
{
    char path[OMB_PATH_MAX + 80];
    struct stat st;
    *fd = omb_blob_path(app, sha256, path, sizeof path) == OMB_OK ? open(path, O_RDONLY) : -1;
    if (*fd < 0 || fstat(*fd, &st) != 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return omb_fail(err, OMB_EIO, "blob_missing", NULL, "the stored file is missing");
    }
    *size = (uint64_t)st.st_size;
    return OMB_OK;
}

/* Writes all of data[len] to fd and syncs it. */
static int write_synced(int fd, const unsigned char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return OMB_EIO;
        data += w;
        len -= (size_t)w;
    }
    return fsync(fd) == 0 ? OMB_OK : OMB_EIO;
}

int omb_blob_put(omb_app *app, const void *data, size_t len, char sha256[65], omb_err *err)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(sha256, 65, digest, sizeof digest);
    char path[OMB_PATH_MAX + 80], tmp[OMB_PATH_MAX + 24];
    if (omb_blob_path(app, sha256, path, sizeof path) != OMB_OK)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "could not store the file");
    struct stat st;
    if (stat(path, &st) == 0 && (size_t)st.st_size == len)
        return OMB_OK;
    int fd;
    int rc = make_tmp(app, tmp, sizeof tmp, &fd, err);
    if (rc)
        return rc;
    rc = write_synced(fd, data, len);
    close(fd);
    if (rc)
        omb_fail(err, OMB_EIO, "io_error", NULL, "could not store the file");
    if (rc || (rc = omb_blob_place(app, tmp, sha256, err)) != OMB_OK)
        unlink(tmp);
    return rc;
}
