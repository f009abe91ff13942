"""MDaemon groupware (Calendar.mrk, AddrBook.mrk) through the whole program.

The fixtures of testdata/mdaemon/groupware/ are wrapped as MDaemon mailboxes
in a temp dir (an empty IMAP.MRK in the mailbox root, Calendar.IMAP/ and
Contacts.IMAP/ each with the .mrk file and a HIWATER.MRK giving the folder
class, formats.md D.4) and converted with `--to ics`:

* a single mailbox directory, and the same mailbox in whole-server layout
  (Users/example.com/alice/), where the mailbox address is the owner;
* a mailbox whose Calendar.mrk is truncated and malformed.

Checked with consumers independent of mailferry: python3-icalendar parses
every VCALENDAR and gives the expected DTSTART/DTEND/RRULE/EXDATE/
RECURRENCE-ID (values worked out from formats.md D.6 by hand); libical's
icalrestriction_check (tests/e2e/libical_check.py, ctypes) finds nothing;
python3-dateutil's rrule expands each series to the expected dates (deleted
occurrence absent, changed one moved), and libical's
icalcomponent_foreach_recurrence agrees on the count; python3-vobject reads
the cards. The meeting without Planner comes out tagged
Meetings_MissingOrganizer (CATEGORIES, report "repairs"); the report
invariant holds; the damaged events are quarantined with a reason naming
them.
"""

import datetime
import os
import shutil
import sys

import icalendar
import vobject
from dateutil import rrule

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402
from libical_check import expansions, restriction_errors, split_vcalendars  # noqa: E402

res = mfe2e.Results("test_mdaemon_calendar")
mfe2e.require_binary(res)

GW = os.path.join(mfe2e.TESTDATA, "mdaemon", "groupware")
UTC = datetime.timezone.utc
PLUS1 = datetime.timezone(datetime.timedelta(hours=1))
MINUS5 = datetime.timezone(datetime.timedelta(hours=-5))


def uid(n):
    return "A10000000000000000000000000000%02d" % n


def make_mailbox(path, calendar, addrbook=None):
    """An MDaemon mailbox directory holding the given groupware files."""
    os.makedirs(os.path.join(path, "Calendar.IMAP"))
    open(os.path.join(path, "IMAP.MRK"), "wb").close()
    shutil.copy(calendar, os.path.join(path, "Calendar.IMAP", "Calendar.mrk"))
    with open(os.path.join(path, "Calendar.IMAP", "HIWATER.MRK"), "wb") as f:
        f.write(b"[Groupware]\r\nFolderClass=IPF.Appointment\r\n")
    if addrbook:
        os.makedirs(os.path.join(path, "Contacts.IMAP"))
        shutil.copy(addrbook, os.path.join(path, "Contacts.IMAP", "AddrBook.mrk"))
        with open(os.path.join(path, "Contacts.IMAP", "HIWATER.MRK"), "wb") as f:
            f.write(b"[Groupware]\r\nFolderClass=IPF.Contact\r\n")


def convert(item, src, allowed=(0,)):
    work = mfe2e.mktemp("mdcal-")
    out, rep_path = os.path.join(work, "out"), os.path.join(work, "report.json")
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", "ics", "--report", rep_path, "-q"])
    if not mfe2e.check_run_sane(res, item, r, allowed):
        return None, None, r
    rep = mfe2e.load_report(res, item, rep_path)
    mfe2e.check_report(res, item, rep, r.rc)
    return out, rep, r


def read_calendar(item, path):
    """UID -> {"master": VEVENT, "overrides": [VEVENT...]}, after the checks
    every VCALENDAR of the file must pass."""
    with open(path, "rb") as f:
        data = f.read()
    events = {}
    for chunk in split_vcalendars(data):
        errs = restriction_errors(chunk)
        res.check(not errs, item, "icalrestriction_check: %s" % (errs[:2],))
        try:
            cal = icalendar.Calendar.from_ical(chunk)
        except Exception as e:  # noqa: BLE001 - a parse failure is a test failure
            res.fail(item, "python3-icalendar cannot parse %s: %s" % (path, e))
            continue
        for ev in cal.walk("VEVENT"):
            slot = events.setdefault(str(ev["UID"]), {"master": None, "overrides": []})
            if "RECURRENCE-ID" in ev:
                slot["overrides"].append(ev)
            else:
                slot["master"] = ev
    return events, data


def expand(ev, n):
    """The first n starts of the series (dateutil), EXDATEs removed."""
    start = ev["DTSTART"].dt
    rule = ev["RRULE"].to_ical().decode()
    if isinstance(start, datetime.datetime):
        dtstart = start
    else:
        dtstart = datetime.datetime(start.year, start.month, start.day)
    rs = rrule.rruleset()
    rs.rrule(rrule.rrulestr(rule, dtstart=dtstart, ignoretz=False))
    ex = ev.get("EXDATE")
    for e in (ex if isinstance(ex, list) else [ex] if ex is not None else []):
        for d in e.dts:
            rs.exdate(d.dt)
    return list(rs)[:n] if n else list(rs)


def check_event(item, events, n, **want):
    ev = (events.get(uid(n)) or {}).get("master")
    if not res.check(ev is not None, item, "event %s present" % uid(n)):
        return None
    for prop, value in want.items():
        got = ev.get(prop.replace("_", "-"))
        got = got.dt if hasattr(got, "dt") else got
        res.check(got == value, item, "%s %s = %r (got %r)" % (uid(n), prop, value, got))
    return ev


def check_weekly(item, events, data):
    slot = events.get(uid(3)) or {"master": None, "overrides": []}
    ev = slot["master"]
    if not res.check(ev is not None, item, "weekly series present"):
        return
    r = ev["RRULE"]
    res.check(r.get("FREQ") == ["WEEKLY"] and sorted(r.get("BYDAY")) == ["TH", "TU"], item,
              "weekly RRULE %r" % r)
    res.check(r.get("UNTIL") == [datetime.datetime(2024, 2, 29, 8, 0, tzinfo=UTC)], item,
              "UNTIL 2024-02-29 09:00 at UTC+1 (got %r)" % r.get("UNTIL"))
    ex = ev.get("EXDATE")
    ex = [d.dt for e in (ex if isinstance(ex, list) else [ex]) for d in e.dts]
    res.check(ex == [datetime.datetime(2024, 1, 16, 9, 0, tzinfo=PLUS1)], item,
              "EXDATE Jan 16 09:00+01:00 (got %r)" % ex)
    res.check(len(slot["overrides"]) == 1, item, "one changed occurrence")
    moved = {}
    for ov in slot["overrides"]:
        rid, st = ov["RECURRENCE-ID"].dt, ov["DTSTART"].dt
        res.check(rid == datetime.datetime(2024, 1, 18, 9, 0, tzinfo=PLUS1), item,
                  "RECURRENCE-ID Jan 18 09:00+01:00 (got %r)" % rid)
        res.check(st == datetime.datetime(2024, 1, 19, 11, 0, tzinfo=PLUS1), item,
                  "changed occurrence starts Jan 19 11:00+01:00 (got %r)" % st)
        res.check(str(ov.get("SUMMARY")) == "Standup (moved)", item, "changed subject")
        moved[rid] = st
    # Tue/Thu Jan 2 .. Feb 29 2024 (18), Jan 16 deleted, Jan 18 moved to Jan 19 11:00
    got = sorted(moved.get(d, d) for d in expand(ev, 0))
    want = [datetime.datetime(2024, m, d, 9, 0, tzinfo=PLUS1) for m, d in
            [(1, 2), (1, 4), (1, 9), (1, 11), (1, 23), (1, 25), (1, 30), (2, 1), (2, 6), (2, 8),
             (2, 13), (2, 15), (2, 20), (2, 22), (2, 27), (2, 29)]]
    want = sorted(want + [datetime.datetime(2024, 1, 19, 11, 0, tzinfo=PLUS1)])
    res.check(got == want, item, "weekly series expands as expected (got %r)" % got)
    # libical (icalcomponent_foreach_recurrence over the master, whose window
    # starts at DTSTART exclusive in libical 3.0) agrees with dateutil
    ours = {int(d.timestamp()) for d in expand(ev, 0)}
    for chunk in split_vcalendars(data):
        if uid(3).encode() in chunk:
            spans = {s for s, _ in expansions(chunk, {uid(3)}).get(uid(3), [])}
            first = int(ev["DTSTART"].dt.timestamp())
            res.check(len(spans) >= 16 and spans <= ours and ours - spans <= {first}, item,
                      "libical expands the master like dateutil (%d vs %d)"
                      % (len(spans), len(ours)))


def check_calendar(item, path, organizer_mode):
    events, data = read_calendar(item, path)
    res.check(len(events) == 10, item, "10 events (got %d)" % len(events))
    ev = check_event(item, events, 1, DTSTART=datetime.datetime(2024, 3, 5, 10, 0),
                     DTEND=datetime.datetime(2024, 3, 5, 11, 0))
    if ev is not None:
        res.check(str(ev.get("ORGANIZER")) == "mailto:alice@example.com", item, "Planner")
        res.check(ev["ORGANIZER"].params.get("CN") == "Alice Example", item, "Planner CN")
        att = ev.get("ATTENDEE")
        res.check(isinstance(att, list) and sorted(str(a) for a in att) ==
                  ["mailto:bob@example.com", "mailto:carol@example.net"], item, "attendees")
    ev = check_event(item, events, 2)
    if ev is not None:
        cats = ev.get("CATEGORIES")
        names = [str(c) for cs in (cats if isinstance(cats, list) else [cats]) if cs is not None
                 for c in cs.cats]
        res.check("Meetings_MissingOrganizer" in names, item, "no Planner: tagged (%r)" % names)
        org = str(ev.get("ORGANIZER", ""))
        if organizer_mode == "owner":
            res.check(org == "mailto:alice@example.com", item, "mailbox became organizer")
        else:
            res.check(not org and "dave@example.com" in str(ev.get("DESCRIPTION")), item,
                      "no owner: appointment, attendees in DESCRIPTION")
    check_weekly(item, events, data)
    ev = check_event(item, events, 4, DTSTART=datetime.datetime(2024, 2, 14, 19, 0))
    if ev is not None:
        res.check(expand(ev, 3) == [datetime.datetime(y, 2, 14, 19, 0) for y in (2024, 2025, 2026)],
                  item, "yearly Feb 14 without end")
        res.check("UNTIL" not in ev["RRULE"] and "COUNT" not in ev["RRULE"], item,
                  "4500-08-31 = no end")
    for n, (s, e) in {6: ((2024, 4, 22), (2024, 4, 27)), 10: ((2024, 11, 28), (2024, 11, 29))}.items():
        check_event(item, events, n, DTSTART=datetime.date(*s), DTEND=datetime.date(*e))
    holiday = [s["master"] for s in events.values()
               if s["master"] is not None and str(s["master"].get("SUMMARY")).startswith("Holiday")]
    res.check(len(holiday) == 1 and holiday[0]["DTSTART"].dt == datetime.date(2024, 3, 8) and
              holiday[0]["DTEND"].dt == datetime.date(2024, 3, 9), item, "all-day, inclusive end")
    ev = check_event(item, events, 7)
    if ev is not None:
        alarms = [c for c in ev.walk("VALARM")]
        res.check(len(alarms) == 1 and alarms[0]["TRIGGER"].dt == datetime.timedelta(minutes=-30),
                  item, "reminder 30 min")
    check_event(item, events, 8, SUMMARY="Besprechung über Größe – 会議 ✓",
                LOCATION="Zürich, Bahnhofstraße 1")
    ev = check_event(item, events, 9, DTSTART=datetime.datetime(2024, 6, 1, 10, 0, tzinfo=MINUS5))
    if ev is not None:
        res.check(expand(ev, 0) == [datetime.datetime(2024, m, d, 10, 0, tzinfo=MINUS5)
                                    for m, d in ((6, 1), (7, 6), (8, 3))], item,
                  "first weekend day, 3 times")
    ev = events.get(uid(10), {}).get("master")
    if ev is not None:
        res.check([d.date() for d in expand(ev, 3)] ==
                  [datetime.date(2024, 11, 28), datetime.date(2025, 11, 27),
                   datetime.date(2026, 11, 26)], item, "4th Thursday of November")


def check_contacts(item, path):
    with open(path, encoding="utf-8") as f:
        cards = list(vobject.readComponents(f.read()))
    res.check(len(cards) == 4, item, "4 cards (got %d)" % len(cards))
    fns = sorted(c.fn.value for c in cards)
    res.check(fns == ["Anna Schmidt", "Bob Builder", "Jörg Müller", "Project team"], item,
              "card names %r" % fns)


def check_mailbox_run(item, src, organizer_mode, prefix):
    out, rep, _ = convert(item, src)
    if out is None or rep is None:
        return
    res.check(rep["repairs"].get("Meetings_MissingOrganizer") == 1, item,
              "report repairs %r" % rep["repairs"])
    res.check(rep["totals"]["read"] == 14 and rep["totals"]["written"] == 14, item,
              "10 events + 4 cards read and written (%r)" % rep["totals"])
    cal = os.path.join(out, prefix, "Calendar.ics")
    if res.check(os.path.isfile(cal), item, "Calendar.ics written"):
        check_calendar(item, cal, organizer_mode)
    vcf = os.path.join(out, prefix, "Contacts.vcf")
    if res.check(os.path.isfile(vcf), item, "Contacts.vcf written"):
        check_contacts(item, vcf)


def check_truncated(item, src):
    out, rep, r = convert(item, src, allowed=(1,))
    if out is None or rep is None:
        return
    q = rep["quarantine"]
    res.check(len(q) == 2 and all(x.get("reason") for x in q), item,
              "2 damaged events quarantined with a reason (%r)" % q)
    res.check(any("Event ID=3" in (x.get("locator") or "") for x in q), item,
              "the truncated event is named")
    events, _ = read_calendar(item, os.path.join(out, "Calendar.ics"))
    res.check(list(events) == ["B1000000000000000000000000000001"], item,
              "the intact event is written (%r)" % list(events))


work = mfe2e.mktemp("mdcal-src-")
single = os.path.join(work, "alice")
make_mailbox(single, os.path.join(GW, "Calendar.mrk"), os.path.join(GW, "AddrBook.mrk"))
check_mailbox_run("mailbox", single, "appointment", "")
server = os.path.join(work, "Users")
make_mailbox(os.path.join(server, "example.com", "alice"), os.path.join(GW, "Calendar.mrk"),
             os.path.join(GW, "AddrBook.mrk"))
check_mailbox_run("whole server", server, "owner", "alice@example.com")
broken = os.path.join(work, "broken")
make_mailbox(broken, os.path.join(GW, "truncated", "Calendar.mrk"))
check_truncated("truncated", broken)
res.finish()
