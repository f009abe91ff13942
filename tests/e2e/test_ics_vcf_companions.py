"""ICS and vCard output, and companion output for kinds a format cannot hold.

Independent consumers: Debian's python3-icalendar and python3-vobject (this
script runs under /usr/bin/python3), Python's `mailbox`. Expected counts come
from parsing the *sources* with those same libraries, never from mailferry.
"""

import glob
import mailbox
import os
import sys

import icalendar
import vobject

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402

res = mfe2e.Results("test_ics_vcf_companions")
mfe2e.require_binary(res)

ICS = os.path.join(mfe2e.TESTDATA, "ics", "sample.ics")
VCF = os.path.join(mfe2e.TESTDATA, "vcf", "contacts.vcf")
MBOX = os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox")
KINDS = ("VEVENT", "VTODO", "VJOURNAL")


def split_vcalendars(data):
    """A file may hold several VCALENDARs; icalendar parses one at a time."""
    out, cur = [], []
    for line in data.splitlines(keepends=True):
        cur.append(line)
        if line.strip() == b"END:VCALENDAR":
            out.append(b"".join(cur))
            cur = []
    return out


def components(path):
    """(kind, UID, RECURRENCE-ID) of every event/task/journal in a file."""
    with open(path, "rb") as f:
        data = f.read()
    found = []
    for chunk in split_vcalendars(data):
        cal = icalendar.Calendar.from_ical(chunk)
        for comp in cal.walk():
            if comp.name in KINDS:
                rid = comp.get("RECURRENCE-ID")
                found.append((comp.name, str(comp.get("UID", "")),
                              rid.to_ical().decode() if rid is not None else ""))
    return found


def tzids_used(cal):
    used = set()
    for comp in cal.walk():
        if comp.name not in KINDS:
            continue
        for prop in ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID"):
            v = comp.get(prop)
            if v is not None and "TZID" in v.params:
                used.add(str(v.params["TZID"]))
    return used


def check_ics_file(item, path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\r\n")
    res.check(data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b""), item,
              "every line ends with CRLF")
    res.check(all(len(l) <= 75 for l in lines), item, "no line over 75 octets (RFC 5545 3.1)")
    cals = split_vcalendars(data)
    res.check(len(cals) == 1, item, "one VCALENDAR per folder file (found %d)" % len(cals))
    cal = icalendar.Calendar.from_ical(cals[0])
    res.check(str(cal.get("METHOD")) == "PUBLISH", item, "METHOD:PUBLISH")
    res.check(str(cal.get("VERSION")) == "2.0", item, "VERSION:2.0")
    defined = [str(c.get("TZID")) for c in cal.walk() if c.name == "VTIMEZONE"]
    res.check(len(defined) == len(set(defined)), item, "each VTIMEZONE once: %r" % defined)
    missing = tzids_used(cal) - set(defined)
    res.check(not missing, item, "a VTIMEZONE for every TZID used (missing %r)" % sorted(missing))
    for comp in cal.walk():
        if comp.name in KINDS:
            res.check(comp.get("DTSTAMP") is not None, item,
                      "%s %s has DTSTAMP" % (comp.name, comp.get("UID")))


def test_ics_to_ics():
    out = mfe2e.mktemp()
    rep_path = os.path.join(out, "..", os.path.basename(out) + ".json")
    r = mfe2e.run_mf(["convert", ICS, "-o", out, "--to", "ics", "--report", rep_path])
    if not mfe2e.check_run_sane(res, "ics->ics", r):
        return
    mfe2e.check_report(res, "ics->ics", mfe2e.load_report(res, "ics->ics", rep_path), r.rc)
    os.unlink(rep_path)
    files = sorted(glob.glob(os.path.join(out, "**", "*.ics"), recursive=True))
    res.check(len(files) == 1, "ics->ics", "one .ics for the one source folder: %r" % files)
    written = []
    for path in files:
        check_ics_file("ics->ics " + os.path.relpath(path, out), path)
        written += components(path)
    source = components(ICS)
    # The VJOURNAL without UID gets one when written; compare kinds and the UIDs
    # the source did have.
    res.check(sorted(k for k, _, _ in written) == sorted(k for k, _, _ in source), "ics->ics",
              "same components per kind: source %r, written %r"
              % (sorted(k for k, _, _ in source), sorted(k for k, _, _ in written)))
    src_ids = sorted(x for x in source if x[1])
    out_ids = sorted(x for x in written if x in src_ids)
    res.check(out_ids == src_ids, "ics->ics", "every UID/RECURRENCE-ID kept: %r vs %r" % (src_ids, out_ids))


def vcards(path):
    with open(path, encoding="utf-8", errors="strict") as f:
        return list(vobject.readComponents(f.read()))


def test_vcf_to_vcf():
    out = mfe2e.mktemp()
    r = mfe2e.run_mf(["convert", VCF, "-o", out, "--to", "vcf"])
    if not mfe2e.check_run_sane(res, "vcf->vcf", r):
        return
    files = sorted(glob.glob(os.path.join(out, "**", "*.vcf"), recursive=True))
    res.check(len(files) == 1, "vcf->vcf", "one .vcf per folder: %r" % files)
    with open(VCF, "rb") as f:
        source_cards = f.read().upper().count(b"BEGIN:VCARD")
    cards = vcards(files[0]) if files else []
    res.check(len(cards) == source_cards, "vcf->vcf",
              "vobject reads %d cards, source has %d" % (len(cards), source_cards))
    for i, card in enumerate(cards):
        item = "vcf->vcf card %d" % i
        res.check(card.version.value == "3.0", item, "VERSION:3.0 (got %r)" % card.version.value)
        res.check(hasattr(card, "fn") and card.fn.value.strip() != "", item, "FN present")
        res.check(hasattr(card, "n"), item, "N present (required in 3.0)")
    with open(files[0], "rb") as f:
        data = f.read()
    res.check(all(len(l) <= 75 for l in data.split(b"\r\n")), "vcf->vcf", "lines folded at 75 octets")
    res.check(b"\n" not in data.replace(b"\r\n", b""), "vcf->vcf", "CRLF line ends")


def report_rows(rep):
    return {(row["folder"], row["kind"]): row for row in rep.get("folders", [])}


def test_companions_with_mail_target():
    out = mfe2e.mktemp()
    rep_path = out + ".json"
    r = mfe2e.run_mf(["convert", MBOX, ICS, VCF, "-o", out, "--to", "maildir", "--report", rep_path])
    if not mfe2e.check_run_sane(res, "companions maildir", r):
        return
    rep = mfe2e.load_report(res, "companions maildir", rep_path)
    mfe2e.check_report(res, "companions maildir", rep, r.rc)
    os.unlink(rep_path)
    md = mailbox.Maildir(os.path.join(out, ".sample"), factory=None, create=False)
    res.check(len(md) == 3, "companions maildir", "3 messages in .sample, Python mailbox sees %d" % len(md))
    ics = os.path.join(out, "sample.ics")
    vcf = os.path.join(out, "contacts.vcf")
    res.check(os.path.isfile(ics), "companions maildir", "calendar items beside the folder in sample.ics")
    res.check(os.path.isfile(vcf), "companions maildir", "contacts beside the folder in contacts.vcf")
    if os.path.isfile(ics):
        res.check(len(components(ics)) == len(components(ICS)), "companions maildir",
                  "every calendar component in the companion ICS")
    if os.path.isfile(vcf):
        with open(VCF, "rb") as f:
            n = f.read().upper().count(b"BEGIN:VCARD")
        res.check(len(vcards(vcf)) == n, "companions maildir", "every card in the companion vCard file")
    rows = report_rows(rep or {})
    for key, want in ((("sample", "event"), "ics"), (("contacts", "contact"), "vcf"),
                      (("sample", "message"), None)):
        row = rows.get(key)
        res.check(row is not None and row.get("companion") == want and row["written"] == row["read"],
                  "companions maildir", "report row %r says companion %r: %r" % (key, want, row))


def test_messages_companion_with_ics_target():
    out = mfe2e.mktemp()
    rep_path = out + ".json"
    r = mfe2e.run_mf(["convert", MBOX, ICS, "-o", out, "--to", "ics", "--report", rep_path])
    if not mfe2e.check_run_sane(res, "companions ics", r):
        return
    rep = mfe2e.load_report(res, "companions ics", rep_path)
    mfe2e.check_report(res, "companions ics", rep, r.rc)
    os.unlink(rep_path)
    md = mailbox.Maildir(os.path.join(out, "Maildir", ".sample"), factory=None, create=False)
    res.check(len(md) == 3, "companions ics", "messages in the companion Maildir: %d" % len(md))
    row = report_rows(rep or {}).get(("sample", "message"))
    res.check(row is not None and row.get("companion") == "maildir", "companions ics",
              "report says messages went to the maildir companion: %r" % row)
    res.check(os.path.isfile(os.path.join(out, "sample.ics")), "companions ics", "sample.ics written")


test_ics_to_ics()
test_vcf_to_vcf()
test_companions_with_mail_target()
test_messages_companion_with_ics_target()
res.finish()
