/*
 * log.h - structured logs: one JSON object per line on standard error,
 * with time, level, event name and the fields the caller adds.
 */
#ifndef OMB_LOG_H
#define OMB_LOG_H

#include <jansson.h>

enum omb_log_level { OMB_LOG_DEBUG, OMB_LOG_INFO, OMB_LOG_WARN, OMB_LOG_ERROR };

void omb_log_set_level(int level);
int omb_log_enabled(int level);
/* Writes {"ts":..,"level":..,"event":..,...fields}; steals the reference to fields. */
void omb_log(int level, const char *event, json_t *fields);
/* The same line with its fields given as JSON text, the members of an object
 * without its braces ("\"id\":\"f9\",\"status\":200"): for the line of
 * every request, written without building a JSON object. */
void omb_log_members(int level, const char *event, const char *members, size_t len);

#endif
