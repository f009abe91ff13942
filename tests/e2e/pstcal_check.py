"""Independent checks of the PST calendar/contact conversion, run by
tests/test_pst_items.c (not a test by itself):

  pstcal_check.py ICS_LIST VCF_LIST [READPST_DIR...]

* every .ics parses with python3-icalendar; VEVENT/VTODO/VJOURNAL have UID and
  DTSTAMP, VEVENTs a DTSTART, and every TZID used is defined in the file;
* every .vcf is one vCard that python3-vobject reads, with an FN;
* what readpst -e keeps of each event (summary, start instant, RRULE FREQ,
  COUNT, BYDAY, BYMONTH) is found in our output. readpst loses recurrence end
  dates, exceptions and attendees, so only those fields are compared.
"""
import datetime
import os
import sys

import icalendar
import vobject


def norm(text):
    return " ".join(str(text).split())


def instant(prop):
    """UTC datetime, or a date for all-day values."""
    v = prop.dt
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            return v  # floating: compared as is
        return v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return v


def rule_key(comp):
    r = comp.get("RRULE")
    if not r:
        return None
    return {k: r[k] for k in ("FREQ", "COUNT", "BYDAY", "BYMONTH") if k in r}


def load_ours(ics_files):
    events = {}
    n_ev = 0
    for f in ics_files:
        cal = icalendar.Calendar.from_ical(open(f, "rb").read())
        tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        for c in cal.walk():
            if c.name not in ("VEVENT", "VTODO", "VJOURNAL"):
                continue
            assert "UID" in c and "DTSTAMP" in c, f
            for k in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE"):
                p = c.get(k)
                for q in p if isinstance(p, list) else [p]:
                    if q is not None and "TZID" in q.params:
                        assert q.params["TZID"] in tzids, (f, k)
            if c.name != "VEVENT":
                continue
            assert "DTSTART" in c, f
            n_ev += 1
            if "RECURRENCE-ID" in c:
                continue
            events.setdefault(norm(c.get("SUMMARY", "")), []).append(
                (instant(c["DTSTART"]), rule_key(c)))
    return events, n_ev


def matches(ours, theirs_start):
    if isinstance(ours, datetime.datetime):
        return ours == theirs_start
    # all-day: readpst writes the local midnight as UTC
    return ours == (theirs_start + datetime.timedelta(hours=12)).date()


def compare_readpst(events, dirs):
    checked = 0
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if not name.endswith(".ics"):
                    continue
                cal = icalendar.Calendar.from_ical(open(os.path.join(root, name), "rb").read())
                for ev in cal.walk("VEVENT"):
                    summary = norm(ev.get("SUMMARY", ""))
                    start = instant(ev["DTSTART"])
                    cands = [e for e in events.get(summary, []) if matches(e[0], start)]
                    assert cands, "readpst event %r at %s missing" % (summary, start)
                    theirs = rule_key(ev)
                    if theirs:
                        assert any(e[1] and all(e[1].get(k) == v for k, v in theirs.items())
                                   for e in cands), (summary, theirs, [e[1] for e in cands])
                    checked += 1
    return checked


def main():
    ics = open(sys.argv[1]).read().split("\n")
    ics = [f for f in ics if f]
    events, n_ev = load_ours(ics)
    n_vcf = 0
    for f in open(sys.argv[2]).read().split("\n"):
        if not f:
            continue
        cards = list(vobject.readComponents(open(f, encoding="utf-8").read()))
        assert len(cards) == 1 and cards[0].fn.value, f
        n_vcf += 1
    checked = compare_readpst(events, sys.argv[3:])
    print("python: %d ics (%d VEVENT), %d vcf ok; %d readpst events matched"
          % (len(ics), n_ev, n_vcf, checked))


if __name__ == "__main__":
    main()
