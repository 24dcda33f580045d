/*
 * routing.h - dispatch rules: which party leads a complaint, which
 * department handles it and in which queue it waits; and which agent of
 * that queue takes it.
 *
 * The rules are TSV (data/routing.tsv, embedded as omb_embed_routing_tsv),
 * one rule a line: name, business, cause, product, channel, grade, pattern,
 * lead, department, queue.  Each column but the last three is a condition
 * ("*", a code, a comma list of codes, a grade or "grade+", a PCRE2
 * pattern on the text); the first rule whose conditions all hold wins, and
 * the last rule must be "*" in every condition so that one always does.
 * data/routing.tsv explains the columns in full.
 */
#ifndef OMB_ROUTING_H
#define OMB_ROUTING_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct omb_routing omb_routing; /* opaque: compiled rules */

/* A route; the strings belong to the omb_routing and live as long as it. */
typedef struct omb_route {
    const char *rule; /* rule name */
    const char *lead; /* funder, acquirer, platform, target */
    const char *department;
    const char *queue;
} omb_route;

typedef struct omb_route_input {
    const char *business, *cause, *product, *channel, *grade; /* NULL or "" = unknown: only "*"
                                                                 matches it */
    const char *text; /* description and claims, may be NULL (then only "*" matches it) */
} omb_route_input;

/*
 * Parses and compiles rules (PCRE2_UTF|PCRE2_CASELESS|PCRE2_UCP).  Errors
 * are OMB_EINVAL with the line number in the message:
 *   routing_syntax   wrong column count, invalid UTF-8;
 *   routing_value    unknown grade or lead, bad code characters, empty list item;
 *   routing_pattern  a pattern that does not compile (PCRE2's message and offset);
 *   routing_missing  no rules, or the last rule is not a catch-all on every column.
 */
int omb_routing_parse(omb_routing **out, const char *text, size_t len, omb_err *err);
void omb_routing_free(omb_routing *r);
size_t omb_routing_count(const omb_routing *r);

/* A rule as written: each column's text ("*" for any); the strings belong
 * to the omb_routing. */
typedef struct omb_route_rule {
    const char *name, *business, *cause, *product, *channel, *grade, *pattern;
    const char *lead, *department, *queue;
} omb_route_rule;

/* The i-th rule, in the order they are tried; OMB_ENOTFOUND past the last. */
int omb_routing_rule(const omb_routing *r, size_t i, omb_route_rule *out);

/*
 * Fills *out with the first rule that matches; there always is one (the
 * catch-all).  Safe to call from many threads at once on the same
 * omb_routing: the rules are only read, and each call has its own match
 * data.  A text that is not valid UTF-8 matches no pattern.
 */
void omb_routing_match(const omb_routing *r, const omb_route_input *in, omb_route *out);

typedef struct omb_agent_candidate {
    int64_t user_id;
    const char *skills; /* comma-separated codes: queue names, business or cause codes */
    int64_t load;       /* open complaints assigned now */
    bool on_duty;
} omb_agent_candidate;

/*
 * Picks an agent: among candidates on duty, those with a skill equal to
 * `queue`, `business` or `cause` (exact comma-item match; spaces around an
 * item are ignored; NULL or "" arguments match no skill) are preferred;
 * among the preferred (or, when none has the skill, among all on duty) the
 * least load wins, ties by the lowest user_id.  Returns the index into c,
 * or -1 when nobody is on duty.
 */
int omb_routing_pick_agent(const omb_agent_candidate *c, size_t n, const char *queue,
                           const char *business, const char *cause);

#endif
