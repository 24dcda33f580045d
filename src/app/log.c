/*
 * log.c - JSON-lines logging; see log.h.  Each line is built in memory and
 * written with one write(2) so lines from different threads never mix.
 */
#include "log.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/timeutil.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = OMB_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void omb_log_set_level(int level)
{
    atomic_store(&min_level, level);
}

int omb_log_enabled(int level)
{
    return level >= atomic_load(&min_level);
}

void omb_log(int level, const char *event, json_t *fields)
{
    if (!omb_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char when[32];
    omb_time_format((omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, when, sizeof when);
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(when));
    json_object_set_new(o, "level", json_string(level_names[level & 3]));
    json_object_set_new(o, "event", json_string(event));
    if (fields)
        json_object_update(o, fields);
    json_decref(fields);
    omb_buf line = OMB_BUF_INIT(1 << 20);
    if (omb_jsonw(&line, o, 0) == OMB_OK && omb_buf_putc(&line, '\n') == OMB_OK) {
        ssize_t w = write(STDERR_FILENO, line.data, line.len);
        (void)w;
    }
    json_decref(o);
    omb_buf_release(&line);
}
