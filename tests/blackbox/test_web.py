"""
test_web.py - the web workbench served by ombud itself (web_root): index.html
at / and at every route of the page (a path without an extension), the built
files with their Content-Type, caching (immutable under /assets/, no-cache
elsewhere), entity tags and 304, the build's gzip copy exactly when
Accept-Encoding takes gzip, HEAD, the headers of a page (the strict
Content-Security-Policy and its companions) on every file; the API unchanged
under /v1; a JSON 404 for a file that is not there, a JSON 405 for another
method; dotfiles, .gz files and paths with dot segments never served; start-up
refused with a clear message for a web_root that cannot be served; and
without web_root, / is the API's index as before.
"""

import gzip
import os
import shutil
import tempfile

import openapi_check as oc
from harness import Server, check, check_error, check_ok, eq

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
IMMUTABLE = "public, max-age=31536000, immutable"
JS = "text/javascript; charset=utf-8"
INDEX = b"<!doctype html><html lang=\"zh-CN\"><head><title>ombud</title>" \
        b"<script type=\"module\" src=\"/assets/app-abc123.js\"></script></head>" \
        b"<body><div id=\"app\"></div></body></html>\n"
APP_JS = b"export const greeting = '\xe4\xbd\xa0\xe5\xa5\xbd';\n" * 400
APP = "/assets/app-abc123.js"


def _write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _gzip(data):
    # as `gzip -k -9 -n` writes it: no name, no time
    return gzip.compress(data, compresslevel=9, mtime=0)


def _build(root):
    """A built front end: index.html, a hashed script with its .gz, a style sheet,
    nested files, a dotfile and a dot-directory."""
    _write(root, "index.html", INDEX)
    _write(root, "index.html.gz", _gzip(INDEX))
    _write(root, "assets/app-abc123.js", APP_JS)
    _write(root, "assets/app-abc123.js.gz", _gzip(APP_JS))
    _write(root, "assets/app-abc123.css", b"body{margin:0}\n")
    _write(root, "img/icons/logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n")
    _write(root, "favicon.ico", b"\x00\x00\x01\x00")
    _write(root, "fonts/x.woff2", b"wOF2....")
    _write(root, "lonely.txt.gz", _gzip(b"no sibling"))
    _write(root, ".env", b"SECRET=1\n")
    _write(root, ".git/config", b"[core]\n")
    _write(root, "assets/.hidden.js", b"alert(1)\n")


def setup(ctx):
    ctx.tmp = tempfile.mkdtemp(prefix="omb-bb-webroot-")
    ctx.root = os.path.join(ctx.tmp, "web")
    _build(ctx.root)
    ctx.s = ctx.server(name="web", settings={"web_root": ctx.root})


def teardown(ctx):
    shutil.rmtree(ctx.tmp, ignore_errors=True)


def _page_headers(r, what):
    eq(r.headers.get("content-security-policy"), CSP, "%s: Content-Security-Policy" % what)
    eq(r.headers.get("x-content-type-options"), "nosniff", "%s: nosniff" % what)
    eq(r.headers.get("referrer-policy"), "same-origin", "%s: Referrer-Policy" % what)
    eq(r.headers.get("x-frame-options"), "DENY", "%s: X-Frame-Options" % what)
    check(r.headers.get("x-request-id"), "%s: X-Request-Id" % what)
    check(r.headers.get("etag", "").startswith('"'), "%s: a strong ETag %r" % (
        what, r.headers.get("etag")))
    names = [n.lower() for n, _ in r.header_list]
    for name in ("content-security-policy", "x-content-type-options", "cache-control", "etag"):
        eq(names.count(name), 1, "%s: %s sent once" % (what, name))


def _get(ctx, path, encoding=None, **kw):
    headers = dict(kw.pop("headers", {}))
    if encoding is not None:
        headers["Accept-Encoding"] = encoding
    return ctx.s.http(kw.pop("method", "GET"), path, headers=headers, **kw)


def _is_index(r, what):
    eq(r.status, 200, "%s: status (%r)" % (what, r))
    eq(r.headers.get("content-type"), "text/html; charset=utf-8", "%s: Content-Type" % what)
    eq(r.raw, INDEX, "%s: the body is index.html" % what)
    eq(r.headers.get("cache-control"), "no-cache", "%s: Cache-Control" % what)
    _page_headers(r, what)


# ---- pages ------------------------------------------------------------------------------------


def test_root_is_index_html(ctx):
    _is_index(_get(ctx, "/"), "GET /")
    _is_index(_get(ctx, "/index.html"), "GET /index.html")


def test_routes_of_the_page_get_index_html(ctx):
    for path in ("/queue", "/complaints/TS20261207000001", "/complaints/TS1",
                 "/admin/users/12/edit", "/queue?view=mine&sort=due", "/v1x", "/v2/anything"):
        _is_index(_get(ctx, path), "GET %s" % path)


def test_index_html_gzip_when_accepted(ctx):
    r = _get(ctx, "/queue", "gzip, deflate, br")
    eq(r.headers.get("content-encoding"), "gzip", "index.html gzipped")
    eq(gzip.decompress(r.raw), INDEX, "the gzip copy of index.html")
    eq(r.headers.get("vary"), "Accept-Encoding", "Vary")


# ---- files ------------------------------------------------------------------------------------


def test_asset_identity(ctx):
    for enc in (None, "identity", "gzip;q=0", "GZIP;Q=0.000", "br", "*;q=0",
                "*, gzip;q=0", "gzip;q=0, *", "gzip;q=2", "gzip;q=0.5x", "gzip;level=9",
                "gzip; q=0, gzip"):
        r = _get(ctx, APP, enc)
        what = "GET %s with Accept-Encoding %r" % (APP, enc)
        eq(r.status, 200, what)
        eq(r.raw, APP_JS, "%s: the bytes as built" % what)
        check("content-encoding" not in r.headers, "%s: Content-Encoding %r" % (
            what, r.headers.get("content-encoding")))
        eq(r.headers.get("content-type"), JS, "%s: Content-Type" % what)
        eq(r.headers.get("cache-control"), IMMUTABLE, "%s: Cache-Control" % what)
        eq(r.headers.get("vary"), "Accept-Encoding", "%s: Vary" % what)
        _page_headers(r, what)


def test_asset_gzip(ctx):
    plain = _get(ctx, APP)
    for enc in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1", "x-gzip",
                "GZip;Q=1", "*", "deflate, *;q=0.5", " gzip ; q=0.001 ", "identity, gzip;q=1.000"):
        r = _get(ctx, APP, enc)
        what = "GET %s with Accept-Encoding %r" % (APP, enc)
        eq(r.status, 200, what)
        eq(r.headers.get("content-encoding"), "gzip", "%s: Content-Encoding" % what)
        eq(gzip.decompress(r.raw), APP_JS, "%s: the gzip copy" % what)
        check(len(r.raw) < len(APP_JS), "%s: smaller" % what)
        eq(r.headers.get("content-type"), JS, "%s: Content-Type of what is inside" % what)
        eq(r.headers.get("vary"), "Accept-Encoding", "%s: Vary" % what)
        check(r.headers["etag"] != plain.headers["etag"],
              "%s: the gzip copy has an ETag of its own" % what)
        _page_headers(r, what)


def test_content_types_and_caching(ctx):
    cases = [("/assets/app-abc123.css", "text/css; charset=utf-8", IMMUTABLE),
             ("/img/icons/logo.svg", "image/svg+xml", "no-cache"),
             ("/favicon.ico", "image/x-icon", "no-cache"),
             ("/fonts/x.woff2", "font/woff2", "no-cache")]
    for path, ctype, cache in cases:
        r = _get(ctx, path, "gzip")
        eq(r.status, 200, "GET %s" % path)
        eq(r.headers.get("content-type"), ctype, "GET %s: Content-Type" % path)
        eq(r.headers.get("cache-control"), cache, "GET %s: Cache-Control" % path)
        check("content-encoding" not in r.headers and "vary" not in r.headers,
              "GET %s: no gzip copy, no Vary" % path)
        _page_headers(r, "GET %s" % path)


def test_head(ctx):
    for path, enc, length in (("/", None, len(INDEX)), (APP, None, len(APP_JS)),
                              ("/queue", None, len(INDEX)),
                              (APP, "gzip", len(_get(ctx, APP, "gzip").raw))):
        get = _get(ctx, path, enc)
        r = _get(ctx, path, enc, method="HEAD")
        what = "HEAD %s (%r)" % (path, enc)
        eq(r.status, 200, what)
        eq(r.raw, b"", "%s: no body" % what)
        eq(r.headers.get("content-length"), str(length), "%s: Content-Length" % what)
        for name in ("content-type", "etag", "cache-control", "content-encoding"):
            eq(r.headers.get(name), get.headers.get(name), "%s: %s as GET" % (what, name))
        _page_headers(r, what)


def test_etag_gives_304(ctx):
    for path, enc in (("/", None), (APP, None), (APP, "gzip"), ("/complaints/TS1", None)):
        first = _get(ctx, path, enc)
        tag = first.headers["etag"]
        for inm in (tag, "W/" + tag, '"other", ' + tag, "*", ' %s ,"x"' % tag):
            r = _get(ctx, path, enc, headers={"If-None-Match": inm})
            what = "GET %s (%r) If-None-Match %r" % (path, enc, inm)
            eq(r.status, 304, what)
            eq(r.raw, b"", "%s: no body" % what)
            eq(r.headers.get("etag"), tag, "%s: ETag" % what)
            eq(r.headers.get("cache-control"), first.headers["cache-control"],
               "%s: Cache-Control" % what)
            _page_headers(r, what)
        for inm in ('"other"', tag[:-2] + '"', tag + " junk", tag.strip('"'), ""):
            r = _get(ctx, path, enc, headers={"If-None-Match": inm})
            eq(r.status, 200, "GET %s If-None-Match %r" % (path, inm))
    # the tag of one representation does not stand for the other
    plain = _get(ctx, APP).headers["etag"]
    eq(_get(ctx, APP, "gzip", headers={"If-None-Match": plain}).status, 200,
       "the identity tag with gzip accepted")
    r = _get(ctx, APP, method="HEAD", headers={"If-None-Match": plain})
    eq(r.status, 304, "HEAD with If-None-Match")


# ---- what is not served -------------------------------------------------------------------------


def test_api_unchanged(ctx):
    s = ctx.s
    index = check_ok(s.http("GET", "/v1/"), 200, "GET /v1/")
    eq(index["name"], "ombud", "the API index")
    eq(check_ok(s.http("GET", "/v1"), 200, "GET /v1"), index, "GET /v1")
    check("content-security-policy" not in s.http("GET", "/v1/").headers, "no page headers")
    check_error(s.http("GET", "/v1/no/such/endpoint"), 404, "no_route")
    check_error(s.http("GET", "/v1/queue"), 404, "no_route")
    eq(s.http("HEAD", "/v1/").status, 405, "HEAD /v1/")
    check_error(s.http("GET", "/v1/me"), 401, "missing_token")
    eq(check_ok(s.http("GET", "/v1/health"), 200, "health")["status"], "ok", "health")


def test_missing_files_are_json_404(ctx):
    for path in ("/assets/nope.js", "/nope.png", "/img/icons/nope.svg", "/index.htm",
                 "/assets/app-abc123.js.gz", "/index.html.gz", "/lonely.txt.gz", "/lonely.txt",
                 "/assets/app-abc123.js/", "//index.html", "/queue/"):
        check_error(_get(ctx, path), 404, "no_route", what="GET %s" % path)
        check_error(_get(ctx, path, method="POST"), 404, "no_route", what="POST %s" % path)


def test_other_methods_are_json_405(ctx):
    for method, path in (("POST", "/"), ("POST", "/queue"), ("PUT", APP), ("DELETE", "/"),
                         ("PATCH", "/index.html"), ("OPTIONS", "/complaints/TS1")):
        check_error(ctx.s.http(method, path, body={"x": 1}), 405, "method_not_allowed",
                    what="%s %s" % (method, path))


def test_dotfiles_are_not_served(ctx):
    for path in ("/.env", "/.git/config", "/assets/.hidden.js", "/.git", "/.well-known/x"):
        check_error(_get(ctx, path), 404, "no_route", what="GET %s" % path)


def test_traversal_is_refused(ctx):
    for path in ("/assets/../index.html", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/assets/..%2f..%2fetc%2fpasswd", "/assets/%2e%2e/index.html",
                 "/./index.html", "/assets/..", "/assets/..\\index.html",
                 "/%2E%2E%2Fweb%2Findex.html", "/x/../../../" + ctx.root.lstrip("/") + "/.env"):
        check_error(_get(ctx, path), 404, "no_route", what="GET %s" % path)


def test_the_openapi_check_knows_the_workbench(ctx):
    r = _get(ctx, APP)
    headers = dict(r.headers)
    eq(oc.check_response("GET", APP, 200, headers, r.raw), [], "a file as served")
    del headers["etag"]
    errs = oc.check_response("GET", APP, 200, headers, r.raw)
    check(any("without etag" in e for e in errs), "a file without ETag: %r" % errs)
    errs = oc.check_response("GET", "/v1/nowhere", 200, dict(r.headers), r.raw)
    check(errs, "a page under /v1 is not the workbench's")


# ---- start-up -------------------------------------------------------------------------------------


def _refused(ctx, root, needle, what):
    s = ctx.server(name="webbad", settings={"web_root": root}, start=False)
    p = s.run_cli("--listen", "127.0.0.1:0", "serve", check_rc=False, timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    eq(p.returncode, 1, "%s: exit code (%s)" % (what, err[-300:]))
    check(b"listening" not in p.stdout, "%s: served" % what)
    check(needle in err and "web_root" in err, "%s: the message %r" % (what, err[-400:]))


def test_start_refused_without_index_html(ctx):
    root = os.path.join(ctx.tmp, "noindex")
    _write(root, "assets/app.js", b"1\n")
    _refused(ctx, root, "no index.html", "no index.html")
    _refused(ctx, os.path.join(ctx.tmp, "missing"), "cannot read", "a missing web_root")
    _refused(ctx, os.path.join(ctx.root, "favicon.ico"), "is not a directory", "a file")


def test_start_refused_for_links_out_and_stale_gzip(ctx):
    out = os.path.join(ctx.tmp, "linkout")
    _build(out)
    os.symlink("/etc/hostname", os.path.join(out, "assets", "host.txt"))
    _refused(ctx, out, "leads out of", "a symbolic link out of the root")
    inside = os.path.join(ctx.tmp, "linkin")
    _build(inside)
    os.symlink(os.path.join(inside, "index.html"), os.path.join(inside, "start.html"))
    s = ctx.server(name="weblink", settings={"web_root": inside})
    eq(s.http("GET", "/start.html").raw, INDEX, "a link inside the root is followed")
    s.stop()
    stale = os.path.join(ctx.tmp, "stale")
    _build(stale)
    _write(stale, "assets/app-abc123.js.gz", _gzip(APP_JS + b"// older\n"))
    _refused(ctx, stale, "is not the gzip of", "a stale .gz")


def test_without_web_root_root_is_the_api_index(ctx):
    s = Server(ctx.ombud, name="noweb")
    ctx.servers.append(s)
    s.init().start()
    index = check_ok(s.http("GET", "/v1/"), 200, "GET /v1/")
    eq(check_ok(s.http("GET", "/"), 200, "GET /"), index, "GET / is the index")
    check_error(s.http("GET", "/queue"), 404, "no_route")
    check_error(s.http("GET", "/index.html"), 404, "no_route")
    eq(s.http("HEAD", "/").status, 405, "HEAD /")
    check_error(s.http("POST", "/", body={}), 405, "method_not_allowed")
    check_error(s.http("GET", "/?x=1"), 400, "unknown_parameter")
    s.stop()
