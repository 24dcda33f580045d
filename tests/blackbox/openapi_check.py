"""
openapi_check.py - checks HTTP responses against docs/openapi.yaml (OpenAPI 3.0).

harness.http() and harness.raw_exchange() hand every response they read to
check_response(); a response that the document does not describe makes the
test that caused it fail.  What is checked:

  - the operation: (method, concrete path) matched to a path template (literal
    segments win over parameters); a path no template matches, or a method its
    template lacks, may only get one of the generic error answers that every
    route can give (GENERIC_ERRORS: 400, 404, 405, 413 with the Error schema);
  - the status: documented for the operation, or `default`, or generic;
  - the Content-Type: one of the documented media types (wildcards allowed);
    a response documented without content must have no body;
  - the headers the response documents as `required: true` are present;
  - a file of the web workbench (docs/api.md, "The web workbench"): a GET or
    HEAD of a path outside /v1 answered 200 or 304 with a Content-Security-Policy
    is not in the document; it must carry the headers of a page (WEB_HEADERS);
  - JSON bodies against the schema: $ref, type, nullable, properties,
    required, additionalProperties (absent = allowed; false or a schema),
    items, enum, oneOf/anyOf/allOf, format date-time, minimum/maximum,
    minLength/maxLength (code points), pattern, minItems/maxItems.

Violations name the place in the body ($.items[3].clocks[0].state) and in the
document (#/components/schemas/Clock/properties/state).  The document is read
once (python3-yaml); path lookups and compiled patterns are cached.
Known limitation of libmicrohttpd (see the document's description): its own
protocol errors are short HTML pages without Content-Type; they are skipped.
"""

import datetime
import functools
import json
import os
import re
import sys
import threading

try:
    import yaml
except ImportError:  # a python3 of its own (pyenv, venv): use Debian's python3-yaml
    sys.path.append("/usr/lib/python3/dist-packages")
    import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(HERE)), "docs", "openapi.yaml")

# Answers every route may give (the document's description says so once, not under
# each operation): before routing, unknown path or method, body too large, a transfer
# coding other than chunked (501).
GENERIC_ERRORS = {400, 404, 405, 413, 501}
# Statuses that libmicrohttpd answers itself with an HTML page and no Content-Type.
LIBRARY_STATUSES = {400, 413, 414, 431, 501, 505}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class Spec:
    """The loaded document with its compiled path templates."""

    def __init__(self, doc):
        self.doc = doc
        self.templates = []  # (literal segments count desc, regex, template)
        for tpl in doc.get("paths", {}):
            parts = tpl.strip("/").split("/")
            rx = "^/" + "/".join("[^/]+" if p.startswith("{") else re.escape(p)
                                 for p in parts)
            rx += "/$" if tpl.endswith("/") and tpl != "/" else "$"
            literals = sum(1 for p in parts if not p.startswith("{"))
            self.templates.append((len(parts), literals, re.compile(rx), tpl))
        self.templates.sort(key=lambda t: (-t[1], t[3]))
        self._lock = threading.Lock()
        self._patterns = {}

    def resolve(self, node, where):
        """Follows $ref chains; returns (node, location)."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("%s: only local $ref supported: %s" % (where, ref))
            target = self.doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node, where = target, ref
            seen += 1
            if seen > 50:
                raise ValueError("%s: $ref loop" % where)
        return node, where

    def pattern(self, text):
        rx = self._patterns.get(text)
        if rx is None:
            rx = re.compile(text)
            with self._lock:
                self._patterns[text] = rx
        return rx

    @functools.lru_cache(maxsize=4096)
    def template_of(self, path):
        for _, _, rx, tpl in self.templates:
            if rx.match(path):
                return tpl
        return None


@functools.lru_cache(maxsize=1)
def spec():
    with open(SPEC_PATH, "rb") as f:
        return Spec(yaml.safe_load(f))


def load_spec(doc):
    """A Spec of a document given as a dict (for the validator's own tests)."""
    return Spec(doc)


# ---- schema validation ----------------------------------------------------------------


def _type_ok(value, want):
    if want == "object":
        return isinstance(value, dict)
    if want == "array":
        return isinstance(value, list)
    if want == "string":
        return isinstance(value, str)
    if want == "boolean":
        return isinstance(value, bool)
    if want == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if want == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _short(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def validate(sp, value, schema, path="$", where="#"):
    """The violations of value against schema: a list of strings (empty when valid)."""
    schema, where = sp.resolve(schema, where)
    if not isinstance(schema, dict) or not schema:
        return []
    errs = []
    if value is None:
        if schema.get("nullable") or _only_nullable_branches(sp, schema, where):
            return []
        if "type" in schema or "properties" in schema or "enum" in schema:
            return ["%s: null is not allowed (%s)" % (path, where)]
    for key in ("allOf",):
        for i, sub in enumerate(schema.get(key, [])):
            errs += validate(sp, value, sub, path, "%s/allOf/%d" % (where, i))
    for key in ("oneOf", "anyOf"):
        if key not in schema:
            continue
        results = [validate(sp, value, sub, path, "%s/%s/%d" % (where, key, i))
                   for i, sub in enumerate(schema[key])]
        ok = sum(1 for r in results if not r)
        if key == "oneOf" and ok != 1:
            detail = "; ".join(r[0] for r in results if r)[:600]
            errs.append("%s: matches %d of the oneOf branches, want exactly 1 (%s)%s" % (
                path, ok, where, (": " + detail) if ok == 0 else ""))
        elif key == "anyOf" and ok == 0:
            detail = "; ".join(r[0] for r in results if r)[:600]
            errs.append("%s: matches none of the anyOf branches (%s): %s" % (path, where, detail))
    if value is None:
        return errs
    want = schema.get("type")
    if want and not _type_ok(value, want):
        return errs + ["%s: %s %s, want %s (%s/type)" % (path, _kind(value), _short(value), want,
                                                         where)]
    if "enum" in schema and value not in schema["enum"]:
        errs.append("%s: %s is not one of %s (%s/enum)" % (path, _short(value),
                                                           _short(schema["enum"]), where))
    if isinstance(value, str):
        n = len(value)
        if "minLength" in schema and n < schema["minLength"]:
            errs.append("%s: %d characters, fewer than minLength %d (%s)" % (
                path, n, schema["minLength"], where))
        if "maxLength" in schema and n > schema["maxLength"]:
            errs.append("%s: %d characters, more than maxLength %d (%s)" % (
                path, n, schema["maxLength"], where))
        if "pattern" in schema and not sp.pattern(schema["pattern"]).search(value):
            errs.append("%s: %s does not match pattern %s (%s)" % (
                path, _short(value), schema["pattern"], where))
        if schema.get("format") == "date-time" and not _is_datetime(value):
            errs.append("%s: %s is not an RFC 3339 date-time (%s/format)" % (
                path, _short(value), where))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema:
            lo = schema["minimum"]
            if value < lo or (schema.get("exclusiveMinimum") and value == lo):
                errs.append("%s: %r below minimum %r (%s)" % (path, value, lo, where))
        if "maximum" in schema:
            hi = schema["maximum"]
            if value > hi or (schema.get("exclusiveMaximum") and value == hi):
                errs.append("%s: %r above maximum %r (%s)" % (path, value, hi, where))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errs.append("%s: %d items, fewer than minItems %d (%s)" % (
                path, len(value), schema["minItems"], where))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errs.append("%s: %d items, more than maxItems %d (%s)" % (
                path, len(value), schema["maxItems"], where))
        if "items" in schema:
            for i, item in enumerate(value):
                errs += validate(sp, item, schema["items"], "%s[%d]" % (path, i),
                                 where + "/items")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errs.append("%s: required property %r missing (%s/required)" % (path, name,
                                                                               where))
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            sub = "%s.%s" % (path, name) if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name) \
                else "%s[%s]" % (path, json.dumps(name, ensure_ascii=False))
            if name in props:
                errs += validate(sp, item, props[name], sub, "%s/properties/%s" % (where, name))
            elif extra is False:
                errs.append("%s: property %r is not allowed (%s: additionalProperties false)" % (
                    path, name, where))
            elif isinstance(extra, dict):
                errs += validate(sp, item, extra, sub, where + "/additionalProperties")
    return errs


def _only_nullable_branches(sp, schema, where):
    """A schema that is only an allOf/oneOf/anyOf of a nullable schema accepts null."""
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            node, _ = sp.resolve(sub, where)
            if isinstance(node, dict) and node.get("nullable"):
                return True
    return False


def _is_datetime(text):
    if not _RFC3339.match(text):
        return False
    try:
        datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


# ---- responses ------------------------------------------------------------------------


def _media_matches(ctype, documented):
    ctype = ctype.split(";")[0].strip().lower()
    for media in documented:
        media = media.lower()
        if media == "*/*" or media == ctype:
            return media
        if media.endswith("/*") and ctype.startswith(media[:-1]):
            return media
    return None


def _error_only(sp, status, headers, raw, body, label):
    """A generic error answer: the Error schema, JSON (without a body for HEAD)."""
    ctype = headers.get("content-type", "")
    if not ctype.startswith("application/json"):
        return ["%s: status %d with Content-Type %r, want application/json (the generic error)"
                % (label, status, ctype)]
    if body is None and not raw and label.startswith("HEAD "):
        return []
    if body is None:
        return ["%s: status %d: the body is not JSON: %r" % (label, status, raw[:120])]
    return ["%s: %s" % (label, e) for e in validate(sp, body, {"$ref": "#/components/schemas/Error"})]


# The headers every file of the web workbench carries (src/http/routes_static.c).
WEB_HEADERS = ("content-security-policy", "referrer-policy", "x-frame-options",
               "x-content-type-options", "x-request-id", "etag", "cache-control")


def _is_api_path(path):
    return path == "/v1" or path.startswith("/v1/")


def _web_file(method, path, status, headers, label):
    """The violations of an answer of the web workbench, or None when it is not one."""
    if (method.upper() not in ("GET", "HEAD") or _is_api_path(path) or status not in (200, 304)
            or "content-security-policy" not in headers):
        return None
    errs = ["%s: a file of the web workbench without %s" % (label, h)
            for h in WEB_HEADERS if h not in headers]
    if status == 200 and not headers.get("content-type"):
        errs.append("%s: a file of the web workbench without Content-Type" % label)
    return errs


# What an nginx front (docs/nginx/ombud.conf) answers itself, with the Error schema, on any
# route: docs/api.md, "Errors the front answers".
FRONT_STATUSES = {400, 408, 413, 414, 431, 500, 501, 502, 503, 504, 505}


def check_response(method, target, status, headers, raw, body=None, sp=None, front=False):
    """The violations of one response (a list of strings, empty when it is as documented).

    method, target: of the request (target with or without its query); headers: lower-case
    name -> value; raw: the body bytes; body: the parsed JSON or None; front: the request
    went through the nginx front, whose own errors any route may answer."""
    sp = sp or spec()
    path = target.split("?", 1)[0].split("#", 1)[0]
    label = "%s %s -> %d" % (method, path[:120], status)
    ctype = headers.get("content-type", "")
    if status in LIBRARY_STATUSES and not ctype and "x-request-id" not in headers:
        return []  # libmicrohttpd's own answer (documented limitation)
    if body is None and ctype.startswith("application/json") and raw:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return ["%s: Content-Type application/json but the body is not JSON: %r" % (
                label, raw[:120])]
    web = _web_file(method, path, status, headers, label)
    if web is not None:
        return web
    tpl = sp.template_of(path)
    item = sp.doc["paths"].get(tpl) if tpl else None
    op = item.get(method.lower()) if item else None
    if op is None:
        if status in GENERIC_ERRORS or (front and status in FRONT_STATUSES):
            return _error_only(sp, status, headers, raw, body, label)
        what = "no path template matches" if tpl is None else "%s has no %s" % (tpl, method)
        return ["%s: %s, and %d is not a generic error status" % (label, what, status)]
    label = "%s %s (%s) -> %d" % (method, path[:120], tpl, status)
    responses = op.get("responses", {})
    key = str(status)
    if key in responses:
        resp_where = "#/paths/%s/%s/responses/%s" % (tpl.replace("/", "~1"), method.lower(), key)
        resp = responses[key]
    elif status in GENERIC_ERRORS or (front and status in FRONT_STATUSES):
        return _error_only(sp, status, headers, raw, body, label)
    elif "default" in responses:
        resp_where = "#/paths/%s/%s/responses/default" % (tpl.replace("/", "~1"), method.lower())
        resp = responses["default"]
    else:
        return ["%s: status %d is not documented (documented: %s)" % (
            label, status, ", ".join(sorted(responses)))]
    resp, resp_where = sp.resolve(resp, resp_where)
    errs = []
    for name, hdr in (resp.get("headers") or {}).items():
        hdr, _ = sp.resolve(hdr, resp_where)
        if hdr.get("required") and name.lower() not in headers:
            errs.append("%s: required header %s missing (%s/headers/%s)" % (label, name,
                                                                          resp_where, name))
    content = resp.get("content")
    if not content:
        if raw and method.upper() != "HEAD":
            errs.append("%s: documented without a body, got %d bytes (%s)" % (label, len(raw),
                                                                             resp_where))
        return errs
    media = _media_matches(ctype, content) if ctype else None
    if media is None:
        errs.append("%s: Content-Type %r is not documented (want %s; %s)" % (
            label, ctype, ", ".join(sorted(content)), resp_where))
        return errs
    schema = (content[media] or {}).get("schema")
    if schema is None or not media.endswith("json") and media != "*/*":
        return errs
    if not ctype.startswith("application/json"):
        return errs
    if body is None:
        errs.append("%s: empty body, want JSON (%s)" % (label, resp_where))
        return errs
    errs += ["%s: %s" % (label, e) for e in
             validate(sp, body, schema, "$", "%s/content/%s/schema" % (resp_where,
                                                                      media.replace("/", "~1")))]
    return errs


# ---- raw exchanges ----------------------------------------------------------------------


def split_requests(data):
    """(method, target) of each request in a byte stream, in order (best effort)."""
    out = []
    pos = 0
    while pos < len(data):
        m = re.match(rb"(?:\r\n)*([A-Z]+) (\S+) HTTP/1\.[01]\r\n", data[pos:])
        if not m:
            return None
        head_end = data.find(b"\r\n\r\n", pos)
        if head_end < 0:
            out.append((m.group(1).decode(), m.group(2).decode("latin-1")))
            return out
        head = data[pos:head_end].decode("latin-1").lower()
        out.append((m.group(1).decode(), m.group(2).decode("latin-1")))
        pos = head_end + 4
        if "transfer-encoding:" in head:
            return out  # chunked bodies: pair only what came before
        clen = re.search(r"\r\ncontent-length:\s*(\d+)", head)
        if clen:
            pos += int(clen.group(1))
    return out


def split_responses(raw):
    """(status, headers, body) of each complete response in a byte stream, or None."""
    out = []
    pos = 0
    while pos < len(raw):
        head_end = raw.find(b"\r\n\r\n", pos)
        if head_end < 0:
            return None
        lines = raw[pos:head_end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            return None
        status = int(m.group(1))
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        pos = head_end + 4
        if status in (100, 101) or 100 <= status < 200:
            continue
        if "content-length" in headers:
            try:
                n = int(headers["content-length"])
            except ValueError:
                return None
            if pos + n > len(raw):
                return None
            body = raw[pos:pos + n]
            pos += n
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            return None
        else:
            body = raw[pos:]
            pos = len(raw)
        out.append((status, headers, body))
    return out


def check_exchange(sent, received, front=False):
    """The violations of the responses in a raw exchange whose requests and responses
    pair up one to one; nothing when they do not parse.  front: as for check_response."""
    reqs = split_requests(sent)
    resps = split_responses(received)
    if not reqs or not resps or len(reqs) < len(resps) or any(m == "HEAD" for m, _ in reqs):
        return []
    errs = []
    for (method, target), (status, headers, body) in zip(reqs, resps):
        errs += check_response(method, target, status, headers, body, front=front)
    return errs
