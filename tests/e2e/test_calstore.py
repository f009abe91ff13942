"""Apple calendar stores read from directories (formats/calstore/):
macOS Calendar.app data (~/Library/Calendars), a Calendar archive (.icbu) and
the CalendarServer 1.x/2.x file store, from testdata/apple (made by
testdata/apple/make_fixtures.py). Checked with consumers independent of
mailferry:

* every resource is accounted for: per output folder the items read equal
  the .ics files of that calendar counted here (plistlib for the titles,
  os.walk for the files), skipped collections (inbox, outbox, dropbox ...)
  and Calendar Cache files are listed under "ignored";
* folder names come from Info.plist Title (XML and binary plists) and, for
  CalendarServer, from the DAV:displayname extended attribute (set here on
  a copy, zlib-compressed as the server writes it; directory name when the
  filesystem has no user xattrs); one output tree per principal
  (OUTDIR/<guid>/) and --map renames it;
* every output VCALENDAR parses with python3-icalendar and passes libical's
  restriction check (tests/e2e/libical_check.py, METHOD removed); travel-time appointments appear as the README's
  "Calendar rescue" section says; the "first weekend day" rule stays;
* the report invariant holds, the source tree is unchanged (hashes and
  mtimes before/after), two runs give identical output;
* hostile input (binary plists with cycles and out-of-range offsets, an XML
  plist with entity bombs, symbolic links out of the tree, empty, garbage
  and huge resources) never crashes or leaks: bad resources are quarantined
  with their raw bytes, links are listed and not followed.
"""

import glob
import os
import plistlib
import re
import shutil
import struct
import sys
import zlib

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402

try:  # libical through ctypes, shared by the calendar tests
    from libical_check import restriction_errors as RESTRICTION  # noqa: E402
except ImportError:
    RESTRICTION = getattr(mfe2e, "libical_restriction_errors", None)

res = mfe2e.Results("test_calstore")
mfe2e.require_binary(res)

APPLE = os.path.join(mfe2e.TESTDATA, "apple")
P1 = "10000000-0000-4000-8000-000000000001"
P2 = "20000000-0000-4000-8000-000000000002"
SCHEDULING = {"inbox", "outbox", "notification", "notifications"}


def convert(item, sources, outdir, to, extra=(), allowed=(0,)):
    rep_path = outdir.rstrip("/") + ".report.json"
    r = mfe2e.run_mf(["convert"] + list(sources) + ["-o", outdir, "--to", to,
                                                    "--report", rep_path] + list(extra))
    mfe2e.check_run_sane(res, item, r, allowed)
    rep = mfe2e.load_report(res, item, rep_path)
    mfe2e.check_report(res, item, rep, r.rc)
    return r, rep


def read_counts(rep):
    """report folder -> items read (the created travel items are apart)."""
    out = {}
    for row in rep.get("folders") or []:
        out[row["folder"]] = out.get(row["folder"], 0) + row["read"]
    return {k: v for k, v in out.items() if v}


def ignored(rep):
    return [x for s in rep.get("sources") or [] for x in s.get("ignored") or []]


def check_calendar_files(item, outdir, expect_files):
    """Every output .ics parses (icalendar) and passes libical's check."""
    files = sorted(glob.glob(os.path.join(outdir, "**", "*.ics"), recursive=True))
    files = [f for f in files if "/quarantine/" not in f]
    rel = sorted(os.path.relpath(f, outdir) for f in files)
    if expect_files is not None:
        res.check(rel == sorted(expect_files), item, "output files %r, expected %r" % (rel, sorted(expect_files)))
    restriction = RESTRICTION
    comps = {}
    for f in files:
        data = open(f, "rb").read()
        try:
            cal = icalendar.Calendar.from_ical(data)
            comps[os.path.relpath(f, outdir)] = [c for c in cal.walk() if c.name in ("VEVENT", "VTODO", "VJOURNAL")]
            res.ok(item, "icalendar parses %s" % f)
        except Exception as ex:  # noqa: BLE001
            res.fail(item, "icalendar cannot parse %s: %s" % (f, ex))
            continue
        if restriction:
            errs = restriction(data)
            res.check(not errs, item, "libical restriction check of %s: %r" % (f, errs[:3]))
    if not restriction:
        res.fail(item, "no libical restriction check helper (tests/e2e/libical_check.py)")
    return comps


def unchanged(item, root, before):
    after = mfe2e.snapshot(root)
    res.check(before == after, item, "source tree unchanged: %s" % mfe2e.diff_snapshots(before, after))


def same_tree(item, a, b):
    sa, sb = mfe2e.snapshot(a, with_mtime=False), mfe2e.snapshot(b, with_mtime=False)
    res.check(sa == sb, item, "two runs give the same output: %s" % mfe2e.diff_snapshots(sa, sb))


# --------------------------------------------------------------------------
# what the fixtures hold, found without mailferry


def apple_calendars(root):
    """{folder: number of .ics files} for the .calendar dirs under root, and
    the number of .ics files in scheduling calendars (listed, not read)."""
    out, skipped = {}, 0
    for dirpath, dirs, _files in os.walk(root):
        dirs.sort()
        for d in dirs:
            if not d.endswith(".calendar"):
                continue
            path = os.path.join(dirpath, d)
            n = len(glob.glob(os.path.join(path, "**", "*.ics"), recursive=True))
            if d[:-len(".calendar")].lower() in SCHEDULING:
                skipped += n
                continue
            title = plistlib.load(open(os.path.join(path, "Info.plist"), "rb")).get("Title")
            parent = os.path.join(dirpath, "Info.plist")
            account = None
            if os.path.abspath(dirpath) != os.path.abspath(root) and os.path.exists(parent):
                account = plistlib.load(open(parent, "rb")).get("Title")
            folder = "/".join(x for x in (account, title) if x)
            while folder in out:  # the reader numbers a second calendar of the same name
                m = re.match(r"^(.*) \((\d+)\)$", folder)
                folder = "%s (%d)" % (m.group(1), int(m.group(2)) + 1) if m else folder + " (2)"
            out[folder] = n
    return out, skipped


def travel_ok(item, comps, summary):
    """README "Calendar rescue": an extra appointment "Travel: <subject>"
    before/after, busy status out-of-office, category TravelTime."""
    events = [c for cs in comps.values() for c in cs]
    base = [c for c in events if str(c.get("SUMMARY")) == summary]
    travel = [c for c in events if str(c.get("SUMMARY")) == "Travel: " + summary]
    if not res.check(len(base) == 1 and len(travel) == 2, item,
                     "one %r and two travel appointments (got %d, %d)" % (summary, len(base), len(travel))):
        return
    ev = base[0]
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    before = [t for t in travel if t.decoded("DTEND") == start]
    after = [t for t in travel if t.decoded("DTSTART") == end]
    res.check(len(before) == 1 and (start - before[0].decoded("DTSTART")).total_seconds() == 1800,
              item, "30 min travel appointment ends at the start")
    res.check(len(after) == 1 and (after[0].decoded("DTEND") - end).total_seconds() == 900,
              item, "15 min return travel appointment starts at the end")
    for t in travel:
        cats = t.get("CATEGORIES")
        text = cats.to_ical().decode() if cats is not None and hasattr(cats, "to_ical") else str(cats)
        res.check("TravelTime" in text, item, "travel appointment has category TravelTime (%r)" % text)
        res.check(str(t.get("X-MICROSOFT-CDO-BUSYSTATUS")) == "OOF", item, "travel appointment busy status OOF")
    res.check(ev.get("X-APPLE-STRUCTURED-LOCATION") is not None, item, "X-APPLE-STRUCTURED-LOCATION kept")


def weekend_rule_ok(item, comps):
    events = [c for cs in comps.values() for c in cs]
    rules = [c.get("RRULE").to_ical().decode() for c in events if c.get("RRULE") is not None
             and "BYSETPOS" in c.get("RRULE").to_ical().decode()]
    res.check(any("BYSETPOS=1" in r and "SU" in r and "SA" in r for r in rules), item,
              "first-weekend-day rule kept: %r" % rules)


# --------------------------------------------------------------------------
# 1. ~/Library/Calendars


def test_calendars():
    item = "Calendars --to ics"
    src = os.path.join(APPLE, "Calendars")
    before = mfe2e.snapshot(src)
    expect, skipped = apple_calendars(src)
    res.check(expect and skipped == 1, item, "fixture: %r, %d scheduling resources" % (expect, skipped))
    tmp = mfe2e.mktemp()
    out = os.path.join(tmp, "out")
    r, rep = convert(item, [src], out, "ics")
    if not rep:
        return
    res.check(rep["sources"][0]["format"] == "apple-calendars", item, "detected as apple-calendars")
    res.check(read_counts(rep) == expect, item, "items read per calendar %r, expected %r" % (read_counts(rep), expect))
    ign = ignored(rep)
    for want in ("Calendar Cache (", ".DS_Store (", "inbox.calendar/Events/C3000002-INVITE.ics (",
                 "Calendar Sync Changes/changes.plist ("):
        res.check(any(want in x for x in ign), item, "ignored lists %r" % want)
    comps = check_calendar_files(item, out, ["Home.ics", "Work.ics", "Work (2).ics", "iCloud/Family.ics"])
    res.check(len(comps.get("Work.ics", [])) == 2 and any(c.name == "VTODO" for c in comps.get("Work.ics", [])),
              item, "Work holds the event and the task (binary Info.plist title)")
    travel_ok(item, comps, "Dentist")
    weekend_rule_ok(item, comps)
    unchanged(item, src, before)
    out2 = os.path.join(tmp, "out2")
    convert(item + " (second run)", [src], out2, "ics")
    same_tree(item, out, out2)
    # one account directory, one .calendar directory
    acct = os.path.join(src, "5E6F7A8B-0000-4000-8000-00000000000A.caldav")
    r, rep = convert("one account dir", [acct], os.path.join(tmp, "acct"), "ics")
    if rep:
        res.check(read_counts(rep) == {"iCloud/Family": 1}, "one account dir", "rows %r" % read_counts(rep))
    one = os.path.join(src, "0A1B2C3D-0000-4000-8000-000000000002.calendar")
    r, rep = convert("one .calendar dir", [one], os.path.join(tmp, "one"), "ics")
    if rep:
        res.check(read_counts(rep) == {"Work": 2}, "one .calendar dir", "rows %r" % read_counts(rep))


# --------------------------------------------------------------------------
# 2. .icbu archive, to Maildir with the companion .ics


def test_icbu():
    item = "Archive.icbu --to maildir"
    src = os.path.join(APPLE, "Archive.icbu")
    before = mfe2e.snapshot(src)
    expect, _ = apple_calendars(src)
    out = os.path.join(mfe2e.mktemp(), "out")
    r, rep = convert(item, [src], out, "maildir")
    if not rep:
        return
    res.check(read_counts(rep) == expect, item, "items read per calendar %r, expected %r" % (read_counts(rep), expect))
    rows = [row for row in rep["folders"] if row["read"]]
    res.check(all(row.get("companion") == "ics" for row in rows), item, "calendar items went to the companion ics writer")
    res.check(any(x.startswith("Info.plist (") for x in ignored(rep)), item, "archive Info.plist listed")
    comps = check_calendar_files(item, out, ["Holidays.ics", "Home.ics"])
    travel_ok(item, comps, "Dentist")
    unchanged(item, src, before)
    # zipped to travel: refused with the command that unzips it (exit 3)
    tmp = mfe2e.mktemp()
    zipped = shutil.make_archive(os.path.join(tmp, "Archive.icbu"), "zip", APPLE, "Archive.icbu")
    r = mfe2e.run_mf(["convert", zipped, "-o", os.path.join(tmp, "out"), "--to", "ics"])
    mfe2e.check_run_sane(res, "zipped .icbu", r, allowed=(3,))
    res.check(b"unzip" in r.err, "zipped .icbu", "the message says to unzip it: %s" % r.short_err())


# --------------------------------------------------------------------------
# 3. CalendarServer 1.x/2.x file store, two principals


def dav_name_xattr(path, value, compressed=True):
    xml = ("<?xml version='1.0' encoding='UTF-8'?>\n<displayname xmlns='DAV:'>%s</displayname>" % value).encode()
    os.setxattr(path, "user.{DAV:}displayname", zlib.compress(xml) if compressed else xml)


def ccs_expect(root, names):
    """{"<owner>/<folder>": .ics files} over the store; skipped .ics count."""
    out, skipped = {}, 0
    for home in sorted(glob.glob(os.path.join(root, "calendars", "__uids__", "*", "*", "*"))):
        owner = os.path.basename(home)
        for coll in sorted(os.listdir(home)):
            n = len(glob.glob(os.path.join(home, coll, "*.ics")))
            if coll in ("inbox", "outbox", "dropbox", "notification", "freebusy"):
                skipped += n
                continue
            out["%s/%s" % (owner, names.get((owner, coll), coll))] = n
    for book in glob.glob(os.path.join(root, "addressbooks", "__uids__", "*", "*", "*", "*")):
        owner = os.path.basename(os.path.dirname(book))
        out["%s/%s" % (owner, os.path.basename(book))] = len(glob.glob(os.path.join(book, "*.vcf")))
    return out, skipped


def peruser_ok(item, out):
    """The meeting a 3.x server stored with per-user data, as its owner saw it."""
    text = b"".join(open(f, "rb").read() for f in glob.glob(os.path.join(out, P2, "*.ics")))
    res.check(b"X-CALENDARSERVER" not in text and b"urn:uuid:" not in text, item,
              "no CalendarServer storage artefacts in principal 2's output")
    cal = icalendar.Calendar.from_ical(text) if text else None
    evs = [c for c in cal.walk("VEVENT") if str(c.get("UID")) == "F6000001-PERUSER"] if cal else []
    if not res.check(len(evs) == 1, item, "the per-user meeting is there once"):
        return
    ev = evs[0]
    alarms = [str(a.get("DESCRIPTION")) for a in ev.walk("VALARM")]
    res.check(alarms == ["Owner's reminder"], item, "the owner's alarm only: %r" % alarms)
    res.check(str(ev.get("CLASS")) == "PRIVATE", item, "X-CALENDARSERVER-ACCESS became CLASS:PRIVATE")
    res.check(str(ev.get("TRANSP")) == "OPAQUE", item, "the owner's TRANSP")
    res.check(str(ev.get("ORGANIZER")).lower() == "mailto:pat@example.com", item,
              "urn:uuid: organizer with EMAIL became mailto: (%s)" % ev.get("ORGANIZER"))


def test_ccs():
    item = "CalendarServer file store --to ics"
    tmp = mfe2e.mktemp()
    src = os.path.join(tmp, "Documents")
    shutil.copytree(os.path.join(APPLE, "ccs-documents"), src, symlinks=True)
    names = {}
    try:
        h1 = glob.glob(os.path.join(src, "calendars", "__uids__", "*", "*", P1))[0]
        h2 = glob.glob(os.path.join(src, "calendars", "__uids__", "*", "*", P2))[0]
        dav_name_xattr(os.path.join(h1, "work"), "Work Calendar")
        dav_name_xattr(os.path.join(h2, "calendar"), "Family &amp; Friends", compressed=False)
        names = {(P1, "work"): "Work Calendar", (P2, "calendar"): "Family & Friends"}
    except OSError as ex:
        res.note("no user xattrs here (%s): display names fall back to directory names" % ex)
    before = mfe2e.snapshot(src)
    expect, skipped = ccs_expect(src, names)
    res.check(skipped == 2, item, "fixture has 2 inbox resources (got %d)" % skipped)
    out = os.path.join(tmp, "out")
    r, rep = convert(item, [src], out, "ics")
    if not rep:
        return
    res.check(rep["sources"][0]["format"] == "calendarserver-files", item, "detected as calendarserver-files")
    res.check(read_counts(rep) == expect, item, "items read per principal/collection %r, expected %r" % (read_counts(rep), expect))
    ign = ignored(rep)
    res.check(sum(1 for x in ign if "/inbox/" in x and x.split(" (")[0].endswith(".ics")) == skipped, item,
              "every inbox resource listed as ignored")
    res.check(any("/dropbox/" in x for x in ign), item, "dropbox attachment listed as ignored")
    res.check(any(".db.sqlite (" in x for x in ign), item, ".db.sqlite index listed as ignored")
    work = names.get((P1, "work"), "work")
    fam = names.get((P2, "calendar"), "calendar")
    fam_file = fam.replace("&", "_") if "&" in fam else fam
    files = sorted(os.path.relpath(f, out) for f in glob.glob(os.path.join(out, "**", "*.*"), recursive=True)
                   if not f.endswith(".json"))
    res.check("%s/%s.ics" % (P1, work) in files and "%s/calendar.ics" % P1 in files
              and "%s/addressbook.vcf" % P1 in files, item, "principal 1 tree: %r" % files)
    res.check(any(f.startswith(P2 + "/") and f.endswith(".ics") for f in files), item, "principal 2 tree: %r" % files)
    res.check(not any(f.count("/") == 0 and f.endswith(".ics") for f in files), item,
              "nothing at the output root: %r" % files)
    comps = check_calendar_files(item, out, None)
    travel_ok(item, comps, "Dentist")
    weekend_rule_ok(item, comps)
    res.check(any(fam_file in f or fam in f for f in files if f.startswith(P2)), item,
              "display name %r used for principal 2's calendar: %r" % (fam, files))
    peruser_ok(item, out)
    unchanged(item, src, before)
    # --to maildir with --map: principal 1 becomes alice@example.com
    mapfile = os.path.join(tmp, "users.map")
    with open(mapfile, "w") as f:
        f.write("# old new\n%s alice@example.com\n" % P1)
    out2 = os.path.join(tmp, "out2")
    item2 = "CalendarServer file store --to maildir --map"
    r, rep = convert(item2, [src], out2, "maildir", ["--map", mapfile])
    if rep:
        res.check(os.path.isdir(os.path.join(out2, "alice@example.com")) and
                  not os.path.exists(os.path.join(out2, P1)), item2, "mapped tree OUTDIR/alice@example.com/")
        res.check(os.path.isfile(os.path.join(out2, "alice@example.com", "%s.ics" % work)), item2,
                  "companion ics in the mapped tree")
        res.check(os.path.isdir(os.path.join(out2, P2)), item2, "unmapped principal keeps its GUID tree")
        check_calendar_files(item2, out2, None)
    unchanged(item2, src, before)
    # the pre-upgrade layout: calendars/users/<shortname>/
    users = os.path.join(APPLE, "ccs-users")
    r, rep = convert("CalendarServer users/ layout", [users], os.path.join(tmp, "users"), "ics")
    if rep:
        res.check(read_counts(rep) == {"alice/calendar": 1}, "users/ layout", "rows %r" % read_counts(rep))
        res.check(os.path.isfile(os.path.join(tmp, "users", "alice", "calendar.ics")), "users/ layout",
                  "OUTDIR/alice/calendar.ics")
    # copied off HFS+: the display name only in an AppleDouble "._calendar" file
    item3 = "AppleDouble sidecar display name"
    copy = os.path.join(tmp, "ccs-users-copy")
    shutil.copytree(users, copy)
    xml = b"<?xml version='1.0' encoding='UTF-8'?>\n<displayname xmlns='DAV:'>Alice's Calendar</displayname>"
    with open(os.path.join(copy, "calendars", "users", "alice", "._calendar"), "wb") as f:
        f.write(appledouble({"WebDAV:{DAV:}displayname": zlib.compress(xml)}))
    r, rep = convert(item3, [copy], os.path.join(tmp, "users2"), "ics")
    if rep:
        res.check(read_counts(rep) == {"alice/Alice's Calendar": 1}, item3, "rows %r" % read_counts(rep))
        res.check(any(x.startswith("calendars/users/alice/._calendar (AppleDouble") for x in ignored(rep)),
                  item3, "the sidecar listed as ignored")


def appledouble(attrs):
    """An AppleDouble file (formats.md A.14) holding extended attributes."""
    entries, values = b"", b""
    names = list(attrs.items())
    entry_len = sum((11 + len(n) + 1 + 3) & ~3 for n, _ in names)
    finder_off = 26 + 12
    value_off = finder_off + 34 + 36 + entry_len
    for name, value in names:
        raw = name.encode() + b"\0"
        e = struct.pack(">IIHB", value_off + len(values), len(value), 0, len(raw)) + raw
        entries += e + b"\0" * (((len(e) + 3) & ~3) - len(e))
        values += value
    finder_len = 34 + 36 + len(entries) + len(values)
    head = struct.pack(">II16sh", 0x00051607, 0x00020000, b"", 1)
    head += struct.pack(">III", 9, finder_off, finder_len)
    attr_hdr = struct.pack(">IIIIIIIIHH", 0x41545452, 0, 0, 0, 0, 0, 0, 0, 0, len(names))
    return head + b"\0" * 34 + attr_hdr + entries + values


# --------------------------------------------------------------------------
# 4. hostile input


def bplist(objects, top=0, table_off=None, count=None):
    """A binary plist from raw object bytes, 1-byte offsets and references."""
    body = b"bplist00"
    offsets = []
    for o in objects:
        offsets.append(len(body))
        body += o
    table = len(body)
    body += bytes(offsets)
    body += b"\x00" * 6 + b"\x01\x01"
    body += struct.pack(">QQQ", count if count is not None else len(objects), top,
                        table_off if table_off is not None else table)
    return body


EVENT = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
         b"DTSTAMP:20240101T000000Z\r\nDTSTART:20240101T100000Z\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def test_hostile():
    item = "hostile Calendars"
    tmp = mfe2e.mktemp()
    outside = os.path.join(tmp, "outside")
    write(os.path.join(outside, "secret.ics"), EVENT % (b"SECRET-1", b"SECRET outside the tree"))
    write(os.path.join(outside, "Other.calendar", "Info.plist"), plistlib.dumps({"Title": "SECRET"}))
    write(os.path.join(outside, "Other.calendar", "Events", "s.ics"), EVENT % (b"SECRET-2", b"SECRET"))
    src = os.path.join(tmp, "Calendars")
    cal = lambda n: os.path.join(src, n + ".calendar")  # noqa: E731
    # cyclic binary plist; out-of-range offsets; entity bomb; huge plist; empty plist
    write(os.path.join(cal("cycle"), "Info.plist"), bplist([b"\xA1\x00"]))
    write(os.path.join(cal("cycle"), "Events", "a.ics"), EVENT % (b"H-1", b"in cycle"))
    write(os.path.join(cal("offsets"), "Info.plist"), bplist([b"\xD1\x01\x02", b"\x55Title", b"\x5F\x10\xF0x"]))
    write(os.path.join(cal("offsets"), "Events", "a.ics"), EVENT % (b"H-2", b"in offsets"))
    write(os.path.join(cal("table"), "Info.plist"), bplist([b"\x09"], table_off=1 << 40))
    write(os.path.join(cal("table"), "Events", "a.ics"), EVENT % (b"H-3", b"in table"))
    bomb = (b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %c "%s">' % (ord("b") + i, (b"&%c;" % (ord("a") + i)) * 10) for i in range(8))
            + b']><plist><dict><key>Title</key><string>&i;</string></dict></plist>')
    write(os.path.join(cal("bomb"), "Info.plist"), bomb)
    write(os.path.join(cal("bomb"), "Events", "a.ics"), EVENT % (b"H-4", b"in bomb"))
    write(os.path.join(cal("hugeplist"), "Info.plist"), b"<plist><string>" + b"x" * (5 << 20) + b"</string></plist>")
    write(os.path.join(cal("hugeplist"), "Events", "a.ics"), EVENT % (b"H-5", b"in hugeplist"))
    write(os.path.join(cal("emptyplist"), "Info.plist"), b"")
    # bad resources
    ev = os.path.join(cal("bad"), "Events")
    write(os.path.join(cal("bad"), "Info.plist"), plistlib.dumps({"Title": "Bad"}, fmt=plistlib.FMT_BINARY))
    write(os.path.join(ev, "empty.ics"), b"")
    garbage = bytes((i * 7919) % 256 for i in range(65536))
    write(os.path.join(ev, "garbage.ics"), garbage)
    write(os.path.join(ev, "huge.ics"), b"this is not iCalendar\r\n" * ((9 << 20) // 23 + 1))
    write(os.path.join(ev, "ok.ics"), EVENT % (b"H-6", b"fine"))
    os.symlink(os.path.join(outside, "secret.ics"), os.path.join(ev, "escape.ics"))
    os.symlink(os.path.join(outside, "Other.calendar"), os.path.join(src, "link.calendar"))
    os.symlink(outside, os.path.join(src, "linkdir"))
    before = mfe2e.snapshot(src)
    out = os.path.join(tmp, "out")
    r, rep = convert(item, [src], out, "ics", ["--from", "apple-calendars"], allowed=(1,))
    if not rep:
        return
    text = b"".join(open(f, "rb").read() for f in glob.glob(os.path.join(out, "**", "*"), recursive=True)
                    if os.path.isfile(f))
    res.check(b"SECRET" not in text, item, "nothing from outside the tree (links not followed)")
    ign = ignored(rep)
    for link in ("link.calendar (", "linkdir (", "bad.calendar/Events/escape.ics ("):
        res.check(any(x.startswith(link) for x in ign), item, "link listed as ignored: %r" % link)
    counts = read_counts(rep)
    for name in ("cycle", "offsets", "table", "bomb", "hugeplist"):
        res.check(counts.get(name) == 1, item, "calendar with an unreadable Info.plist named %r: %r" % (name, counts))
        res.check(any(x.startswith(name + ".calendar/Info.plist (metadata that cannot be read") for x in ign),
                  item, "%s Info.plist listed with its problem" % name)
    q = {os.path.basename(e["locator"].split(":")[0]): e for e in rep.get("quarantine") or []}
    res.check(set(q) == {"empty.ics", "garbage.ics", "huge.ics"}, item, "quarantined resources %r" % sorted(q))
    res.check(counts.get("Bad") == 4, item, "Bad: ok + 3 quarantined read (%r)" % counts)
    saved = q.get("garbage.ics", {}).get("saved") or q.get("garbage.ics", {}).get("file")
    kept = [f for f in glob.glob(os.path.join(out, "quarantine", "*.ics")) if open(f, "rb").read() == garbage]
    res.check(len(kept) == 1, item, "garbage resource's raw bytes kept in quarantine (%r)" % saved)
    check_calendar_files(item, out, None)
    unchanged(item, src, before)

    # CalendarServer store with links and junk
    item = "hostile CalendarServer store"
    root = os.path.join(tmp, "ccs", "calendars", "__uids__")
    home = os.path.join(root, "AB", "CD", "ABCDEF")
    write(os.path.join(home, "calendar", "ok.ics"), EVENT % (b"C-1", b"fine"))
    write(os.path.join(home, "calendar", "zero.ics"), b"")
    write(os.path.join(home, "inbox", "x.ics"), EVENT % (b"C-2", b"inbox"))
    os.makedirs(os.path.join(home, "outbox"))
    os.symlink(outside, os.path.join(home, "linked"))
    os.symlink(outside, os.path.join(root, "AB", "ZZ"))
    # names as macOS writes them (NFD) and names that are not UTF-8
    write(os.path.join(home, "Ka\u0308se", "k.ics"), EVENT % (b"C-3", b"decomposed name"))
    write(os.path.join(home.encode(), b"x\xffy", b"b.ics"), EVENT % (b"C-4", b"latin-1 name"))
    before = mfe2e.snapshot(os.path.join(tmp, "ccs"))
    out = os.path.join(tmp, "ccs-out")
    r, rep = convert(item, [os.path.join(tmp, "ccs")], out, "ics", allowed=(1,))
    if rep:
        want = {"ABCDEF/calendar": 2, "ABCDEF/K\u00e4se": 1, "ABCDEF/x\ufffdy": 1}
        res.check(read_counts(rep) == want, item, "rows %r (names NFC, bad bytes replaced)" % read_counts(rep))
        res.check(len(rep.get("quarantine") or []) == 1, item, "the empty resource quarantined")
        text = b"".join(open(f, "rb").read() for f in glob.glob(os.path.join(out, "**", "*"), recursive=True)
                        if os.path.isfile(f))
        res.check(b"SECRET" not in text, item, "links not followed")
    unchanged(item, os.path.join(tmp, "ccs"), before)


test_calendars()
test_icbu()
test_ccs()
test_hostile()
res.finish()
