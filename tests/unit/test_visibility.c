/*
 * test_visibility.c - unit tests for src/core/visibility.c: which events a
 * party sees, how the fold keeps party-only notes and files apart in the
 * document, and each reader's view of it (parsed and as stored text), with
 * the visibility field of a note in the action table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/complaint.h"
#include "core/jsonw.h"
#include "core/lifecycle.h"
#include "core/visibility.h"

#define T0 1795305600000LL

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

static omb_event event(const char *type, int64_t party, const char *payload)
{
    omb_event ev;
    omb_event_init(&ev, type, T0, 7, party, parse(payload));
    ev.complaint_id = 1;
    return ev;
}

static void test_names(void **state)
{
    enum omb_visibility v;
    assert_int_equal(omb_visibility_parse("party", &v), OMB_OK);
    assert_int_equal(v, OMB_VIS_PARTY);
    assert_int_equal(omb_visibility_parse("involved", &v), OMB_OK);
    assert_int_equal(v, OMB_VIS_INVOLVED);
    assert_int_equal(omb_visibility_parse("Party", &v), OMB_EINVAL);
    assert_int_equal(omb_visibility_parse("", &v), OMB_EINVAL);
    assert_int_equal(omb_visibility_parse(NULL, &v), OMB_EINVAL);
    assert_string_equal(omb_visibility_name(OMB_VIS_PARTY), "party");
    assert_string_equal(omb_visibility_name(OMB_VIS_INVOLVED), "involved");
    assert_string_equal(omb_visibility_name(OMB_VIS__COUNT), "unknown");
}

static void test_events(void **state)
{
    static const struct {
        const char *type, *payload;
        int64_t only;
    } cases[] = {
        {"note_added", "{\"text\":\"x\",\"visibility\":\"party\"}", 3},
        {"note_added", "{\"text\":\"x\",\"visibility\":\"involved\"}", 0},
        {"note_added", "{\"text\":\"x\"}", 0}, /* written before notes had a visibility */
        {"attachment_added", "{\"sha256\":\"ab\",\"visibility\":\"party\"}", 3},
        {"attachment_added", "{\"sha256\":\"ab\"}", 0},
        {"accepted", "{\"visibility\":\"party\"}", 0}, /* only notes and files are restricted */
        {"note_added", "{\"visibility\":5}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omb_event ev = event(cases[i].type, 3, cases[i].payload);
        assert_int_equal(omb_event_restricted_to(&ev), cases[i].only);
        assert_true(omb_event_visible_to(&ev, 3));
        assert_int_equal(omb_event_visible_to(&ev, 4), cases[i].only == 0);
        omb_event_release(&ev);
    }
}

static void test_note_field(void **state)
{
    const omb_action_info *note = omb_action_get(OMB_ACT_NOTE);
    omb_err err;
    static const struct {
        const char *body;
        int rc;
        const char *code;
    } cases[] = {
        {"{\"text\":\"x\"}", OMB_OK, ""},
        {"{\"text\":\"x\",\"visibility\":\"party\"}", OMB_OK, ""},
        {"{\"text\":\"x\",\"visibility\":\"involved\"}", OMB_OK, ""},
        {"{\"text\":\"x\",\"visibility\":null}", OMB_OK, ""},
        {"{\"text\":\"x\",\"visibility\":\"everyone\"}", OMB_EFIELD, "invalid_value"},
        {"{\"text\":\"x\",\"visibility\":\"\"}", OMB_EFIELD, "invalid_value"},
        {"{\"text\":\"x\",\"visibility\":true}", OMB_EFIELD, "invalid_type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *b = parse(cases[i].body);
        omb_err_clear(&err);
        assert_int_equal(omb_fields_check(b, note->fields, "", &err), cases[i].rc);
        if (cases[i].rc) {
            assert_string_equal(err.code, cases[i].code);
            assert_string_equal(err.field, "visibility");
        }
        json_decref(b);
    }
}

/* A document after notes and files by parties 3 and 4, some party-only. */
static json_t *folded(void)
{
    json_t *doc = json_object();
    static const struct {
        int64_t party;
        const char *type, *payload;
    } evs[] = {
        {3, "note_added", "{\"text\":\"a\",\"visibility\":\"party\"}"},
        {3, "note_added", "{\"text\":\"b\",\"visibility\":\"party\"}"},
        {4, "note_added", "{\"text\":\"c\",\"visibility\":\"party\"}"},
        {4, "note_added", "{\"text\":\"d\",\"visibility\":\"involved\"}"},
        {5, "note_added", "{\"text\":\"e\"}"},
    };
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
        omb_event ev = event(evs[i].type, evs[i].party, evs[i].payload);
        omb_visibility_count_note(doc, &ev);
        omb_event_release(&ev);
    }
    json_t *list = json_array();
    static const struct {
        int64_t party;
        const char *payload;
    } files[] = {
        {3, "{\"name\":\"p3\",\"visibility\":\"party\"}"},
        {4, "{\"name\":\"shared\",\"visibility\":\"involved\"}"},
        {4, "{\"name\":\"p4\",\"visibility\":\"party\"}"},
        {5, "{\"name\":\"old\"}"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        omb_event ev = event("attachment_added", files[i].party, files[i].payload);
        json_t *item = json_deep_copy(ev.payload);
        omb_visibility_mark_attachment(item, &ev);
        json_array_append_new(list, item);
        omb_event_release(&ev);
    }
    json_object_set_new(doc, "attachments", list);
    return doc;
}

static char *names_of(const json_t *doc)
{
    json_t *names = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(doc, "attachments"), i, a)
        json_array_append(names, json_object_get(a, "name"));
    char *text = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    return text;
}

static void test_fold_and_views(void **state)
{
    json_t *doc = folded();
    assert_int_equal(json_integer_value(json_object_get(doc, "notes")), 2);
    json_t *per = json_object_get(doc, "party_notes");
    assert_int_equal(json_integer_value(json_object_get(per, "3")), 2);
    assert_int_equal(json_integer_value(json_object_get(per, "4")), 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(doc, "attachments"), 0), "party")),
                     3);
    assert_null(json_object_get(json_array_get(json_object_get(doc, "attachments"), 1), "party"));

    static const struct {
        int64_t viewer;
        int notes;
        const char *names;
    } views[] = {
        {3, 4, "[\"p3\",\"shared\",\"old\"]"},
        {4, 3, "[\"shared\",\"p4\",\"old\"]"},
        {5, 2, "[\"shared\",\"old\"]"},
        {0, 2, "[\"shared\",\"old\"]"}, /* an export: for no party */
    };
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        json_t *d = json_deep_copy(doc);
        omb_doc_for_party(d, views[i].viewer);
        assert_int_equal(json_integer_value(json_object_get(d, "notes")), views[i].notes);
        assert_null(json_object_get(d, "party_notes"));
        char *names = names_of(d);
        assert_string_equal(names, views[i].names);
        free(names);
        /* The same through the stored text. */
        size_t len = 0, out_len = 0;
        char *text = omb_jsonw_dup(doc, 0, &len), *out = NULL;
        assert_int_equal(omb_doc_text_for_party(text, len, views[i].viewer, &out, &out_len),
                         OMB_OK);
        assert_non_null(out);
        json_t *back = parse(out);
        assert_true(json_equal(back, d));
        json_decref(back);
        free(out);
        free(text);
        json_decref(d);
    }
    json_decref(doc);
}

static void test_views_of_plain_documents(void **state)
{
    /* Nothing party-only: the stored text is shown as it is, not parsed. */
    const char *plain = "{\"attachments\":[{\"name\":\"a\",\"visibility\":\"involved\"}],"
                        "\"description\":\"\\\"visibility\\\":\\\"party\\\"\",\"notes\":1}";
    char *out = (char *)"unset";
    size_t n = 0;
    assert_int_equal(omb_doc_text_for_party(plain, strlen(plain), 3, &out, &n), OMB_OK);
    assert_null(out);
    /* Every file of another party: the document looks like one without files. */
    json_t *doc = parse("{\"notes\":0,\"party_notes\":{\"4\":2},\"attachments\":"
                        "[{\"name\":\"p4\",\"visibility\":\"party\",\"party\":4}]}");
    omb_doc_for_party(doc, 3);
    assert_null(json_object_get(doc, "attachments"));
    assert_null(json_object_get(doc, "party_notes"));
    assert_int_equal(json_integer_value(json_object_get(doc, "notes")), 0);
    json_decref(doc);
    /* A damaged stored text with a mark is an error, never shown as stored. */
    const char *damaged = "{\"party_notes\":{\"4\":2},";
    assert_int_equal(omb_doc_text_for_party(damaged, strlen(damaged), 3, &out, &n), OMB_EIO);
    assert_null(out);
}

/* The scan that tells a document with something party-only from one without
 * (every fetch runs it): the marks are found wherever the fold puts them, and
 * nothing else that holds "party" or "visibility" is taken for one. */
static void test_restricted_marks(void **state)
{
    static const struct {
        const char *text;
        bool restricted;
    } docs[] = {
        {"{\"target_party\":2,\"lead_party\":2,\"parties\":[{\"party\":2,\"role\":\"target\"},"
         "{\"party\":5,\"role\":\"acquirer\"}],\"dispatch\":{\"lead_party\":2},\"notes\":1}",
         false},
        {"{\"parties\":[{\"party\":2}],\"party_notes\":{\"2\":1}}", true},
        {"{\"party_notes\":{\"2\":1},\"parties\":[{\"party\":2}]}", true},
        {"{\"parties\":[{\"party\":2}],\"attachments\":[{\"name\":\"a\",\"party\":2,"
         "\"visibility\":\"party\"}]}",
         true},
        {"{\"attachments\":[{\"visibility\":\"involved\"},{\"visibility\":\"party\"}]}", true},
        /* Look-alikes: other values and keys, and the marks inside a string value. */
        {"{\"visibility\":\"partyish\",\"party_notesx\":1,\"xparty_notes\":1}", false},
        {"{\"claims\":\"\\\"party_notes\\\":\\\"visibility\\\":\\\"party\\\"\"}", false},
        /* Cut short right at a mark's end or just before it. */
        {"\"party_notes\":", true},
        {"\"party_notes\"", false},
        {"\"visibility\":\"party\"", true},
        {"\"visibility\":\"party", false},
        {"\"party\"", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        const char *t = docs[i].text;
        char *out = NULL;
        size_t n = 0;
        int rc = omb_doc_text_for_party(t, strlen(t), 3, &out, &n);
        if (docs[i].restricted)
            /* Parsed and rewritten, or refused when the text is no document. */
            assert_true(out != NULL || rc == OMB_EIO);
        else {
            assert_int_equal(rc, OMB_OK);
            assert_null(out);
        }
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_note_field),
        cmocka_unit_test(test_fold_and_views),
        cmocka_unit_test(test_views_of_plain_documents),
        cmocka_unit_test(test_restricted_marks),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
