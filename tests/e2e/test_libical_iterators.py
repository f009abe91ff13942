"""Properties and components that occur several times, through the binary.

libical keeps ONE property iterator per component (and one component iterator
per parent): a get_first/get_next walk whose body looks up another property of
the same component (DTSTART, DESCRIPTION, ...) restarts, skips or never ends
(two RRULEs once hung the tool). Here every multi-valued property (RRULE,
EXDATE, RDATE, ATTENDEE, CATEGORIES), several VALARMs and RECURRENCE-ID
overrides go through --to ics, maildir and ews with a timeout:

* a hand-written calendar, checked with python3-icalendar (this script runs
  under /usr/bin/python3) and in the EWS XML: nothing lost, bad rules moved
  to DESCRIPTION, one each;
* corpus calendars with those properties and components doubled (and two
  RRULEs libical parses but cannot expand added after each RRULE): exit 0/1,
  no timeout, no sanitizer report, a sane report.
"""

import glob
import os
import re
import sys

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402

res = mfe2e.Results("test_libical_iterators")
mfe2e.require_binary(res)

# Generous for sanitizer builds on a busy machine; a regression hangs forever.
TIMEOUT = int(os.environ.get("MF_ITER_TIMEOUT", "120"))
TARGETS = ("ics", "maildir", "ews")
BAD_RULES = ("FREQ=MONTHLY;BYYEARDAY=1", "FREQ=DAILY;BYWEEKNO=1")  # parse, never expand

CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//t//iterators//EN
BEGIN:VEVENT
UID:multi
DTSTAMP:20240101T000000Z
DTSTART;TZID=Europe/Berlin:20240304T090000
DTEND;TZID=Europe/Berlin:20240304T100000
SUMMARY:Many of everything
ORGANIZER;CN=Boss:mailto:boss@example.com
ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.com
ATTENDEE;CN=Bob;ROLE=OPT-PARTICIPANT:mailto:bob@example.com
CATEGORIES:Blue
CATEGORIES:Green
RRULE:FREQ=WEEKLY;COUNT=10
RRULE:FREQ=MONTHLY;COUNT=3
EXDATE;TZID=Europe/Berlin:20240311T090000
EXDATE;TZID=Europe/Berlin:20240318T090000
RDATE;TZID=Europe/Berlin:20240402T090000
RDATE;TZID=Europe/Berlin:20240403T090000
BEGIN:VALARM
TRIGGER:-PT15M
ACTION:DISPLAY
DESCRIPTION:Soon
END:VALARM
BEGIN:VALARM
TRIGGER:-PT5M
END:VALARM
END:VEVENT
BEGIN:VEVENT
UID:multi
DTSTAMP:20240101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20240325T090000
DTSTART;TZID=Europe/Berlin:20240325T110000
DTEND;TZID=Europe/Berlin:20240325T120000
SUMMARY:Moved once
ORGANIZER;CN=Boss:mailto:boss@example.com
ATTENDEE;CN=Ann:mailto:ann@example.com
ATTENDEE;CN=Bob:mailto:bob@example.com
BEGIN:VALARM
TRIGGER:-PT30M
ACTION:DISPLAY
DESCRIPTION:Moved
END:VALARM
END:VEVENT
BEGIN:VEVENT
UID:multi
DTSTAMP:20240101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20240401T090000
DTSTART;TZID=Europe/Berlin:20240401T140000
DTEND;TZID=Europe/Berlin:20240401T150000
SUMMARY:Moved twice
END:VEVENT
BEGIN:VEVENT
UID:bad-rules
DTSTAMP:20240101T000000Z
DTSTART:20240305T090000Z
DTEND:20240305T093000Z
SUMMARY:Bad rules
DESCRIPTION:Body
RRULE:FREQ=MONTHLY;BYYEARDAY=1
RRULE:FREQ=DAILY;COUNT=5
RRULE:FREQ=DAILY;BYWEEKNO=1
END:VEVENT
BEGIN:VTODO
UID:todo
DTSTAMP:20240101T000000Z
SUMMARY:Task
CATEGORIES:One
CATEGORIES:Two
BEGIN:VALARM
TRIGGER:-PT1H
ACTION:DISPLAY
DESCRIPTION:a
END:VALARM
BEGIN:VALARM
TRIGGER:-PT2H
ACTION:DISPLAY
DESCRIPTION:b
END:VALARM
END:VTODO
END:VCALENDAR
""".replace("\n", "\r\n")


def convert(src, out, to):
    rep_path = out + ".json"
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", to, "--report", rep_path, "-q"],
                     timeout=TIMEOUT)
    return r, rep_path


def values(comp, name):
    v = comp.get(name)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def ical_text(v):
    return v.to_ical().decode("utf-8", "replace")


def check_calendar_output(item, path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    comps = [c for c in cal.walk() if c.name in ("VEVENT", "VTODO")]
    by = {}
    for c in comps:
        rid = c.get("RECURRENCE-ID")
        by[(str(c["UID"]), ical_text(rid) if rid is not None else "")] = c
    res.check(len(comps) == 5, item, "5 components written, got %d" % len(comps))
    m = by.get(("multi", ""))
    if res.check(m is not None, item, "master of 'multi' written"):
        rules = sorted(ical_text(r) for r in values(m, "RRULE"))
        res.check(rules == ["FREQ=MONTHLY;COUNT=3", "FREQ=WEEKLY;COUNT=10"], item,
                  "both RRULEs kept: %r" % rules)
        for name in ("EXDATE", "RDATE", "ATTENDEE"):
            res.check(len(values(m, name)) == 2, item, "two %s kept" % name)
        cats = set()
        for c in values(m, "CATEGORIES"):
            cats.update(str(x) for x in c.cats)
        res.check({"Blue", "Green"} <= cats, item, "both CATEGORIES kept: %r" % sorted(cats))
        alarms = [a for a in m.subcomponents if a.name == "VALARM"]
        res.check(len(alarms) == 2 and all(a.get("ACTION") for a in alarms), item,
                  "two VALARMs, each with an ACTION")
    res.check(("multi", "20240325T090000") in by and ("multi", "20240401T090000") in by,
              item, "both overrides written")
    o = by.get(("multi", "20240325T090000"))
    if o is not None:
        res.check(len(values(o, "ATTENDEE")) == 2, item, "override keeps two ATTENDEEs")
    b = by.get(("bad-rules", ""))
    if res.check(b is not None, item, "'bad-rules' written"):
        rules = [ical_text(r) for r in values(b, "RRULE")]
        res.check(rules == ["FREQ=DAILY;COUNT=5"], item, "only the good RRULE left: %r" % rules)
        desc = str(b.get("DESCRIPTION", ""))
        for rule in BAD_RULES:
            res.check("Original recurrence rule (could not be used): RRULE:%s" % rule in desc,
                      item, "bad RRULE %s kept in DESCRIPTION" % rule)
        res.check(desc.startswith("Body"), item, "DESCRIPTION keeps its text")
    t = by.get(("todo", ""))
    if res.check(t is not None, item, "task written"):
        res.check(len([a for a in t.subcomponents if a.name == "VALARM"]) == 2, item,
                  "task keeps two VALARMs")


def check_ews_output(item, out):
    items = "".join(open(p, encoding="utf-8").read()
                    for p in sorted(glob.glob(os.path.join(out, "*", "items", "*.xml"))))
    occ = "".join(open(p, encoding="utf-8").read()
                  for p in sorted(glob.glob(os.path.join(out, "*", "occurrences", "*.xml"))))
    for subject in ("Many of everything", "Bad rules", "Task"):
        res.check("<t:Subject>%s</t:Subject>" % subject in items, item, "item %r" % subject)
    for rule in BAD_RULES:
        res.check("Original recurrence rule (could not be used): RRULE:%s" % rule in items,
                  item, "bad RRULE %s kept in the body" % rule)
    res.check(items.count("<t:DailyRecurrence>") == 1, item, "the good rule of 'bad-rules'")
    for subject in ("Moved once", "Moved twice"):
        res.check("<t:Subject>%s</t:Subject>" % subject in occ, item, "override %r" % subject)
    deletes = re.findall(r"<m:DeleteItem .*?</m:DeleteItem>", occ, re.S)
    res.check(len(deletes) == 1 and deletes[0].count("<t:OccurrenceItemId") == 2, item,
              "both EXDATEs become occurrence deletes")
    res.check(occ.count("<t:ItemChange>") == 2, item, "both overrides become updates")


work = mfe2e.mktemp("iterators-")
src = os.path.join(work, "Multi.ics")
with open(src, "w", encoding="utf-8", newline="") as f:
    f.write(CALENDAR)
for to in TARGETS:
    item = "Multi.ics --to %s" % to
    out = os.path.join(work, "out-" + to)
    r, rep_path = convert(src, out, to)
    if not mfe2e.check_run_sane(res, item, r, allowed=(0,)):
        continue
    rep = mfe2e.load_report(res, item, rep_path)
    mfe2e.check_report(res, item, rep, r.rc)
    if rep:
        res.check(rep["totals"]["written"] == 3, item, "3 items written: %r" % rep["totals"])
        res.check(rep["repairs"].get("Items_InvalidRecurrence") == 1, item,
                  "one item tagged Items_InvalidRecurrence: %r" % rep["repairs"])
    if to == "ews":
        check_ews_output(item, out)
    else:
        check_calendar_output(item, os.path.join(out, "Multi.ics"))


# --- corpus calendars with everything doubled -------------------------------

DOUBLED = {"RRULE", "EXDATE", "RDATE", "ATTENDEE", "CATEGORIES"}
ITEMS = {"VEVENT", "VTODO", "VJOURNAL"}


def prop_name(line):
    m = re.match(r"([A-Za-z0-9-]+)[;:]", line)
    return m.group(1).upper() if m else ""


def doubled(text):
    """`text` with DOUBLED properties of items, VALARMs and overrides twice,
    and after each RRULE the BAD_RULES."""
    out, stack = [], []
    for line in re.sub(r"\r?\n[ \t]", "", text).splitlines(keepends=True):
        up = line.strip().upper()
        if up.startswith("BEGIN:"):
            stack.append([up[6:], [line]])
            continue
        if up.startswith("END:") and stack:
            kind, block = stack.pop()
            block.append(line)
            twice = kind == "VALARM" or (kind in ITEMS and any(
                prop_name(x) == "RECURRENCE-ID" for x in block))
            dest = stack[-1][1] if stack else out
            dest += block * (2 if twice else 1)
            continue
        dest = stack[-1][1] if stack else out
        if stack and stack[-1][0] in ITEMS and prop_name(line) in DOUBLED:
            dest += [line, line]
            if prop_name(line) == "RRULE":
                dest += ["RRULE:%s\r\n" % r for r in BAD_RULES]
        else:
            dest.append(line)
    for _kind, block in stack:  # unterminated: as it was
        out += block
    return "".join(out)


def corpus_sample():
    picked = []
    for path in sorted(glob.glob(os.path.join(mfe2e.CORPUS, "ics", "**", "*.ics"),
                                 recursive=True)):
        if os.path.getsize(path) > 200000:
            continue
        with open(path, "rb") as f:
            data = f.read()
        if re.search(rb"^(RRULE|ATTENDEE|BEGIN:VALARM|RECURRENCE-ID)", data, re.M):
            picked.append(path)
    return picked[::max(1, len(picked) // 25)][:25]  # spread over the corpus


sample = corpus_sample()
res.check(len(sample) >= 10, "corpus", "%d corpus calendars with multi-valued properties"
          % len(sample))
runs = {0: 0, 1: 0}
for i, path in enumerate(sample):
    rel = os.path.relpath(path, mfe2e.CORPUS)
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    dsrc = os.path.join(work, "d%03d" % i, os.path.basename(path))
    os.makedirs(os.path.dirname(dsrc))
    with open(dsrc, "wb") as f:
        f.write(doubled(text).encode("utf-8", "surrogateescape"))
    for to in TARGETS:
        item = "%s (doubled) --to %s" % (rel, to)
        r, rep_path = convert(dsrc, os.path.join(work, "d%03d-%s" % (i, to)), to)
        if mfe2e.check_run_sane(res, item, r):
            runs[r.rc] += 1
            mfe2e.check_report(res, item, mfe2e.load_report(res, item, rep_path), r.rc)
print("doubled corpus calendars: %d files x %d targets: %d exit 0, %d exit 1"
      % (len(sample), len(TARGETS), runs[0], runs[1]))

sys.exit(res.finish())
