/*
 * test_web.c - unit tests for src/core/web.c (the rules of serving the web
 * workbench's files) and src/app/webassets.c (loading them).
 *
 * Paths: dot segments, empty segments, control characters and overlong
 * paths refused; the page's routes told from files.  Content-Type by
 * extension, Cache-Control by place.  Accept-Encoding: gzip taken with a
 * weight above 0, refused with q=0 anywhere, through "*" only when gzip is
 * not named; malformed weights are refusals; bounded.  If-None-Match: "*",
 * lists, W/, malformed headers matching nothing.  Entity tags; a gzip
 * copy's trailer checked against the original.  Loading: dotfiles, FIFOs
 * and .gz files not served, a .gz copy kept only when smaller, the bounds on
 * depth, path length, file count and bytes, and resolve's choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/webassets.h"
#include "core/web.h"

static void test_paths(void **state)
{
    assert_true(omb_web_path_ok("/"));
    assert_true(omb_web_path_ok("/index.html"));
    assert_true(omb_web_path_ok("/assets/app-1a2b.js"));
    assert_true(omb_web_path_ok("/complaints/TS20261207000001"));
    assert_true(omb_web_path_ok("/投诉/列表"));
    assert_true(omb_web_path_ok("/a..b/c.d"));
    const char *bad[] = {"",
                         "index.html",
                         "//",
                         "//index.html",
                         "/assets/",
                         "/assets//app.js",
                         "/.env",
                         "/.git/config",
                         "/assets/.hidden.js",
                         "/..",
                         "/../etc/passwd",
                         "/assets/../index.html",
                         "/./index.html",
                         "/assets/.",
                         "/a\\b",
                         "/a\tb",
                         "/a\x7f",
                         "/a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(omb_web_path_ok(bad[i]));
    char longest[OMB_WEB_PATH_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[0] = '/';
    longest[OMB_WEB_PATH_MAX] = '\0';
    assert_true(omb_web_path_ok(longest));
    longest[OMB_WEB_PATH_MAX] = 'a';
    longest[OMB_WEB_PATH_MAX + 1] = '\0';
    assert_false(omb_web_path_ok(longest));

    assert_true(omb_web_is_page_route("/"));
    assert_true(omb_web_is_page_route("/queue"));
    assert_true(omb_web_is_page_route("/complaints/TS1"));
    assert_true(omb_web_is_page_route("/v1.0/x"));
    assert_false(omb_web_is_page_route("/index.html"));
    assert_false(omb_web_is_page_route("/assets/app.js"));
    assert_false(omb_web_is_page_route("/favicon.ico"));
}

static void test_types_and_caching(void **state)
{
    static const struct {
        const char *name, *type;
    } cases[] = {
        {"/index.html", "text/html; charset=utf-8"},
        {"/assets/a.js", "text/javascript; charset=utf-8"},
        {"/assets/a.mjs", "text/javascript; charset=utf-8"},
        {"/assets/a.CSS", "text/css; charset=utf-8"},
        {"/logo.svg", "image/svg+xml"},
        {"/a.png", "image/png"},
        {"/favicon.ico", "image/x-icon"},
        {"/f.woff2", "font/woff2"},
        {"/f.woff", "font/woff"},
        {"/f.ttf", "font/ttf"},
        {"/a.json", "application/json"},
        {"/a.js.map", "application/json"},
        {"/robots.txt", "text/plain; charset=utf-8"},
        {"/site.webmanifest", "application/manifest+json"},
        {"/a.exe", "application/octet-stream"},
        {"/README", "application/octet-stream"},
        {"/a.d/README", "application/octet-stream"},
        {"/a.", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(omb_web_content_type(cases[i].name), cases[i].type);
    assert_string_equal(omb_web_cache_control("/assets/app-1a2b.js"),
                        "public, max-age=31536000, immutable");
    assert_string_equal(omb_web_cache_control("/index.html"), "no-cache");
    assert_string_equal(omb_web_cache_control("/assets"), "no-cache");
    assert_string_equal(omb_web_cache_control("/img/assets/x.png"), "no-cache");
}

static void test_accept_encoding(void **state)
{
    const char *yes[] = {"gzip",
                         "GZIP",
                         "x-gzip",
                         "gzip, deflate, br",
                         "br;q=1.0, gzip;q=0.8, *;q=0.1",
                         "*",
                         "deflate, *;q=0.5",
                         " gzip ; q=0.001 ",
                         "gzip;Q=1",
                         "gzip;q=1.",
                         "identity, gzip;q=1.000",
                         ",,gzip,,",
                         "gzip;q=0.5, *;q=0",
                         "b@d, gzip"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(omb_web_accepts_gzip(yes[i]));
    const char *no[] = {"",
                        "identity",
                        "br",
                        "gzip;q=0",
                        "gzip;q=0.0",
                        "gzip;q=0.000",
                        "*;q=0",
                        "*, gzip;q=0",
                        "gzip;q=0, *",
                        "gzip, gzip;q=0",
                        "gzip;q=2",
                        "gzip;q=1.5",
                        "gzip;q=0.1234",
                        "gzip;q=",
                        "gzip;q=-1",
                        "gzip;q=0.5x",
                        "gzip;level=9",
                        "gzip q=1",
                        "gzip;q=0.5;x=1",
                        "gzipx",
                        "xgzip",
                        "g zip",
                        "gzip\"",
                        "**"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(omb_web_accepts_gzip(no[i]));
    assert_false(omb_web_accepts_gzip(NULL));
    /* a header past the bound is not read */
    char big[OMB_WEB_HEADER_MAX + 8];
    memset(big, ' ', sizeof big);
    memcpy(big, "gzip", 4);
    big[OMB_WEB_HEADER_MAX] = '\0';
    assert_true(omb_web_accepts_gzip(big));
    big[OMB_WEB_HEADER_MAX] = ' ';
    big[OMB_WEB_HEADER_MAX + 1] = '\0';
    assert_false(omb_web_accepts_gzip(big));
}

static void test_if_none_match(void **state)
{
    const char *tag = "\"0123abcd\"";
    const char *yes[] = {"\"0123abcd\"",   "W/\"0123abcd\"",      "*",
                         "  *  ",          "\"x\", \"0123abcd\"", "\"0123abcd\",\"x\"",
                         " \"0123abcd\" ", ",\"0123abcd\",",      "W/\"x\" , W/\"0123abcd\""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(omb_web_etag_matches(yes[i], tag));
    const char *no[] = {"",
                        "\"0123abc\"",
                        "\"0123abcd",
                        "0123abcd",
                        "w/\"0123abcd\"",
                        "\"x\"",
                        "*, \"x\"",
                        "\"0123abcd\" junk",
                        "\"0123abcd\"\"x\"",
                        "\"0123abcd\", bad",
                        "\"0123 abcd\"",
                        "W/",
                        ","};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(omb_web_etag_matches(no[i], tag));
    assert_false(omb_web_etag_matches(NULL, tag));
}

static void test_etag_and_gzip(void **state)
{
    char tag[OMB_WEB_ETAG_LEN];
    omb_web_etag("abc", 3, tag);
    /* SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223... */
    assert_string_equal(tag, "\"ba7816bf8f01cfea414140de5dae2223\"");
    /* gzip.compress(b"hello\n", 9, mtime=0) */
    static const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
                                 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
    const uint8_t *hello = (const uint8_t *)"hello\n";
    assert_true(omb_web_gzip_of(gz, sizeof gz, hello, 6));
    assert_false(omb_web_gzip_of(gz, sizeof gz, (const uint8_t *)"hellO\n", 6));
    assert_false(omb_web_gzip_of(gz, sizeof gz, hello, 5));
    assert_false(omb_web_gzip_of(gz, 19, hello, 6));
    uint8_t bad[sizeof gz];
    memcpy(bad, gz, sizeof gz);
    bad[1] = 0x8c;
    assert_false(omb_web_gzip_of(bad, sizeof bad, hello, 6));
}

/* ---- loading ---------------------------------------------------------------------- */

static char dir[64];

static void put(const char *rel, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    return remove(path);
}

static int fresh_dir(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/omb-web-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int drop_dir(void **state)
{
    return nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static int load(omb_webassets **w, omb_err *err)
{
    omb_err_clear(err);
    return omb_webassets_load(dir, w, err);
}

static void test_load_and_resolve(void **state)
{
    static const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
                                 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
    char js[4096];
    memset(js, 'x', sizeof js);
    put("index.html", "<p>", 3);
    put("assets/a.js", js, sizeof js);
    put("hello.txt", "hello\n", 6);
    put("hello.txt.gz", gz, sizeof gz); /* larger than hello.txt: not kept */
    put(".env", "x", 1);
    put(".git/HEAD", "x", 1);
    put("orphan.js.gz", gz, sizeof gz);
    char fifo[128];
    snprintf(fifo, sizeof fifo, "%s/pipe.js", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0); /* neither served nor waited on */
    omb_webassets *w;
    omb_err err;
    assert_int_equal(load(&w, &err), OMB_OK);
    assert_int_equal(w->n, 3);
    assert_string_equal(w->items[0].path, "/assets/a.js");
    assert_string_equal(w->items[1].path, "/hello.txt");
    assert_string_equal(w->items[2].path, "/index.html");
    assert_ptr_equal(w->index, &w->items[2]);
    assert_null(w->items[1].gz);
    assert_int_equal(w->bytes, 3 + sizeof js + 6);
    assert_ptr_equal(omb_webassets_resolve(w, "/"), w->index);
    assert_ptr_equal(omb_webassets_resolve(w, "/queue"), w->index);
    assert_ptr_equal(omb_webassets_resolve(w, "/assets/a.js"), &w->items[0]);
    assert_null(omb_webassets_resolve(w, "/assets/b.js"));
    assert_null(omb_webassets_resolve(w, "/orphan.js.gz"));
    assert_null(omb_webassets_resolve(w, "/orphan.js"));
    assert_null(omb_webassets_resolve(w, "/.env"));
    assert_null(omb_webassets_resolve(w, "/.git"));
    assert_null(omb_webassets_resolve(w, "/assets/../index.html"));
    assert_string_equal(w->items[0].cache_control, "public, max-age=31536000, immutable");
    assert_string_equal(w->items[0].content_type, "text/javascript; charset=utf-8");
    omb_webassets_free(w);
}

static void test_load_refusals(void **state)
{
    omb_webassets *w;
    omb_err err;
    assert_int_equal(load(&w, &err), OMB_EIO);
    assert_non_null(strstr(err.message, "no index.html"));
    assert_string_equal(err.field, "web_root");
    assert_null(w);
    put("index.html", "<p>", 3);
    /* a path longer than OMB_WEB_PATH_MAX */
    char rel[300];
    memset(rel, 'a', sizeof rel);
    rel[0] = 'd';
    rel[1] = '/';
    snprintf(rel + 250, sizeof rel - 250, "/x.js");
    put(rel, "1", 1);
    assert_int_not_equal(load(&w, &err), OMB_OK);
    assert_non_null(strstr(err.message, "longer than 255 bytes"));
    char path[512];
    snprintf(path, sizeof path, "%s/d", dir);
    nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    assert_int_equal(load(&w, &err), OMB_OK);
    omb_webassets_free(w);
    /* directories nested too deep */
    char deep[128];
    size_t n = 0;
    for (int i = 0; i <= OMB_WEB_DEPTH_MAX; i++, n += 2)
        memcpy(deep + n, "d/", 2);
    memcpy(deep + n, "x.js", 5);
    put(deep, "1", 1);
    assert_int_not_equal(load(&w, &err), OMB_OK);
    assert_non_null(strstr(err.message, "nested more than"));
    snprintf(path, sizeof path, "%s/d", dir);
    nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    /* more bytes than the bound: a sparse file is refused before it is read */
    snprintf(path, sizeof path, "%s/big.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)OMB_WEB_BYTES_MAX), 0);
    close(fd);
    assert_int_not_equal(load(&w, &err), OMB_OK);
    assert_non_null(strstr(err.message, "more than 64 MiB"));
    unlink(path);
    /* a stale gzip copy */
    put("index.html.gz", "\x1f\x8b\x08", 3);
    assert_int_not_equal(load(&w, &err), OMB_OK);
    assert_non_null(strstr(err.message, "is not the gzip of"));
}

static void test_load_file_count(void **state)
{
    put("index.html", "<p>", 3);
    for (int i = 0; i < OMB_WEB_FILES_MAX; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "f/%d.js", i);
        put(rel, "1", 1);
    }
    omb_webassets *w;
    omb_err err;
    assert_int_not_equal(load(&w, &err), OMB_OK);
    assert_non_null(strstr(err.message, "more than 4096 files"));
    char rel[128];
    snprintf(rel, sizeof rel, "%s/f/0.js", dir);
    unlink(rel);
    assert_int_equal(load(&w, &err), OMB_OK);
    assert_int_equal(w->n, OMB_WEB_FILES_MAX);
    omb_webassets_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_types_and_caching),
        cmocka_unit_test(test_accept_encoding),
        cmocka_unit_test(test_if_none_match),
        cmocka_unit_test(test_etag_and_gzip),
        cmocka_unit_test_setup_teardown(test_load_and_resolve, fresh_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_load_refusals, fresh_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_load_file_count, fresh_dir, drop_dir),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
