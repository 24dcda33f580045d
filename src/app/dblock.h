/*
 * dblock.h - one server per database: `ombud serve` holds an exclusive lock
 * on the file <database>.lock beside the database for as long as it runs.
 *
 * A second server on the same database would run a second sweeper, a second
 * webhook deliverer and a second ledger signer beside the first; it is
 * refused at start.  The lock is flock(2): the kernel drops it when the
 * process ends, however it ends, so a crashed server never leaves a stale
 * lock.  The file stays (deleting it would let two servers lock two files).
 */
#ifndef OMB_DBLOCK_H
#define OMB_DBLOCK_H

#include "core/err.h"

/* Takes the lock without waiting: OMB_OK with *fd set (keep it open), or
 * OMB_ECONFLICT ("database_in_use") when another process holds it, naming
 * that process when it wrote its id into the file. */
int omb_dblock_take(const char *database, int *fd, omb_err *err);
/* Gives the lock back (fd < 0 does nothing). */
void omb_dblock_release(int fd);

#endif
