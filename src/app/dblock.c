/*
 * dblock.c - the server's lock beside its database; see dblock.h.
 */
#include "dblock.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int omb_dblock_take(const char *database, int *fd, omb_err *err)
{
    *fd = -1;
    char path[OMB_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s.lock", database);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return omb_fail(err, OMB_EIO, "io_error", "database", "cannot open the lock file %s: %s",
                        path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[24] = "";
        ssize_t n = pread(f, pid, sizeof pid - 1, 0);
        close(f);
        if (e != EWOULDBLOCK)
            return omb_fail(err, OMB_EIO, "io_error", "database", "cannot lock %s: %s", path,
                            strerror(e));
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        char who[40] = "";
        if (pid[0])
            snprintf(who, sizeof who, " (process %s)", pid);
        return omb_fail(err, OMB_ECONFLICT, "database_in_use", "database",
                        "another ombud server%s is already serving %s (it holds %s); stop it "
                        "first, or give this one another database",
                        who, database, path);
    }
    /* Who holds it, for the message above; only a help, never trusted. */
    char line[24];
    int len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    bool noted = ftruncate(f, 0) == 0 && pwrite(f, line, (size_t)len, 0) == len;
    (void)noted; /* the lock holds without the note too */
    *fd = f;
    return OMB_OK;
}

void omb_dblock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
