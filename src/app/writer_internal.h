/*
 * writer_internal.h - starting and stopping the writer; only app.c does it.
 */
#ifndef OMB_WRITER_INTERNAL_H
#define OMB_WRITER_INTERNAL_H

#include "app/app.h"

int omb_writer_start(omb_app *app, omb_store *store, omb_writer **out, omb_err *err);
/* Lets the queued jobs finish, then stops the thread; later submissions
 * fail with OMB_EBUSY.  Safe to call twice. */
void omb_writer_stop(omb_writer *w);
/* Stops (when still running) and frees the writer. */
void omb_writer_free(omb_writer *w);
/* The writer's connection (closed by the caller after omb_writer_stop). */
omb_store *omb_writer_store(omb_writer *w);

#endif
