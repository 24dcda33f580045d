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

void omb_log_members(int level, const char *event, const char *members, size_t len)
{
    if (!omb_log_enabled(level))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char when[32];
    omb_time_format((omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, when, sizeof when);
    const char *name = level_names[level & 3];
    omb_buf line = OMB_BUF_INIT(1 << 20);
    int rc = omb_buf_puts(&line, "{\"ts\":");
    rc = rc ? rc : omb_jsonw_string(&line, when, strlen(when));
    rc = rc ? rc : omb_buf_puts(&line, ",\"level\":");
    rc = rc ? rc : omb_jsonw_string(&line, name, strlen(name));
    rc = rc ? rc : omb_buf_puts(&line, ",\"event\":");
    rc = rc ? rc : omb_jsonw_string(&line, event, strlen(event));
    if (!rc && len)
        rc = omb_buf_putc(&line, ',') || omb_buf_append(&line, members, len);
    if (!rc && omb_buf_puts(&line, "}\n") == OMB_OK) {
        ssize_t w = write(STDERR_FILENO, line.data, line.len);
        (void)w;
    }
    omb_buf_release(&line);
}

void omb_log(int level, const char *event, json_t *fields)
{
    if (!omb_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    /* The fields' object as text; its members are what lies between the braces. */
    omb_buf object = OMB_BUF_INIT(1 << 20);
    int rc = json_is_object(fields) ? omb_jsonw(&object, fields, 0) : OMB_OK;
    json_decref(fields);
    if (!rc)
        omb_log_members(level, event, object.len > 2 ? object.data + 1 : "",
                        object.len > 2 ? object.len - 2 : 0);
    omb_buf_release(&object);
}
