"""
test_openapi.py - the OpenAPI response check (openapi_check.py) itself: it
must refuse what docs/openapi.yaml does not describe, or it would silently
pass everything.  Wrong bodies against a small document (a missing required
member, a wrong type, a member where additionalProperties is false, a value
outside an enum, null where not nullable, a bad date-time, pattern, length
and range, oneOf/anyOf/allOf), responses against the real document (an
undocumented status, a wrong Content-Type, a missing required header, an
unknown path answered with anything but the generic error), one real
server's answers that must pass, and the documented maximum of every integer
query parameter against what the server accepts.  Messages name the place in
the body and in the document.
"""

import json

import openapi_check as oc
from harness import Fixture, TestFailure, check, check_error, eq, http

DOC = {
    "openapi": "3.0.3",
    "paths": {
        "/v1/things/{id}": {"get": {"responses": {
            "200": {"description": "a thing",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}},
            "default": {"$ref": "#/components/responses/Err"}}}},
        "/v1/things/special": {"get": {"responses": {"204": {"description": "none"}}}},
    },
    "components": {
        "headers": {"X-Request-Id": {"required": True, "schema": {"type": "string"}}},
        "responses": {"Err": {"description": "error", "content": {"application/json": {
            "schema": {"type": "object", "required": ["error"],
                       "properties": {"error": {"type": "string"}},
                       "additionalProperties": False}}}}},
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "state", "items"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1, "maximum": 100},
                    "state": {"type": "string", "enum": ["open", "closed"]},
                    "name": {"type": "string", "minLength": 2, "maxLength": 4},
                    "code": {"type": "string", "pattern": "^[a-z]+$"},
                    "at": {"type": "string", "format": "date-time"},
                    "note": {"type": "string", "nullable": True},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "either": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "any": {"anyOf": [{"type": "boolean"}, {"type": "integer"}]},
                    "both": {"allOf": [{"type": "object", "required": ["a"]},
                                       {"type": "object", "required": ["b"]}]},
                    "free": {"type": "object"},
                    "map": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
                "additionalProperties": False,
            },
            "Item": {"type": "object", "required": ["clocks"],
                     "properties": {"clocks": {"type": "array", "items": {
                         "type": "object", "properties": {
                             "state": {"type": "string", "enum": ["running", "met"]}}}}}},
        },
    },
}

GOOD = {"id": 7, "state": "open", "name": "abc", "code": "xyz", "at": "2026-12-07T10:00:00.000Z",
        "note": None, "items": [{"clocks": [{"state": "met"}]}], "either": 3, "any": True,
        "both": {"a": 1, "b": 2}, "free": {"anything": [1]}, "map": {"x": 1}}


def _spec():
    return oc.load_spec(DOC)


def _violations(body):
    return oc.validate(_spec(), body, {"$ref": "#/components/schemas/Thing"})


def _refused(body, *needles):
    errs = _violations(body)
    check(errs, "accepted %s" % json.dumps(body))
    text = "\n".join(errs)
    for n in needles:
        check(n in text, "%r not in %r" % (n, text))
    return errs


def _with(**over):
    body = json.loads(json.dumps(GOOD))
    for k, v in over.items():
        if v is Ellipsis:
            body.pop(k)
        else:
            body[k] = v
    return body


def test_a_valid_body_passes(ctx):
    eq(_violations(GOOD), [], "violations of a valid body")
    eq(_violations(_with(name=Ellipsis, note="text", either="s", any=2)), [],
       "violations of another valid body")


def test_wrong_bodies_are_refused(ctx):
    _refused(_with(state=Ellipsis), "$: required property 'state' missing",
             "#/components/schemas/Thing/required")
    _refused(_with(id="7"), "$.id: string \"7\", want integer",
             "#/components/schemas/Thing/properties/id/type")
    _refused(_with(id=True), "$.id: boolean")
    _refused(_with(extra=1), "property 'extra' is not allowed", "additionalProperties false")
    _refused(_with(state="lost"), "$.state: \"lost\" is not one of")
    _refused(_with(items=[{"clocks": []}, {"clocks": [{"state": "x"}]}]),
             "$.items[1].clocks[0].state", "#/components/schemas/Item")
    _refused(_with(items=[{}]), "$.items[0]: required property 'clocks' missing")
    _refused(_with(state=None), "$.state: null is not allowed")
    _refused(_with(id=0), "below minimum")
    _refused(_with(id=101), "above maximum")
    _refused(_with(name="a"), "fewer than minLength")
    _refused(_with(name="abcde"), "more than maxLength")
    _refused(_with(code="ABC"), "does not match pattern")
    _refused(_with(at="2026-12-07 10:00"), "not an RFC 3339 date-time")
    _refused(_with(at="2026-13-07T10:00:00Z"), "not an RFC 3339 date-time")
    _refused(_with(either=1.5), "matches 0 of the oneOf branches")
    _refused(_with(any="x"), "matches none of the anyOf branches")
    _refused(_with(both={"a": 1}), "$.both: required property 'b' missing")
    _refused(_with(map={"x": "1"}), '$.map.x: string "1", want integer')
    _refused(_with(items="all"), "$.items: string")
    _refused([GOOD], "$: array")


def test_responses_are_checked(ctx):
    sp = _spec()
    hdr = {"content-type": "application/json", "x-request-id": "1"}
    raw = json.dumps(GOOD).encode()
    eq(oc.check_response("GET", "/v1/things/7", 200, hdr, raw, sp=sp), [], "a valid answer")
    eq(oc.check_response("GET", "/v1/things/special", 204, {}, b"", sp=sp), [],
       "literal segments win over parameters")
    errs = oc.check_response("GET", "/v1/things/7?x=1", 200, {"content-type": "application/json"},
                             raw, sp=sp)
    check(any("required header X-Request-Id missing" in e for e in errs), "header: %r" % errs)
    errs = oc.check_response("GET", "/v1/things/7", 200, dict(hdr, **{"content-type": "text/html"}),
                             b"<p>", sp=sp)
    check(any("Content-Type 'text/html' is not documented" in e for e in errs), "ctype %r" % errs)
    errs = oc.check_response("GET", "/v1/things/7", 200, hdr, b"{not json", sp=sp)
    check(any("not JSON" in e for e in errs), "bad JSON: %r" % errs)
    # another status takes `default`
    eq(oc.check_response("GET", "/v1/things/7", 409, hdr, b'{"error":"x"}', sp=sp), [], "default")
    errs = oc.check_response("GET", "/v1/things/7", 409, hdr, b'{"error":1}', sp=sp)
    check(any("$.error: integer" in e for e in errs), "default checked: %r" % errs)
    errs = oc.check_response("GET", "/v1/things/special", 200, hdr, b"{}", sp=sp)
    check(any("status 200 is not documented" in e for e in errs), "status: %r" % errs)
    errs = oc.check_response("GET", "/v1/things/special", 204, hdr, b"{}", sp=sp)
    check(any("documented without a body" in e for e in errs), "204 body: %r" % errs)
    # the real document: an unknown path may only get the generic error
    real = oc.spec()
    err = b'{"error":{"code":"no_route","message":"no route","field":null}}'
    eq(oc.check_response("GET", "/v1/nowhere", 404, hdr, err, sp=real), [], "generic 404")
    errs = oc.check_response("GET", "/v1/nowhere", 200, hdr, b"{}", sp=real)
    check(any("no path template matches" in e for e in errs), "unknown path: %r" % errs)
    errs = oc.check_response("GET", "/v1/nowhere", 404, hdr, b'{"error":"gone"}', sp=real)
    check(any("$.error: string" in e for e in errs), "generic error checked: %r" % errs)
    errs = oc.check_response("GET", "/v1/health", 200, hdr, b'{"status":"fine"}', sp=real)
    check(any("$.status: \"fine\" is not one of" in e for e in errs), "health: %r" % errs)
    # libmicrohttpd's own HTML answers (a documented limitation) are let through
    eq(oc.check_response("GET", "/v1/health", 400, {}, b"<html>", sp=real), [], "library 400")


def test_raw_exchanges_are_split(ctx):
    sent = (b"GET /v1/things/7 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /v1/things/special HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    body = json.dumps(GOOD).encode()
    got = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: 1\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    eq(oc.split_requests(sent), [("GET", "/v1/things/7"), ("POST", "/v1/things/special")],
       "requests")
    eq([s for s, _, _ in oc.split_responses(got + got)], [200, 200], "responses")


def test_the_harness_fails_a_test_on_a_violation(ctx):
    """Through harness.http(): a real answer checked against a document that says otherwise."""
    s = ctx.server(name="openapi")
    Fixture(s, users=[]).build()
    check_error(s.http("GET", "/v1/no/such/path"), 404, "no_route")
    doc = json.loads(json.dumps(oc.spec().doc))
    health = doc["components"]["schemas"]["Health"]
    health["properties"]["status"]["enum"] = ["perfect"]
    saved = oc.spec
    oc.spec = lambda: oc.load_spec(doc)
    try:
        http(s.port, "GET", "/v1/health")
    except TestFailure as e:
        check("$.status" in str(e) and "docs/openapi.yaml" in str(e), "message %s" % e)
    else:
        raise TestFailure("a response the document does not describe passed")
    finally:
        oc.spec = saved
    eq(http(s.port, "GET", "/v1/health").status, 200, "health with the real document")


def _query_params(op, sp):
    for p in op.get("parameters", []):
        p, _ = sp.resolve(p, "#")
        if p.get("in") == "query":
            yield p


def test_documented_ranges_match_the_server(ctx):
    """Every integer query parameter with a documented maximum (the page limits, 200 by
    default, and the ledger's 1000) is accepted at that maximum and refused one above it, on
    every GET without path parameters; the test endpoints document their 404."""
    sp = oc.spec()
    s = ctx.server(name="openapi-ranges")
    fx = Fixture(s, users=[("bank_agent", "bank", "agent")]).build()
    tried = 0
    for tpl, item in sorted(sp.doc["paths"].items()):
        op = item.get("get")
        if not op or "{" in tpl:
            continue
        for p in _query_params(op, sp):
            schema, _ = sp.resolve(p.get("schema", {}), "#")
            if schema.get("type") != "integer" or "maximum" not in schema:
                continue
            hi = schema["maximum"]
            r = s.http("GET", "%s?%s=%d" % (tpl, p["name"], hi), token=fx.token("bank_agent"))
            check(r.status != 400, "%s?%s=%d (the documented maximum): %r" % (tpl, p["name"], hi, r))
            r = s.http("GET", "%s?%s=%d" % (tpl, p["name"], hi + 1), token=fx.token("bank_agent"))
            check_error(r, 400, None, p["name"], what="%s?%s=%d" % (tpl, p["name"], hi + 1))
            tried += 1
    check(tried >= 5, "only %d parameters with a maximum" % tried)
    for tpl in ("/v1/test/clock", "/v1/test/sweep"):
        check("404" in sp.doc["paths"][tpl]["post"]["responses"], "%s documents no 404" % tpl)
