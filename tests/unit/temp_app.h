/*
 * temp_app.h - a real app on a database in a fresh temporary directory, for
 * the unit tests that need one: omb_temp_app_open() makes the directory and
 * opens the app with the default configuration pointed at it;
 * omb_temp_app_close() closes the app and removes the directory.
 */
#ifndef OMB_TEMP_APP_H
#define OMB_TEMP_APP_H

#include "app/app.h"

#include <stdio.h>
#include <stdlib.h>

/* name: the directory's stem under /tmp ("ombud-users"); dir receives its path. */
static inline omb_app *omb_temp_app_open(const char *name, char dir[64], omb_config *cfg)
{
    snprintf(dir, 64, "/tmp/%s-XXXXXX", name);
    if (!mkdtemp(dir))
        return NULL;
    omb_config_defaults(cfg);
    snprintf(cfg->database, sizeof cfg->database, "%s/t.db", dir);
    snprintf(cfg->attachments, sizeof cfg->attachments, "%s/att", dir);
    omb_err err;
    omb_err_clear(&err);
    omb_app *app = NULL;
    if (omb_app_open(&app, cfg, true, &err)) {
        fprintf(stderr, "open: %s\n", err.message);
        return NULL;
    }
    return app;
}

/* 0, or -1 when the directory could not be removed. */
static inline int omb_temp_app_close(omb_app *app, const char *dir)
{
    omb_app_close(app);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
