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

/* The time of a line, as "ts" shows it. */
static void now_text(char *when, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    omb_time_format((omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, when, cap);
}

static void write_line(const omb_buf *line)
{
    ssize_t w = write(STDERR_FILENO, line->data, line->len);
    (void)w;
}

void omb_log(int level, const char *event, json_t *fields)
{
    if (!omb_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    char when[32];
    now_text(when, sizeof when);
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(when));
    json_object_set_new(o, "level", json_string(level_names[level & 3]));
    json_object_set_new(o, "event", json_string(event));
    if (fields)
        json_object_update(o, fields);
    json_decref(fields);
    omb_buf line = OMB_BUF_INIT(1 << 20);
    if (omb_jsonw(&line, o, 0) == OMB_OK && omb_buf_putc(&line, '\n') == OMB_OK)
        write_line(&line);
    json_decref(o);
    omb_buf_release(&line);
}

void omb_log_members(int level, const char *event, const char *members, size_t len)
{
    if (!omb_log_enabled(level))
        return;
    char when[32];
    now_text(when, sizeof when);
    omb_buf line = OMB_BUF_INIT(1 << 20);
    int rc = omb_buf_puts(&line, "{\"ts\":");
    rc = rc ? rc : omb_jsonw_string(&line, when, strlen(when));
    rc = rc ? rc : omb_buf_puts(&line, ",\"level\":");
    rc = rc ? rc : omb_jsonw_string(&line, level_names[level & 3], strlen(level_names[level & 3]));
    rc = rc ? rc : omb_buf_puts(&line, ",\"event\":");
    rc = rc ? rc : omb_jsonw_string(&line, event, strlen(event));
    if (!rc && len)
        rc = omb_buf_putc(&line, ',') || omb_buf_append(&line, members, len);
    if (!rc && omb_buf_puts(&line, "}\n") == OMB_OK)
        write_line(&line);
    omb_buf_release(&line);
}
