"""
test_calendars.py - a party's own calendar: a file <party code>.tsv in the
party_calendars directory is a layer over the national calendar, used for
the clocks of complaints that party leads (as dispatch or a transfer made it
the lead party).  Files are read when the server starts.
"""

import os

from harness import Fixture, check, check_ok, eq


def setup(ctx):
    ctx.s = ctx.server(name="calendars", start=False)
    caldir = os.path.join(ctx.s.dir, "party-calendars")
    os.makedirs(caldir)
    # bank_a closes on Tue 2026-10-13 (a company holiday); the national calendar has it as a
    # working day.  A file for a code no party has is ignored with a warning.
    with open(os.path.join(caldir, "bank_a.tsv"), "w") as f:
        f.write("# bank_a's own days\n2026-10-13\tholiday\t行庆日 bank day\n")
    with open(os.path.join(caldir, "nobody.tsv"), "w") as f:
        f.write("2026-10-14\tholiday\tx\n")
    ctx.s.settings["party_calendars"] = caldir
    ctx.s.start()
    ctx.fx = Fixture(ctx.s).build()
    # The calendars are read at start: restart now that the parties exist.
    ctx.s.restart()


def _decision(doc):
    return [c for c in doc["clocks"] if c["kind"] == "decision"][0]


def test_party_calendar_moves_the_deadline(ctx):
    fx, s = ctx.fx, ctx.s
    check_ok(s.http("POST", "/v1/test/clock", {"now": "2026-09-28T10:00:00+08:00"}), 200, "clock")
    # Received Mon 2026-09-28: the 15th day is Tue 2026-10-13.
    at = "2026-09-28T10:00:00+08:00"
    bank = fx.create(received_at=at)  # the product's complaint, led by bank_a (its funder)
    eq(bank["lead_party"], fx.parties["bank"], "lead party")
    eq(_decision(bank)["due_at"], "2026-10-14T15:59:59.999Z", "bank_a: the 13th is its holiday")
    # The calendar is the lead party's, as dispatch chose it, not the target's: a complaint
    # against the lender about the rate is led by bank_a (the funder, data/routing.tsv) ...
    d = fx.create("lender_agent", received_at=at, target_party=fx.parties["lender"])
    eq((d["lead_party"], d["dispatch"]["lead_by"]), (fx.parties["bank"], "funder"), "funder leads")
    eq(_decision(d)["due_at"], "2026-10-14T15:59:59.999Z", "led by bank_a: its calendar")
    # ... while one about collection is the lender's own, on the national calendar.
    d = fx.create("lender_agent", received_at=at, target_party=fx.parties["lender"], cause="c12")
    eq((d["lead_party"], d["dispatch"]["lead_by"]), (fx.parties["lender"], "acquirer"),
       "acquirer leads")
    eq(_decision(d)["due_at"], "2026-10-13T15:59:59.999Z", "led by lender_a: national calendar")
    other = check_ok(s.http("POST", "/v1/complaints",
                            fx.complaint_body(product=None, received_at=at),
                            token=fx.token("bank2_agent")), 201, "bank_b's complaint")
    eq(_decision(other)["due_at"], "2026-10-13T15:59:59.999Z", "bank_b: national calendar")
    events = [e.get("event") for e in s.log_events()]
    check("party_calendar_unused" in events, "no warning for nobody.tsv")
