"""
test_clocks.py - the regulator's time limits (data/clocks.tsv) as the API
shows them: the "clocks" of every complaint document, extensions (30 days
with a reason, 60 with a supervisor and a recorded notice to the consumer),
pauses and resumes, warnings at 80 % and escalations at the due time raised
by the sweeper exactly once per run of a clock, a reopened complaint's new
run, GET /v1/clocks and GET /v1/clocks/compliance, restarts, and the
test-only endpoints that exist only with --test-clock.

Every test sets the server's clock with POST /v1/test/clock and creates its
complaints with received_at equal to that moment, so every deadline below
is exact.  Day limits follow the Civil Code's counting as clock.c does: the
day of receipt is not counted, a limit ends at the end (23:59:59.999
Asia/Shanghai = 15:59:59.999Z) of its last day, and a last day that is not
a working day (data/calendar.tsv) moves to the next working day.  Paused
time (the union of the pauses) is added to a day limit's end, and the
result again moves to the end of its day (and to a working day); an hour
limit moves by the paused time exactly.  A warning is due when 80 % of the
span from the start to the due time has passed.

The tests run in order on one server and move its clock forward: each one
works in its own stretch of time (2026-09 .. 2027-08), so the listings and
compliance figures of one test never see another test's clocks.  Clocks are
listed and counted by lead party: the bank leads the fixture's complaints
(cause c11 goes to the funder), the lender its own collection complaints
(cause c12 goes to the acquirer).
"""

import copy
import datetime

from harness import (CREATED, SYSTEM_ACTOR, Fixture, action_body, check, check_error, check_ok,
                     eq, timeless)

HOUR = 3600 * 1000
MINUTE = 60 * 1000
DAY = 24 * HOUR

CLOCK_KEYS = {"kind", "state", "started_at", "due_at", "warn_at", "stopped_at", "remaining_ms",
              "late_ms", "paused_ms", "limit", "extension", "run", "warned", "escalated",
              "projected", "pauses"}
ALERTS = ("clock_warning", "clock_escalated")


def setup(ctx):
    # A long sweep interval: the background sweeper still runs when the test clock is
    # set (it is poked), so every test also sweeps explicitly and counts events.  The
    # tests span 2026-09 .. 2027-08 of the test clock: tokens are issued at its start
    # and live a year.
    ctx.s = ctx.server(name="clocks", settings={"sweep_interval_ms": 3600000,
                                                "token_ttl_hours": 24 * 366})
    _set_now(ctx, "2026-09-01T09:00:00+08:00")
    ctx.fx = Fixture(ctx.s).build()


# ---- helpers ---------------------------------------------------------------------


def _ms(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _iso(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def _set_now(ctx, when):
    """Sets the server's clock to `when` (RFC 3339, or ms since the epoch); returns the ms."""
    ms = when if isinstance(when, int) else _ms(when)
    got = check_ok(ctx.s.http("POST", "/v1/test/clock", {"now": _iso(ms)}), 200, "set clock")
    eq(got["now"], _iso(ms), "clock set")
    ctx.now = ms
    return ms


def _advance(ctx, ms):
    got = check_ok(ctx.s.http("POST", "/v1/test/clock", {"advance_ms": ms}), 200, "advance")
    ctx.now += ms
    eq(got["now"], _iso(ctx.now), "clock advanced")
    return ctx.now


def _sweep(ctx):
    d = check_ok(ctx.s.http("POST", "/v1/test/sweep"), 200, "sweep")
    check(set(d) == {"complaints", "alerts"}, "sweep answer %r" % d)
    check(isinstance(d["complaints"], int) and isinstance(d["alerts"], int) and
          d["complaints"] >= 0 and d["alerts"] >= 0, "sweep answer %r" % d)
    return d


def _create(ctx, who="bank_agent", **over):
    over.setdefault("received_at", _iso(ctx.now))
    return ctx.fx.create(who, **over)


def _create_lender_led(ctx, **over):
    """A complaint of the lender (its target) that the lender leads: a collection complaint
    (cause c12), which data/routing.tsv sends to the cooperation's acquirer, the lender."""
    d = _create(ctx, who="lender_agent", target_party=ctx.fx.parties["lender"], cause="c12",
                **over)
    eq((d["lead_party"], d["dispatch"]["rule"]), (ctx.fx.parties["lender"], "collection_cause"),
       "lead party of a lender's collection complaint")
    return d


def _clock(doc, kind):
    found = [c for c in doc["clocks"] if c["kind"] == kind]
    eq(len(found), 1, "clocks of kind %s in %s" % (kind, doc.get("no")))
    return found[0]


def _kinds(doc):
    return [c["kind"] for c in doc["clocks"]]


def _alerts(ctx, no, who="bank_agent"):
    """The alert events of a complaint: [(type, clock, run)] in timeline order."""
    out = []
    for e in ctx.fx.timeline(no, who)["events"]:
        if e["type"] in ALERTS:
            out.append((e["type"], e["payload"]["clock"], e["payload"]["run"]))
    return out


def _alert_events(ctx, no, who="bank_agent"):
    return [e for e in ctx.fx.timeline(no, who)["events"] if e["type"] in ALERTS]


def _types(ctx, no, who="bank_agent"):
    return [e["type"] for e in ctx.fx.timeline(no, who)["events"]]


def _extend(ctx, no, days, who="bank_agent", notice=False, reason="需要补充调查"):
    body = {"days": days, "reason": reason}
    if notice:
        body["consumer_notice"] = {"method": "sms", "notified_at": _iso(ctx.now)}
    return ctx.s.http("POST", "/v1/complaints/%s/actions/extend" % no, body,
                      token=ctx.fx.token(who))


def _decide(ctx, no, who="bank_agent"):
    return ctx.fx.act(no, "decide", action_body("decide", ctx.fx), who=who)


def _notify(ctx, no, who="bank_agent"):
    return ctx.fx.act(no, "notify", {"method": "sms", "notified_at": _iso(ctx.now),
                                     "proof": "短信回执"}, who=who)


def _clocks(ctx, query="", who="bank_agent", status=200):
    r = ctx.s.http("GET", "/v1/clocks" + ("?" + query if query else ""), token=ctx.fx.token(who))
    return check_ok(r, status, "GET /v1/clocks?%s as %s" % (query, who))


def _fingerprint(ctx):
    """The database's fingerprint but for tree heads, which the sweeper signs in the background
    once the clock has moved past the head interval."""
    f = ctx.s.fingerprint()
    f.pop("tree_heads", None)
    return f


def _rows(listing):
    return [(i["no"], i["kind"], i["state"]) for i in listing["items"]]


# ---- 1. the clocks of a document ---------------------------------------------------


def test_document_shows_clocks(ctx):
    fx, s = ctx.fx, ctx.s
    t0 = _set_now(ctx, "2026-09-28T10:00:00+08:00")  # a Monday
    d = _create(ctx)
    no = d["no"]
    eq(d["received_at"], "2026-09-28T02:00:00.000Z", "received_at")
    eq(_kinds(d), ["first_contact", "decision"], "clocks right after creation")
    for c in d["clocks"]:
        eq(set(c), CLOCK_KEYS, "members of the %s clock" % c["kind"])
    # 24 hours, warned at 80 % (19 h 12 min).
    eq(_clock(d, "first_contact"), {
        "kind": "first_contact", "state": "running", "started_at": "2026-09-28T02:00:00.000Z",
        "due_at": "2026-09-29T02:00:00.000Z", "warn_at": "2026-09-28T21:12:00.000Z",
        "stopped_at": None, "remaining_ms": 24 * HOUR, "late_ms": None, "paused_ms": 0,
        "limit": {"amount": 24, "unit": "hours"}, "extension": 0, "run": 1, "warned": False,
        "escalated": False, "projected": False, "pauses": []}, "first_contact clock")
    # 15 calendar days from Mon 09-28 (not counted): the 15th day is Tue 10-13, a working
    # day (National Day, 10-01..10-07, lies inside the span and does not matter).
    eq(_clock(d, "decision"), {
        "kind": "decision", "state": "running", "started_at": "2026-09-28T02:00:00.000Z",
        "due_at": "2026-10-13T15:59:59.999Z", "warn_at": "2026-10-10T13:11:59.999Z",
        "stopped_at": None, "remaining_ms": _ms("2026-10-13T15:59:59.999Z") - t0,
        "late_ms": None, "paused_ms": 0, "limit": {"amount": 15, "unit": "calendar_days"},
        "extension": 0, "run": 1, "warned": False, "escalated": False, "projected": False,
        "pauses": []},
        "decision clock")
    # GET shows the same document; remaining_ms follows the clock.
    eq(fx.get(no), d, "GET after create")
    _advance(ctx, HOUR)
    g = fx.get(no)
    eq(_clock(g, "first_contact")["remaining_ms"], 23 * HOUR, "remaining after 1 h")
    eq(timeless(copy.deepcopy(g)), timeless(copy.deepcopy(d)), "only remaining_ms changed")
    # Every user who sees the complaint sees the clocks; the list shows them too.
    for who in ("bank_sup", "lender_agent", "plat_agent", "bank_comp"):
        eq(fx.get(no, who)["clocks"], g["clocks"], "clocks seen by %s" % who)
    page = check_ok(s.http("GET", "/v1/complaints?limit=200", token=fx.token("bank_agent")), 200,
                    "list")
    item = [i for i in page["items"] if i["no"] == no]
    eq(len(item), 1, "complaint listed")
    eq(item[0]["clocks"], g["clocks"], "clocks in the list")
    # Timeline: the receipt, at the moment the complaint was received.
    tl = fx.timeline(no)
    eq([e["type"] for e in tl["events"]], CREATED, "timeline after create")
    eq(tl["events"][0]["at"], "2026-09-28T02:00:00.000Z", "received at")
    eq(tl["events"][1]["at"], "2026-09-28T02:00:00.000Z", "dispatched at once")
    # Accepting meets the first contact (in time) and leaves the decision counting.
    d = fx.act(no, "accept", {"note": "受理"})
    fc = _clock(d, "first_contact")
    eq((fc["state"], fc["stopped_at"], fc["remaining_ms"], fc["late_ms"]),
       ("met", "2026-09-28T03:00:00.000Z", None, None), "first contact met")
    eq(_clock(d, "decision")["state"], "running", "decision still running")
    eq(_types(ctx, no), CREATED + ["accepted"], "timeline after accept")
    # A complaint received two days ago: its first contact is already breached.
    d = _create(ctx, received_at="2026-09-26T11:00:00+08:00")
    fc = _clock(d, "first_contact")
    eq((fc["started_at"], fc["due_at"], fc["state"], fc["remaining_ms"], fc["late_ms"]),
       ("2026-09-26T03:00:00.000Z", "2026-09-27T03:00:00.000Z", "breached", None,
        ctx.now - _ms("2026-09-27T03:00:00.000Z")), "first contact of an old complaint")
    # 09-26 + 15 days = Sun 10-11 -> the next working day is Mon 10-12.
    eq(_clock(d, "decision")["due_at"], "2026-10-12T15:59:59.999Z", "due moved off a Sunday")


# ---- 2. extension, pause, resume, second extension ------------------------------------


def test_extend_pause_resume_extend(ctx):
    fx = ctx.fx
    t0 = _set_now(ctx, "2026-09-28T10:00:00+08:00")
    no = _create(ctx)["no"]
    fx.act(no, "accept", {})
    fx.act(no, "investigate", {})
    _advance(ctx, HOUR)  # 11:00
    # An extension must be one of the steps, 30 or 60 days.
    for days in (15, 20, 45, 90):
        check_error(_extend(ctx, no, days), 422, "out_of_range", "days", "extend to %d" % days)
    # 30 days, by an agent with a reason: the 30th day is Wed 10-28.
    d = check_ok(_extend(ctx, no, 30), 200, "extend to 30")
    dec = _clock(d, "decision")
    eq((dec["due_at"], dec["extension"], dec["limit"], dec["state"]),
       ("2026-10-28T15:59:59.999Z", 1, {"amount": 30, "unit": "calendar_days"}, "running"),
       "decision after extension to 30")
    eq(dec["warn_at"], _iso(t0 + (_ms("2026-10-28T15:59:59.999Z") - t0) * 80 // 100),
       "warn_at after extension")
    check_error(_extend(ctx, no, 30), 409, "already_extended", "days", "second 30")
    ev = fx.timeline(no)["events"][-1]
    eq((ev["type"], ev["payload"]["clock"], ev["payload"]["days"]), ("extended", "decision", 30),
       "extended event")
    # A pause for an appraisal at 12:00.
    _advance(ctx, HOUR)
    pause_at = ctx.now
    d = fx.act(no, "pause", {"reason_code": "appraisal", "reason": "委托第三方鉴定"})
    dec = _clock(d, "decision")
    eq(dec["state"], "paused", "state after pause")
    eq(len(dec["pauses"]), 1, "one pause")
    pause = dec["pauses"][0]
    eq((pause["reason"], pause["from"], pause["to"]), ("appraisal", _iso(pause_at), None),
       "the pause")
    ev = fx.timeline(no)["events"][-1]
    eq((ev["type"], ev["seq"], ev["payload"]["reason_code"]), ("paused", pause["id"], "appraisal"),
       "paused event (its seq is the pause's id)")
    eq(dec["due_at"], "2026-10-28T15:59:59.999Z", "due at the start of the pause")
    check_error(fx.s.http("POST", "/v1/complaints/%s/actions/pause" % no,
                          {"clock": "first_contact", "reason_code": "testing", "reason": "x"},
                          token=fx.token("bank_agent")), 409, "clock_stopped", "clock",
                "pause a met clock")
    # 50 hours later, still paused: 10-28 23:59:59.999 + 50 h is Sat 10-31 01:59 -> the end of
    # that day, moved to the next working day, Mon 11-02.
    _advance(ctx, 50 * HOUR)
    dec = _clock(fx.get(no), "decision")
    eq((dec["state"], dec["paused_ms"], dec["due_at"], dec["remaining_ms"]),
       ("paused", 50 * HOUR, "2026-11-02T15:59:59.999Z",
        _ms("2026-11-02T15:59:59.999Z") - ctx.now), "paused 50 h")
    d = fx.act(no, "resume", {"pause": pause["id"], "note": "鉴定完成"})
    dec = _clock(d, "decision")
    eq((dec["state"], dec["paused_ms"], dec["due_at"]),
       ("running", 50 * HOUR, "2026-11-02T15:59:59.999Z"), "after resume")
    eq(dec["pauses"], [{"id": pause["id"], "reason": "appraisal", "from": _iso(pause_at),
                        "to": _iso(ctx.now)}], "closed pause")
    check_error(fx.s.http("POST", "/v1/complaints/%s/actions/resume" % no, {"pause": pause["id"]},
                          token=fx.token("bank_agent")), 409, "pause_not_open", "pause",
                "resume twice")
    check_error(fx.s.http("POST", "/v1/complaints/%s/actions/resume" % no, {"pause": 999},
                          token=fx.token("bank_agent")), 422, "invalid_value", "pause",
                "resume an unknown pause")
    # A second pause of one hour: 51 h paused in all; the due stays on Mon 11-02, since
    # 10-28 23:59:59.999 + 51 h is Sat 10-31 02:59 (a pause moves the due by whole days).
    fx.act(no, "pause", {"reason_code": "awaiting_consumer", "reason": "等待消费者补充材料"})
    _advance(ctx, HOUR)
    second = _clock(fx.get(no), "decision")["pauses"][1]
    d = fx.act(no, "resume", {"pause": second["id"]})
    dec = _clock(d, "decision")
    eq((dec["paused_ms"], dec["due_at"], len(dec["pauses"])),
       (51 * HOUR, "2026-11-02T15:59:59.999Z", 2), "after a second pause of 1 h")
    # The 60-day step: a supervisor's, with the notice to the consumer recorded.
    check_error(_extend(ctx, no, 60), 403, "approval_required", "days", "60 by an agent")
    check_error(_extend(ctx, no, 60, who="bank_agent", notice=True), 403, "approval_required",
                "days", "60 by an agent with a notice")
    check_error(_extend(ctx, no, 60, who="bank_sup"), 422, "missing_field", "consumer_notice",
                "60 without consumer_notice")
    for days in (45, 90):
        check_error(_extend(ctx, no, days, who="bank_sup", notice=True), 422, "out_of_range",
                    "days", "extend to %d" % days)
    eq(_clock(fx.get(no), "decision")["extension"], 1, "refusals changed nothing")
    d = check_ok(_extend(ctx, no, 60, who="bank_sup", notice=True), 200, "extend to 60")
    dec = _clock(d, "decision")
    # 09-28 + 60 days = Fri 11-27; + 51 h paused = Mon 11-30 02:59 -> end of Mon 11-30.
    eq((dec["due_at"], dec["extension"], dec["limit"], dec["paused_ms"], dec["state"]),
       ("2026-11-30T15:59:59.999Z", 2, {"amount": 60, "unit": "calendar_days"}, 51 * HOUR,
        "running"), "decision after extension to 60")
    eq(dec["warn_at"], _iso(t0 + (_ms("2026-11-30T15:59:59.999Z") - t0) * 80 // 100),
       "warn_at after extension to 60")
    ev = fx.timeline(no)["events"][-1]
    eq((ev["type"], ev["payload"]["days"], ev["payload"]["consumer_notice"]["method"]),
       ("extended", 60, "sms"), "second extended event")
    check_error(_extend(ctx, no, 60, who="bank_sup", notice=True), 409, "already_extended", "days",
                "60 twice")
    check_error(_extend(ctx, no, 30, who="bank_sup"), 409, "already_extended", "days",
                "30 after 60")
    eq(_types(ctx, no), CREATED + ["accepted", "investigation_started", "extended", "paused",
                                   "resumed", "paused", "resumed", "extended"], "timeline")
    eq(_alerts(ctx, no), [], "no alerts")


# ---- 3. warnings and escalations, once per run -----------------------------------------


def test_warning_and_escalation_once(ctx):
    fx = ctx.fx
    t0 = _set_now(ctx, "2026-10-12T09:00:00+08:00")  # Monday 01:00Z
    _sweep(ctx)  # the earlier tests' clocks due by now are alerted here, not below
    a = _create(ctx)
    u = _create(ctx, signals=["self_harm_threat"])
    eq(u["grade"], "urgent", "grade of a complaint with a self-harm threat")
    fc = _clock(u, "first_contact")
    eq((fc["limit"], fc["due_at"], fc["warn_at"]),
       ({"amount": 2, "unit": "hours"}, "2026-10-12T03:00:00.000Z", "2026-10-12T02:36:00.000Z"),
       "urgent first contact: 2 hours")
    eq(_clock(u, "decision")["due_at"], "2026-10-27T15:59:59.999Z", "urgent decision: 15 days")
    fc = _clock(a, "first_contact")
    eq((fc["due_at"], fc["warn_at"]), ("2026-10-13T01:00:00.000Z", "2026-10-12T20:12:00.000Z"),
       "general first contact")
    a, u = a["no"], u["no"]
    # Before the warning time nothing is raised.
    _advance(ctx, 95 * MINUTE)
    eq(_sweep(ctx)["alerts"], 0, "alerts before any warning time")
    eq(_alerts(ctx, u), [], "no alert at 95 min")
    # 100 min: past the urgent first contact's warning (96 min).
    _advance(ctx, 5 * MINUTE)
    _sweep(ctx)
    evs = _alert_events(ctx, u)
    eq([(e["type"], e["payload"]["clock"], e["payload"]["run"]) for e in evs],
       [("clock_warning", "first_contact", 1)], "urgent: one warning")
    p = evs[0]["payload"]
    eq((evs[0]["at"], p["due_at"], p["warn_at"], p["remaining_ms"]),
       (_iso(ctx.now), "2026-10-12T03:00:00.000Z", "2026-10-12T02:36:00.000Z", 20 * MINUTE),
       "warning payload")
    eq(evs[0]["actor"], SYSTEM_ACTOR, "the warning's actor (ombud itself)")
    eq(_alerts(ctx, a), [], "general complaint not warned yet")
    check(_clock(fx.get(u), "first_contact")["warned"], "warned shown on the clock")
    eq(_sweep(ctx)["alerts"], 0, "a second sweep raises nothing")
    eq(_alerts(ctx, u), [("clock_warning", "first_contact", 1)], "still one warning")
    # Past the due time (2 h + 1 min): one escalation.
    _advance(ctx, 21 * MINUTE)
    _sweep(ctx)
    evs = _alert_events(ctx, u)
    eq([(e["type"], e["payload"]["clock"], e["payload"]["run"]) for e in evs],
       [("clock_warning", "first_contact", 1), ("clock_escalated", "first_contact", 1)],
       "urgent: warning and escalation")
    eq((evs[1]["at"], evs[1]["payload"]["late_ms"]), (_iso(ctx.now), MINUTE), "escalation")
    for _ in range(3):
        eq(_sweep(ctx)["alerts"], 0, "repeated sweeps raise nothing")
    eq(len(_alerts(ctx, u)), 2, "still one of each")
    fc = _clock(fx.get(u), "first_contact")
    eq((fc["state"], fc["warned"], fc["escalated"], fc["late_ms"]),
       ("breached", True, True, MINUTE), "urgent first contact breached")
    # Accepting now meets the clock late; nothing more is raised for it.
    d = fx.act(u, "accept", {})
    fc = _clock(d, "first_contact")
    eq((fc["state"], fc["late_ms"], fc["stopped_at"]), ("met_late", MINUTE, _iso(ctx.now)),
       "urgent first contact met late")
    eq(_sweep(ctx)["alerts"], 0, "nothing after the acceptance")
    eq(len(_alerts(ctx, u)), 2, "no alert after the acceptance")
    # The general complaint: warned at 19 h 12 min, escalated at 24 h.
    _set_now(ctx, t0 + 19 * HOUR + 30 * MINUTE)
    _sweep(ctx)
    eq(_alerts(ctx, a), [("clock_warning", "first_contact", 1)], "general: one warning")
    _sweep(ctx)
    eq(_alerts(ctx, a), [("clock_warning", "first_contact", 1)], "general: still one warning")
    _set_now(ctx, t0 + 25 * HOUR)
    for _ in range(3):
        _sweep(ctx)
    eq(_alerts(ctx, a), [("clock_warning", "first_contact", 1),
                         ("clock_escalated", "first_contact", 1)], "general: one escalation")
    d = fx.act(a, "accept", {})
    eq(_clock(d, "first_contact")["state"], "met_late", "general first contact met late")
    eq(_clock(fx.get(a), "first_contact")["state"], "met_late", "met_late in GET")
    _sweep(ctx)
    eq(len(_alerts(ctx, a)), 2, "no alert after the acceptance")
    # The decision clock, extended to 30 days: 10-12 + 30 = Wed 11-11.
    d = check_ok(_extend(ctx, a, 30), 200, "extend")
    dec = _clock(d, "decision")
    eq((dec["due_at"], dec["warn_at"]), ("2026-11-11T15:59:59.999Z", "2026-11-05T12:59:59.999Z"),
       "extended decision clock")
    _set_now(ctx, "2026-11-05T12:59:59.998Z")
    _sweep(ctx)
    eq(len(_alerts(ctx, a)), 2, "no decision warning 1 ms before its time")
    _advance(ctx, 1)
    _sweep(ctx)
    _sweep(ctx)
    eq(_alerts(ctx, a)[2:], [("clock_warning", "decision", 1)], "one decision warning")
    _set_now(ctx, "2026-11-11T16:00:00.000Z")
    for _ in range(3):
        _sweep(ctx)
    eq(_alerts(ctx, a)[2:], [("clock_warning", "decision", 1), ("clock_escalated", "decision", 1)],
       "one decision escalation")
    ev = _alert_events(ctx, a)[-1]
    eq((ev["payload"]["due_at"], ev["payload"]["late_ms"]), ("2026-11-11T15:59:59.999Z", 1),
       "decision escalation payload")
    eq(_clock(fx.get(a), "decision")["state"], "breached", "decision breached")
    # A breached decision cannot be cured by an extension.
    check_error(_extend(ctx, a, 60, who="bank_sup", notice=True), 409, "clock_breached", "days",
                "extend a breached clock")
    fx.act(a, "investigate", {})
    d = _decide(ctx, a)
    eq(_clock(d, "decision")["state"], "met_late", "decision met late")
    _sweep(ctx)
    eq([x for x in _alerts(ctx, a) if x[1] == "decision"],
       [("clock_warning", "decision", 1), ("clock_escalated", "decision", 1)],
       "no decision alert after the decision")
    # The urgent complaint's decision clock (15 days, due 10-27) was escalated on the way.
    eq([x for x in _alerts(ctx, u) if x[1] == "decision"],
       [("clock_warning", "decision", 1), ("clock_escalated", "decision", 1)],
       "urgent decision alerts")


# ---- 4. paused clocks ------------------------------------------------------------------


def test_paused_clocks_raise_nothing(ctx):
    fx = ctx.fx
    t0 = _set_now(ctx, "2026-11-02T10:00:00+08:00")  # Monday 02:00Z
    # p1 is the lender's (the only lender-led complaint of 2026 here, so that its figures
    # can be read alone); p2 is bank_a's.
    lend = fx.parties["lender"]
    p1 = _create_lender_led(ctx)["no"]
    p2 = _create(ctx)["no"]
    fx.act(p1, "accept", {}, who="lender_agent")
    _advance(ctx, HOUR)
    d = fx.act(p1, "pause", {"reason_code": "appraisal", "reason": "司法鉴定"}, who="lender_agent")
    pause1 = _clock(d, "decision")["pauses"][0]["id"]
    eq(_clock(d, "decision")["due_at"], "2026-11-17T15:59:59.999Z", "p1 due at the pause")
    d = fx.act(p2, "pause", {"clock": "first_contact", "reason_code": "awaiting_consumer",
                             "reason": "联系不上消费者"})
    pause2 = _clock(d, "first_contact")["pauses"][0]["id"]
    # 31 h: past p2's first contact due time (24 h), which is paused.
    _set_now(ctx, t0 + 31 * HOUR)
    _sweep(ctx)
    eq(_alerts(ctx, p2), [], "paused first contact: no alert")
    fc = _clock(fx.get(p2), "first_contact")
    eq((fc["state"], fc["paused_ms"], fc["due_at"], fc["remaining_ms"]),
       ("paused", 30 * HOUR, _iso(t0 + 54 * HOUR), 23 * HOUR), "p2 first contact while paused")
    d = fx.act(p2, "resume", {"clock": "first_contact", "pause": pause2})
    fc = _clock(d, "first_contact")
    # An hour limit moves by the paused time exactly: 24 h + 30 h.
    eq((fc["state"], fc["due_at"], fc["warn_at"]),
       ("running", _iso(t0 + 54 * HOUR), _iso(t0 + 54 * HOUR * 80 // 100)), "p2 after resume")
    _sweep(ctx)
    eq(_alerts(ctx, p2), [], "p2: warning time (43.2 h) not reached")
    d = fx.act(p2, "accept", {})
    eq(_clock(d, "first_contact")["state"], "met", "met in time thanks to the pause")
    # p1: 18 days on, past the decision's original due (11-17), still paused.
    _set_now(ctx, "2026-11-20T10:00:00+08:00")
    for _ in range(2):
        _sweep(ctx)
    eq(_alerts(ctx, p1, "lender_agent"), [], "paused decision: no alert")
    dec = _clock(fx.get(p1, "lender_agent"), "decision")
    # Paused 17 d 23 h: 11-17 23:59:59.999 + 17 d 23 h = Sat 12-05 22:59 -> Mon 12-07.
    paused = _ms("2026-11-20T02:00:00Z") - _ms("2026-11-02T03:00:00Z")
    eq((dec["state"], dec["paused_ms"], dec["due_at"], dec["warned"], dec["escalated"]),
       ("paused", paused, "2026-12-07T15:59:59.999Z", False, False), "p1 while paused")
    # A paused clock is neither breached in the listing nor in the figures.
    window = "kind=decision&party=%d&due_from=2026-11-01&due_to=2027-01-01" % lend
    eq(_rows(_clocks(ctx, "state=open&" + window, who="lender_agent")),
       [(p1, "decision", "paused")], "paused clock in the open listing")
    eq(_rows(_clocks(ctx, "state=breached&" + window, who="lender_agent")), [],
       "paused clock listed as breached")
    fig = check_ok(ctx.s.http("GET", "/v1/clocks/compliance?" + window,
                              token=fx.token("lender_agent")), 200, "compliance")
    eq([(i["total"], i["breached"], i["counting"]) for i in fig["items"]], [(1, 0, 1)],
       "paused decision counted as counting, not breached")
    d = fx.act(p1, "resume", {"pause": pause1}, who="lender_agent")
    dec = _clock(d, "decision")
    eq((dec["state"], dec["due_at"], dec["warn_at"]),
       ("running", "2026-12-07T15:59:59.999Z", "2026-11-30T13:11:59.999Z"), "p1 after resume")
    _sweep(ctx)
    eq(_alerts(ctx, p1, "lender_agent"), [], "p1: nothing due yet after resume")
    _set_now(ctx, "2026-11-30T13:12:00Z")
    _sweep(ctx)
    eq(_alerts(ctx, p1, "lender_agent"), [("clock_warning", "decision", 1)],
       "p1 warned at the moved time")


# ---- 5. reopen: a new run ----------------------------------------------------------------


def test_reopen_starts_a_new_run(ctx):
    fx = ctx.fx
    _set_now(ctx, "2026-12-01T10:00:00+08:00")  # Tuesday
    no = _create(ctx)["no"]
    fx.act(no, "accept", {})
    fx.act(no, "investigate", {})
    _set_now(ctx, "2026-12-14T10:00:00+08:00")  # past the warning (12-13 21:11:59.999)
    _sweep(ctx)
    eq(_alerts(ctx, no), [("clock_warning", "decision", 1)], "run 1 warned")
    _decide(ctx, no)
    _notify(ctx, no)
    d = fx.act(no, "close", {"summary": "已办结"})
    eq(_clock(d, "decision")["state"], "met", "decision met")
    cb = _clock(d, "callback")
    eq((cb["state"], cb["due_at"]), ("running", "2026-12-21T15:59:59.999Z"), "callback clock")
    _set_now(ctx, "2026-12-15T10:00:00+08:00")
    d = fx.act(no, "reopen", {"facts": "消费者提供了新的还款记录"}, who="bank_sup")
    eq(d["state"], "investigating", "state after reopen")
    dec = _clock(d, "decision")
    # Run 2 counts 15 days from the reopening: Wed 12-30.
    eq((dec["run"], dec["state"], dec["started_at"], dec["due_at"], dec["warn_at"],
        dec["warned"], dec["escalated"], dec["extension"], dec["stopped_at"]),
       (2, "running", "2026-12-15T02:00:00.000Z", "2026-12-30T15:59:59.999Z",
        "2026-12-27T13:11:59.999Z", False, False, 0, None), "decision run 2")
    eq(_clock(d, "callback")["state"], "cancelled", "callback cancelled by the reopening")
    _sweep(ctx)
    eq(_alerts(ctx, no), [("clock_warning", "decision", 1)], "no alert for run 2 yet")
    _set_now(ctx, "2026-12-28T10:00:00+08:00")
    for _ in range(2):
        _sweep(ctx)
    eq(_alerts(ctx, no), [("clock_warning", "decision", 1), ("clock_warning", "decision", 2)],
       "run 2 warned once")
    check(_clock(fx.get(no), "decision")["warned"], "run 2 shows warned")
    # The run 2 extension works like the first run's.
    d = check_ok(_extend(ctx, no, 30), 200, "extend run 2")
    eq(_clock(d, "decision")["due_at"], "2027-01-14T15:59:59.999Z", "run 2 extended: 12-15 + 30")


# ---- 6. GET /v1/clocks ---------------------------------------------------------------------


def test_clock_listing(ctx):
    fx, s = ctx.fx, ctx.s
    _set_now(ctx, "2027-03-01T10:00:00+08:00")  # Monday
    c1 = _create(ctx)["no"]  # led by bank_a
    c2 = _create_lender_led(ctx)["no"]
    c3 = _create(ctx, who="bank2_agent", product=None)["no"]  # bank_b's own
    _advance(ctx, HOUR)
    fx.act(c2, "accept", {}, who="lender_agent")
    # A clock is breached from its due time on (clock.c: now >= due_at), in the document
    # and in the listing alike.
    _set_now(ctx, "2027-03-02T10:00:00+08:00")
    eq(_clock(fx.get(c1), "first_contact")["state"], "breached", "breached at the due time")
    eq(_rows(_clocks(ctx, "state=breached")), [(c1, "first_contact", "breached")],
       "listed as breached at the due time")
    _advance(ctx, -1)
    eq(_clock(fx.get(c1), "first_contact")["state"], "running", "running 1 ms before")
    eq(_rows(_clocks(ctx, "state=breached")), [], "not breached 1 ms before")
    _set_now(ctx, "2027-03-02T11:00:00+08:00")  # 25 h: c1's and c3's first contact breached
    _sweep(ctx)
    fc_due, dec_due = "2027-03-02T02:00:00.000Z", "2027-03-16T15:59:59.999Z"
    body = _clocks(ctx)
    eq((body["state"], body["due_from"], body["due_to"], body["count"]),
       ("open", _iso(ctx.now - 30 * DAY), _iso(ctx.now + 30 * DAY), 3), "default listing")
    eq(body["items"][0], {
        "no": c1, "kind": "first_contact", "owner": "institution", "state": "breached",
        "lead_party": fx.parties["bank"], "started_at": "2027-03-01T02:00:00.000Z",
        "due_at": fc_due, "stopped_at": None, "next_alert_at": None}, "breached clock item")
    eq(body["items"][1], {
        "no": c1, "kind": "decision", "owner": "institution", "state": "running",
        "lead_party": fx.parties["bank"], "started_at": "2027-03-01T02:00:00.000Z",
        "due_at": dec_due, "stopped_at": None, "next_alert_at": "2027-03-13T13:11:59.999Z"},
        "running clock item")
    eq(_rows(body), [(c1, "first_contact", "breached"), (c1, "decision", "running"),
                     (c2, "decision", "running")], "open clocks, by due time")
    eq(body["items"][2]["lead_party"], fx.parties["lender"], "lead party of c2")
    eq(_rows(_clocks(ctx, "state=open")), _rows(body), "state=open is the default")
    eq(_rows(_clocks(ctx, "state=breached")), [(c1, "first_contact", "breached")], "breached")
    every = _clocks(ctx, "state=all")
    eq(_rows(every), [(c1, "first_contact", "breached"), (c2, "first_contact", "met"),
                      (c1, "decision", "running"), (c2, "decision", "running")], "all")
    eq(every["items"][1]["stopped_at"], "2027-03-01T03:00:00.000Z", "stopped_at of a met clock")
    eq(_rows(_clocks(ctx, "kind=decision")), [(c1, "decision", "running"),
                                              (c2, "decision", "running")], "kind=decision")
    eq(_rows(_clocks(ctx, "kind=first_contact&state=all")),
       [(c1, "first_contact", "breached"), (c2, "first_contact", "met")], "kind=first_contact")
    eq(_rows(_clocks(ctx, "kind=notice&state=all")), [], "kind=notice")
    eq(_rows(_clocks(ctx, "party=%d" % fx.parties["lender"])), [(c2, "decision", "running")],
       "party=lender")
    eq(_rows(_clocks(ctx, "party=%d&state=all" % fx.parties["lender"])),
       [(c2, "first_contact", "met"), (c2, "decision", "running")], "party=lender, all")
    eq(_rows(_clocks(ctx, "party=%d&state=all" % fx.parties["bank2"])), [],
       "another party's clocks by filter")
    # due_from is inclusive, due_to exclusive.
    eq(_rows(_clocks(ctx, "due_from=2027-03-02T02:00:00Z&due_to=2027-03-02T02:00:00.001Z"
                     "&state=all")),
       [(c1, "first_contact", "breached"), (c2, "first_contact", "met")], "due_from inclusive")
    eq(_rows(_clocks(ctx, "due_from=2027-02-01&due_to=2027-03-02T02:00:00Z&state=all")),
       [], "due_to exclusive")
    eq(_rows(_clocks(ctx, "due_from=2027-03-10&due_to=2027-03-20")),
       [(c1, "decision", "running"), (c2, "decision", "running")], "decisions by due window")
    eq(_rows(_clocks(ctx, "due_from=2027-03-17&due_to=2027-04-30&state=all")), [],
       "nothing due later")
    eq(_rows(_clocks(ctx, "limit=1")), [(c1, "first_contact", "breached")], "limit=1")
    # Everyone involved in the product sees the same clocks; others see none of them.
    eq(_rows(_clocks(ctx, who="plat_agent")), _rows(body), "platform's view")
    eq(_rows(_clocks(ctx, who="lender_sup")), _rows(body), "lender's view")
    eq(_rows(_clocks(ctx, "state=all", who="bank2_agent")),
       [(c3, "first_contact", "breached"), (c3, "decision", "running")], "bank_b sees its own")
    eq(_rows(_clocks(ctx, "state=all&party=%d" % fx.parties["bank"], who="bank2_agent")), [],
       "bank_b cannot list bank_a's clocks")
    eq(_rows(_clocks(ctx, "state=all", who="med_user")), [], "mediator sees none")
    check_error(s.http("GET", "/v1/clocks"), 401, None, what="without a token")
    # Bad parameters.
    tok = fx.token("bank_agent")
    for query, code, field in [
            ("state=closed", "invalid_parameter", "state"),
            ("state=", "invalid_parameter", "state"),
            ("state=open&state=all", "invalid_parameter", "state"),
            ("kind=deadline", "invalid_parameter", "kind"),
            ("party=abc", "invalid_parameter", "party"),
            ("party=0", "invalid_parameter", "party"),
            ("party=-2", "invalid_parameter", "party"),
            ("due_from=yesterday", "invalid_parameter", "due_from"),
            ("due_to=2027-13-01", "invalid_parameter", "due_to"),
            ("due_from=2027-03-10&due_to=2027-03-10", "invalid_parameter", "due_to"),
            ("due_from=2027-03-10&due_to=2027-03-01", "invalid_parameter", "due_to"),
            ("limit=0", "invalid_parameter", "limit"),
            ("limit=x", "invalid_parameter", "limit"),
            ("limit=100000000", "invalid_parameter", "limit"),
            ("owner=me", "unknown_parameter", "owner"),
            ("state=all&cursor=x", "unknown_parameter", "cursor")]:
        for path in ("/v1/clocks", "/v1/clocks/compliance"):
            check_error(s.http("GET", path + "?" + query, token=tok), 400, code, field,
                        "%s?%s" % (path, query))


# ---- 7. GET /v1/clocks/compliance ------------------------------------------------------------


def _figures(ctx, query, who="bank_agent"):
    r = ctx.s.http("GET", "/v1/clocks/compliance?" + query, token=ctx.fx.token(who))
    return check_ok(r, 200, "compliance?%s as %s" % (query, who))


def _check_counts(got, want, what):
    """got: a figures item; want: (total, met, met_late, breached, counting, cancelled)."""
    keys = ("total", "met", "met_late", "breached", "counting", "cancelled")
    eq(tuple(got[k] for k in keys), want, what)
    met, settled = want[1], want[1] + want[2] + want[3]
    if settled == 0:
        eq(got["met_share"], None, what + " met_share")
    else:
        check(isinstance(got["met_share"], float) and abs(got["met_share"] - met / settled) < 1e-12,
              "%s met_share: got %r, want %r" % (what, got["met_share"], met / settled))


def test_compliance_figures(ctx):
    fx = ctx.fx
    t0 = _set_now(ctx, "2027-05-10T10:00:00+08:00")  # Monday
    b1, b2, b3, b4 = (_create(ctx)["no"] for _ in range(4))
    l1, l2, l3 = (_create_lender_led(ctx)["no"] for _ in range(3))
    other = _create(ctx, who="bank2_agent", product=None)["no"]  # bank_b's: never counted here
    check(other, "bank_b complaint")
    # One hour on: first contacts met in time; b4 rejected (its decision cancelled).
    _advance(ctx, HOUR)
    for no, who in ((b1, "bank_agent"), (l1, "lender_agent"), (l2, "lender_agent"),
                    (l3, "lender_agent")):
        fx.act(no, "accept", {}, who=who)
    fx.act(b4, "reject", {"reason": "不属于投诉"})
    fx.act(b1, "investigate", {})
    _decide(ctx, b1)
    _notify(ctx, b1)  # decision and notice met
    # l3 extended to 30 days: 05-10 + 30 = Wed 06-09, the Dragon Boat Festival -> Thu 06-10.
    d = check_ok(_extend(ctx, l3, 30, who="lender_agent"), 200, "extend l3")
    eq(_clock(d, "decision")["due_at"], "2027-06-10T15:59:59.999Z", "l3 due off a holiday")
    # 30 h: b2 accepted late, b3 never; l2 decided and notified in time.
    _set_now(ctx, t0 + 30 * HOUR)
    fx.act(b2, "accept", {})
    fx.act(l2, "investigate", {}, who="lender_agent")
    _decide(ctx, l2, who="lender_agent")
    _notify(ctx, l2, who="lender_agent")
    # 16 days: every decision due 05-25 is breached; b2 decided and notified late.
    _set_now(ctx, "2027-05-26T10:00:00+08:00")
    fx.act(b2, "investigate", {})
    d = _decide(ctx, b2)
    eq(_clock(d, "decision")["state"], "met_late", "b2 decision met late")
    eq(_clock(d, "notice")["due_at"], "2027-05-25T15:59:59.999Z", "notice due with the decision")
    d = _notify(ctx, b2)
    eq(_clock(d, "notice")["state"], "met_late", "b2 notice met late")
    _sweep(ctx)
    window = "due_from=2027-05-01&due_to=2027-07-01"
    fig = _figures(ctx, window)
    eq((fig["due_from"], fig["due_to"]), ("2027-04-30T16:00:00.000Z", "2027-06-30T16:00:00.000Z"),
       "window (dates are Shanghai days)")
    bank, lend = fx.parties["bank"], fx.parties["lender"]
    # (total, met, met_late, breached, counting, cancelled)
    want = {
        ("decision", bank): (4, 1, 1, 1, 0, 1),       # b1 met, b2 late, b3 breached, b4 cancelled
        ("decision", lend): (3, 1, 0, 1, 1, 0),       # l2 met, l1 breached, l3 counting
        ("first_contact", bank): (4, 2, 1, 1, 0, 0),  # b1, b4 met, b2 late, b3 breached
        ("first_contact", lend): (3, 3, 0, 0, 0, 0),
        ("notice", bank): (2, 1, 1, 0, 0, 0),         # b1 met, b2 late
        ("notice", lend): (1, 1, 0, 0, 0, 0),         # l2 met
    }
    eq([(i["kind"], i["lead_party"]) for i in fig["items"]], sorted(want),
       "items by kind and lead party (institution clocks only: no review_window)")
    for item in fig["items"]:
        eq(set(item), {"kind", "lead_party", "total", "met", "met_late", "breached", "counting",
                       "cancelled", "met_share"}, "members of an item")
        _check_counts(item, want[(item["kind"], item["lead_party"])],
                      "%s/%s" % (item["kind"], item["lead_party"]))
    by_kind = {k["kind"]: k for k in fig["by_kind"]}
    eq(sorted(by_kind), ["decision", "first_contact", "notice"], "kinds")
    for kind in by_kind:
        sums = tuple(sum(x) for x in zip(*(v for (k, _), v in want.items() if k == kind)))
        _check_counts(by_kind[kind], sums, "by_kind %s" % kind)
    # decision 2/5, first_contact 5/7, notice 2/3.
    eq(round(by_kind["decision"]["met_share"], 6), 0.4, "decision share")
    # Filters: one lead party, one kind.
    fig = _figures(ctx, window + "&party=%d" % lend)
    eq([(i["kind"], i["lead_party"]) for i in fig["items"]],
       [("decision", lend), ("first_contact", lend), ("notice", lend)], "party=lender")
    for item in fig["items"]:
        _check_counts(item, want[(item["kind"], lend)], "lender %s" % item["kind"])
    for k in fig["by_kind"]:
        _check_counts(k, want[(k["kind"], lend)], "lender by_kind %s" % k["kind"])
    fig = _figures(ctx, window + "&kind=first_contact")
    eq([(i["kind"], i["lead_party"]) for i in fig["items"]],
       [("first_contact", bank), ("first_contact", lend)], "kind=first_contact")
    _check_counts(fig["by_kind"][0], (7, 5, 1, 1, 0, 0), "first contact total")
    # state does not narrow the figures: every clock in the window is counted.
    eq(_figures(ctx, window + "&state=breached")["items"], _figures(ctx, window)["items"],
       "state ignored by the figures")
    # The lender's users see the same figures; an unrelated party sees none of them.
    eq(_figures(ctx, window, who="lender_agent")["items"], _figures(ctx, window)["items"],
       "lender's view")
    fig = _figures(ctx, window, who="bank2_agent")
    eq([(i["kind"], i["lead_party"]) for i in fig["items"]],
       [("decision", fx.parties["bank2"]), ("first_contact", fx.parties["bank2"])],
       "bank_b sees only its own")
    eq(_figures(ctx, window + "&party=%d" % bank, who="bank2_agent")["items"], [],
       "bank_b cannot count bank_a's clocks")
    eq(_figures(ctx, "due_from=2027-07-01&due_to=2027-08-01"),
       {"due_from": "2027-06-30T16:00:00.000Z", "due_to": "2027-07-31T16:00:00.000Z",
        "by_kind": [], "items": []}, "an empty window")


# ---- 7a. implausible times ----------------------------------------------------------------


def test_implausible_times_refused(ctx):
    """Times sent are refused (422 invalid_value, the field named, nothing stored) before
    received_at_floor (2000-01-01) or the complaint's receipt, before the step they follow
    (a notice before its decision, a review applied for before the notice) and more than
    clock_skew_seconds (300) after the server's clock."""
    fx, s = ctx.fx, ctx.s
    t0 = _set_now(ctx, "2027-06-01T10:00:00+08:00")  # a Tuesday

    def create(**over):
        return s.http("POST", "/v1/complaints",
                      fx.complaint_body(complainant=fx.next_person(), **over),
                      token=fx.token("bank_agent"))

    def act(no, action, body):
        return s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action), body,
                      token=fx.token("bank_agent"))

    before = _fingerprint(ctx)
    for when in ("1990-01-01T10:00:00+08:00", "1999-12-31T23:59:59+08:00", "1970-01-02",
                 _iso(t0 + 301 * 1000), "2030-01-01"):
        check_error(create(received_at=when), 422, "invalid_value", "received_at",
                    what="received_at " + when)
    check_error(create(received_at=_iso(t0 - DAY), institution_received_at=_iso(t0 - 2 * DAY)),
                422, "invalid_value", "institution_received_at", what="before received_at")
    check_error(create(institution_received_at=_iso(t0 + 10 * MINUTE)), 422, "invalid_value",
                "institution_received_at", what="institution_received_at in the future")
    eq(_fingerprint(ctx), before, "database after refused creations")
    # the skew itself is allowed
    d = check_ok(create(received_at=_iso(t0 + 300 * 1000)), 201, "received_at at the skew")
    eq(d["received_at"], _iso(t0 + 300 * 1000), "received_at")

    no = _create(ctx)["no"]  # received at t0
    for a in ("accept", "investigate"):
        fx.act(no, a, action_body(a, fx))
    before = _fingerprint(ctx)
    # the notice of an extension: not before the receipt, not in the future
    for when in (_iso(t0 - MINUTE), "2001-05-01", _iso(t0 + 6 * MINUTE)):
        r = act(no, "extend", {"days": 30, "reason": "需要补充调查",
                               "consumer_notice": {"method": "sms", "notified_at": when}})
        check_error(r, 422, "invalid_value", "consumer_notice.notified_at", what=when)
    eq(_fingerprint(ctx), before, "database after refused extensions")
    _advance(ctx, HOUR)
    _decide(ctx, no)
    decided = ctx.now
    _advance(ctx, 2 * HOUR)
    _sweep(ctx)  # what the new time makes due is raised now, not during the refusals
    before = _fingerprint(ctx)
    # the notice: not in 2001 or 2030, not before the decision, not ahead of the clock
    for when in ("2001-01-01T10:00:00+08:00", "2030-01-01T00:00:00Z", _iso(t0 + 30 * MINUTE),
                 _iso(decided - 1), _iso(ctx.now + 301 * 1000)):
        r = act(no, "notify", {"method": "sms", "notified_at": when, "proof": "短信回执"})
        check_error(r, 422, "invalid_value", "notified_at", what="notified_at " + when)
    eq(_fingerprint(ctx), before, "database after refused notices")
    d = fx.act(no, "notify", {"method": "sms", "notified_at": _iso(decided + HOUR),
                              "proof": "短信回执"})
    eq(_clock(d, "notice")["stopped_at"], _iso(decided + HOUR), "notice met when given")
    _advance(ctx, DAY)
    _sweep(ctx)
    before = _fingerprint(ctx)
    # the review: not in 2035, not before the notice
    for when in ("2035-01-01", _iso(decided + HOUR - 1), _iso(decided)):
        r = act(no, "review", {"reason": "不服", "applied_at": when})
        check_error(r, 422, "invalid_value", "applied_at", what="applied_at " + when)
    eq(_fingerprint(ctx), before, "database after refused reviews")
    d = fx.act(no, "review", {"reason": "不服", "applied_at": _iso(decided + 2 * HOUR)})
    eq(_clock(d, "review_decision")["started_at"], _iso(decided + 2 * HOUR),
       "review counted from when it was applied for")
    # close it: nothing of this test counts later
    d = fx.act(no, "decide", action_body("decide", fx), who="bank_sup")
    fx.act(no, "notify", {"method": "sms", "notified_at": _iso(ctx.now), "proof": "短信回执"})
    fx.act(no, "close", {"summary": "办结"})
    fx.act(no, "callback", {"method": "phone", "satisfaction": "satisfied"})


# ---- 7b. mediation: from registration to closed --------------------------------------------


def test_mediation_ends_closed(ctx):
    """The path of a complaint through mediation (调解): the lead party decides and notifies,
    the consumer takes it to the mediation organisation, whose time no institution clock
    counts; the mediator records the outcome (an agreement with compensation, which the
    settlement shares among the parties), serves it on the consumer and closes; the lead
    party then calls back."""
    fx, s = ctx.fx, ctx.s
    t0 = _set_now(ctx, "2027-06-14T10:00:00+08:00")  # a Monday
    no = _create(ctx)["no"]
    fx.act(no, "accept", {})
    fx.act(no, "investigate", {})
    _advance(ctx, DAY)
    _decide(ctx, no)
    _advance(ctx, HOUR)
    _notify(ctx, no)
    _advance(ctx, 2 * DAY)
    d = fx.act(no, "mediate", {"mediator_party": fx.parties["mediator"],
                               "reason": "对补偿金额有分歧"}, who="bank_comp")
    eq(d["state"], "mediation", "referred")
    states = {c["kind"]: c["state"] for c in d["clocks"]}
    eq(states, {"first_contact": "met", "decision": "met", "notice": "met",
                "review_window": "met"}, "no clock counts while the mediator works")
    # three weeks of mediation raise nothing
    _advance(ctx, 21 * DAY)
    _sweep(ctx)
    eq(_alerts(ctx, no), [], "alerts during the mediation")
    before = _fingerprint(ctx)
    for who, action, body, code in (
            ("bank_agent", "decide", action_body("decide", fx), "role_not_allowed"),
            ("med_user", "notify", action_body("notify", fx), "illegal_transition"),
            ("med_user", "review", {"reason": "x"}, "illegal_transition")):
        r = s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action), body,
                   token=fx.token(who))
        check_error(r, 409 if code == "illegal_transition" else 403, code,
                    what="%s by %s in mediation" % (action, who))
    eq(_fingerprint(ctx), before, "database after refused actions in mediation")
    # the mediator records the agreement
    agreement = {"finding": "双方达成调解协议", "responsibility": "shared",
                 "remedy": "退还多收利息的一半", "compensation_fen": 60000,
                 "basis": "调解协议书（2027）金调字第18号", "routes": ["litigation"]}
    d = fx.act(no, "decide", agreement, who="med_user")
    decided = ctx.now
    eq((d["state"], d["decisions"], d["decision"]["by"]), ("decided", 2, fx.uid("med_user")),
       "the mediation's outcome")
    eq(d["decision"]["settlement"]["total_fen"], 60000, "settlement of the agreed compensation")
    eq(sum(p["amount_fen"] for p in d["decision"]["settlement"]["parts"]), 60000,
       "settlement parts")
    notice = _clock(d, "notice")
    eq((notice["state"], notice["run"]), ("running", 2), "a new notice clock")
    check(decided + 14 * DAY < _ms(notice["due_at"]) <= decided + 20 * DAY,
          "notice due 15 days after the mediation's decision: %s" % notice["due_at"])
    # the mediator serves it on the consumer (the signed agreement) and closes
    _advance(ctx, DAY)
    d = fx.act(no, "notify", {"method": "in_person", "notified_at": _iso(ctx.now - HOUR),
                              "proof": "调解协议书签收回执"}, who="med_user")
    eq((d["state"], _clock(d, "notice")["state"]), ("notified", "met"), "agreement served")
    d = fx.act(no, "close", {"summary": "调解结案，按协议履行"}, who="med_user")
    eq(d["state"], "closed", "closed by the mediator")
    eq((d["closure"]["by"], _clock(d, "callback")["state"]), (fx.uid("med_user"), "running"),
       "the lead party's callback is due")
    d = fx.act(no, "callback", {"method": "phone", "satisfaction": "satisfied"})
    eq(_clock(d, "callback")["state"], "met", "called back")
    events = fx.timeline(no)["events"]
    eq([e["type"] for e in events][len(CREATED):],
       ["accepted", "investigation_started", "decided", "notified", "mediation_referred",
        "decided", "notified", "closed", "callback_recorded"], "timeline")
    eq([e["actor"]["party"] for e in events[-4:-1]], [fx.parties["mediator"]] * 3,
       "the mediator's steps")
    check(d["received_at"] == _iso(t0), "received_at")
    _sweep(ctx)
    eq(_alerts(ctx, no), [], "no alert on the whole way")


# ---- 7c. grades set by hand -------------------------------------------------------------------


def test_grade_lowered_only_with_approval(ctx):
    """Lowering a grade loosens the first-contact clock (2 h for urgent, 24 h for general):
    an agent may not (403 approval_required), a supervisor or compliance officer may with a
    reason (422 missing_field without); grade_reasons always describe the grade in force,
    and the clocks follow it."""
    fx, s = ctx.fx, ctx.s
    t0 = _set_now(ctx, "2027-06-28T10:00:00+08:00")  # a Monday
    d = _create(ctx, description="催收电话一天几十个，逼得我想跳楼")
    no = d["no"]
    eq((d["grade"], d["grade_reasons"]), ("urgent", ["text:跳楼"]), "graded by the text")
    eq(_clock(d, "first_contact")["limit"], {"amount": 2, "unit": "hours"}, "urgent: 2 hours")

    def classify(who, body):
        return s.http("POST", "/v1/complaints/%s/actions/classify" % no, body,
                      token=fx.token(who))

    before = _fingerprint(ctx)
    check_error(classify("bank_agent", {"grade": "general", "reason": "误判"}), 403,
                "approval_required", "grade", what="an agent lowers")
    check_error(classify("bank_agent", {"grade": "important"}), 403, "approval_required",
                "grade", what="an agent lowers by one step")
    check_error(classify("bank_sup", {"grade": "general"}), 422, "missing_field", "reason",
                what="a supervisor lowers without a reason")
    eq(_fingerprint(ctx), before, "database after refused lowerings")
    d = fx.act(no, "classify", {"grade": "urgent", "cause": "c11"})
    eq(d["grade_reasons"], ["text:跳楼"], "the same grade keeps its reasons")
    d = fx.act(no, "classify", {"grade": "general", "reason": "原话引自他人，非本人意图"},
               who="bank_sup")
    eq((d["grade"], d["grade_reasons"]),
       ("general", ["given:%d:原话引自他人，非本人意图" % fx.uid("bank_sup")]), "lowered")
    fc = _clock(d, "first_contact")
    eq((fc["limit"], fc["due_at"]), ({"amount": 24, "unit": "hours"}, _iso(t0 + 24 * HOUR)),
       "general: 24 hours from the receipt")
    d = fx.act(no, "classify", {"grade": "major"})
    eq((d["grade"], d["grade_reasons"]), ("major", ["given:%d" % fx.uid("bank_agent")]),
       "raised by an agent")
    eq(_clock(d, "first_contact")["due_at"], _iso(t0 + 2 * HOUR), "major: 2 hours")
    d = fx.act(no, "classify", {"grade": "important", "reason": "经核实无人身风险"},
               who="bank_comp")
    eq(d["grade_reasons"], ["given:%d:经核实无人身风险" % fx.uid("bank_comp")],
       "lowered by compliance")
    types = [e["type"] for e in fx.timeline(no)["events"]]
    eq(types[len(CREATED):], ["classified"] * 4, "one event per classification")
    fx.act(no, "withdraw", {"reason": "消费者撤回"})


def test_alert_without_assignee(ctx):
    """An alert names whom it is for; a complaint nobody was assigned to (no agent on duty)
    has no assignee there, the member left out rather than null."""
    fx, s = ctx.fx, ctx.s
    agents = [u for u, (party, role) in ((k, (v["party"], v["role"])) for k, v in fx.users.items())
              if party == fx.parties["bank"] and role == "agent"]

    def duty(on):
        for who in agents:
            check_ok(s.http("POST", "/v1/users/%d/duty" % fx.uid(who), {"on_duty": on},
                            token=fx.token(who)), 200, "duty of " + who)

    t0 = _set_now(ctx, "2027-07-05T10:00:00+08:00")  # a Monday
    duty(False)
    try:
        d = _create(ctx)
    finally:
        duty(True)
    no = d["no"]
    check("assignee" not in d, "assignee %r" % d.get("assignee"))
    _set_now(ctx, t0 + 25 * HOUR)
    _sweep(ctx)
    alerts = _alert_events(ctx, no)
    eq([(e["type"], e["payload"]["clock"]) for e in alerts],
       [("clock_warning", "first_contact"), ("clock_escalated", "first_contact")], "alerts")
    for e in alerts:
        eq(e["payload"]["to"], {"party": fx.parties["bank"], "roles": ["supervisor", "compliance"]},
           "%s addressed" % e["type"])
    fx.act(no, "withdraw", {"reason": "消费者撤回"}, who="bank_sup")


# ---- 8. restart ---------------------------------------------------------------------------------


def test_restart_keeps_clocks_and_alerts(ctx):
    fx, s = ctx.fx, ctx.s
    t0 = _set_now(ctx, "2027-08-02T10:00:00+08:00")  # Monday
    no = _create(ctx)["no"]
    _set_now(ctx, t0 + 20 * HOUR)
    _sweep(ctx)
    eq(_alerts(ctx, no), [("clock_warning", "first_contact", 1)], "warned before the restart")
    query = "state=all&due_from=2027-08-01&due_to=2027-09-01"
    before = (fx.get(no), fx.timeline(no), _clocks(ctx, query))
    s.restart()
    _set_now(ctx, t0 + 20 * HOUR)  # the test clock does not survive a restart
    after = (fx.get(no), fx.timeline(no), _clocks(ctx, query))
    eq(after, before, "document, timeline and clock listing after the restart")
    eq(_sweep(ctx)["alerts"], 0, "a sweep after the restart raises nothing")
    eq(fx.timeline(no), before[1], "timeline after the sweep")
    _set_now(ctx, t0 + 25 * HOUR)
    _sweep(ctx)
    eq(_alerts(ctx, no), [("clock_warning", "first_contact", 1),
                          ("clock_escalated", "first_contact", 1)], "escalated")
    s.restart()
    _set_now(ctx, t0 + 26 * HOUR)
    for _ in range(2):
        eq(_sweep(ctx)["alerts"], 0, "nothing new after the second restart")
    eq(_alerts(ctx, no), [("clock_warning", "first_contact", 1),
                          ("clock_escalated", "first_contact", 1)], "still one of each")
    fc = _clock(fx.get(no), "first_contact")
    eq((fc["state"], fc["warned"], fc["escalated"], fc["late_ms"]), ("breached", True, True,
                                                                     2 * HOUR), "after restarts")


# ---- 9. the test endpoints need --test-clock -----------------------------------------------


def test_projected_calendar_days_are_marked(ctx):
    """A day limit whose days reach into 2027, a year data/calendar.tsv only projects, says so
    with "projected": true; the same limit inside 2026 and every hour limit do not."""
    _set_now(ctx, "2026-12-01T10:00:00+08:00")
    d = _create(ctx)
    eq((_clock(d, "first_contact")["projected"], _clock(d, "decision")["projected"]),
       (False, False), "projected flags of a complaint of 2026-12-01 (decision due 12-16)")
    _set_now(ctx, "2026-12-20T10:00:00+08:00")
    d = _create(ctx)
    dec = _clock(d, "decision")
    eq(dec["due_at"], "2027-01-04T15:59:59.999Z", "decision due on the 15th day, 2027-01-04")
    eq((_clock(d, "first_contact")["projected"], dec["projected"]), (False, True),
       "projected flags of a complaint of 2026-12-20")
    # the same in a fetch, and in GET /v1/complaints
    eq(_clock(ctx.fx.get(d["no"]), "decision")["projected"], True, "projected in a fetch")


def test_test_endpoints_need_test_clock(ctx):
    plain = ctx.server(name="clocks-plain", test_clock=False)
    check_error(plain.http("POST", "/v1/test/sweep"), 404, "no_route", what="sweep without "
                "--test-clock")
    check_error(plain.http("POST", "/v1/test/clock", {"now": "2027-01-01T00:00:00Z"}), 404,
                "no_route", what="clock without --test-clock")
    check_error(plain.http("POST", "/v1/test/clock", {"reset": True}), 404, "no_route",
                what="reset without --test-clock")
    check_ok(plain.http("GET", "/v1/health"), 200, "health")
    plain.stop()
    # The test server answers both.
    check_ok(ctx.s.http("POST", "/v1/test/sweep"), 200, "sweep with --test-clock")
