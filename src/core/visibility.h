/*
 * visibility.h - who sees a note or an attachment: the writer's party only
 * ("party") or every party involved in the complaint ("involved").
 *
 * The visibility is chosen when a note or a file is written and kept in its
 * event's payload ("visibility"); an event without one (written before
 * notes had a visibility) and every other event are seen by every party
 * involved.  The complaint document keeps what is party-only apart - a
 * count of notes per party ("party_notes") and files marked with their
 * party - so that each reader's view shows only what the reader's party may
 * see (docs/linkage.md, "Notes and attachments").  Pure: no I/O.
 */
#ifndef OMB_VISIBILITY_H
#define OMB_VISIBILITY_H

#include "event.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum omb_visibility {
    OMB_VIS_PARTY,    /* the writer's party only, every role of it */
    OMB_VIS_INVOLVED, /* every party involved in the complaint */
    OMB_VIS__COUNT
};

/* "party", "involved", NULL: the values of a visibility field (fields.h ENUM). */
extern const char *const omb_visibility_names[];

const char *omb_visibility_name(enum omb_visibility v);
int omb_visibility_parse(const char *name, enum omb_visibility *out);

/* The party a complaint event is shown to alone (its writer's party, for a
 * party-only note or attachment), or 0 when every party involved sees it. */
int64_t omb_event_restricted_to(const omb_event *ev);
/* Whether a party involved in the event's complaint sees the event. */
bool omb_event_visible_to(const omb_event *ev, int64_t party);

/* The fold of a note_added event: counts it in "notes" or, party-only, in
 * "party_notes" under its party. */
void omb_visibility_count_note(json_t *doc, const omb_event *ev);
/* The fold of an attachment_added event: marks the document's item of a
 * party-only file with its party ("party"). */
void omb_visibility_mark_attachment(json_t *item, const omb_event *ev);

/* The document as a reader of party `viewer` sees it: the notes and files
 * other parties keep to themselves removed, its own party-only notes
 * counted in "notes" (viewer 0: only what every party involved sees). */
void omb_doc_for_party(json_t *doc, int64_t viewer);
/* The same on stored document text: *out is a new text (caller frees;
 * *out_len its length), or NULL when the document holds nothing party-only
 * and is shown as it is stored (most documents: they are not parsed).
 * OMB_EIO when the stored text is damaged. */
int omb_doc_text_for_party(const char *doc, size_t len, int64_t viewer, char **out,
                           size_t *out_len);

#endif
