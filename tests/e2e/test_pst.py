#!/usr/bin/python3
"""PST/OST reader against the peers (readpst, pffexport) and Python's email.

For every PST/OST in the corpus (pst/, pst/split/, ost/) whose MANIFEST note
does not say BROKEN, converted --to maildir and --to mbox:
* exit 0 or 1 (1 only with quarantined items), no sanitizer report, report
  invariant holds;
* the messages Python's mailbox finds in OUTDIR == the report's written
  messages, and every item kind written >= what `readpst -r` writes (its mbox,
  calendar and contacts files);
* every message parses with email (policy=default) without defects (the
  transport headers of the source are checked the same way: a defect they
  already have is not ours);
* the SHA-256 set of each message's attachments equals the set pffexport
  (`pffexport -f all -m all -t`) extracts for some message of the file
  (compared as a multiset of per-message sets; attachments of embedded
  messages are not compared);
* meeting requests/responses/cancellations (the items pffexport exports as
  "Meeting<n>") stay messages with a text/calendar part in their
  multipart/alternative: its method= parameter equals the METHOD inside,
  python3-icalendar parses it, the VEVENT has UID, DTSTAMP and DTSTART; a
  REPLY has an ATTENDEE with its PARTSTAT, a CANCEL STATUS:CANCELLED;
* a second run, on one thread instead of three (--jobs), with libpff's own
  CRC and name-to-id lookup instead of our interposed fast paths and with
  GMime writing attachment content itself (MF_PST_GMIME_WRITE), gives a
  byte-identical tree (Maildir mtimes included);
* --recover: every message pffexport recovers (its "<target>.recovered/
  Message<n>" items, by subject) is in the folder "Recovered Items", every
  message there carries a Recovered_* repair tag (report), and the folder
  tree's own items are written exactly as without --recover.
Every BROKEN file: exit 3, a message naming the file, no crash.
"""

import base64
import collections
import email
import email.policy
import hashlib
import mailbox
import os
import re
import shutil
import subprocess
import sys

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402
from mfe2e import CORPUS, Results, mktemp  # noqa: E402

res = Results(os.path.basename(__file__))
PEER_KINDS = ("mbox", "calendar", "contacts")


def corpus_files():
    """[(path, broken)] from MANIFEST.tsv, pst/ and ost/ entries."""
    out = []
    with open(os.path.join(CORPUS, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 6 or not parts[0].endswith((".pst", ".ost")):
                continue
            out.append((os.path.join(CORPUS, parts[0]), parts[5].startswith("BROKEN")))
    return sorted(out)


# ------------------------------------------------------------------ peers

def readpst_counts(src):
    """Items readpst -r writes: messages in its mbox files, VEVENTs, VCARDs."""
    if not shutil.which("readpst"):
        return None
    d = mktemp("mfpst-readpst-")
    subprocess.run(["readpst", "-q", "-r", "-o", d, src], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=600)
    total = 0
    messages = 0
    for root, _dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if f == "mbox" or f.startswith("mbox-"):
                n = len(mailbox.mbox(p, create=False))
                messages += n
                total += n
            else:
                with open(p, "rb") as fh:
                    data = fh.read()
                total += data.count(b"BEGIN:VEVENT") + data.count(b"BEGIN:VCARD") + \
                    data.count(b"BEGIN:VTODO") + data.count(b"BEGIN:VJOURNAL")
    return messages, total


NON_MESSAGE_DIRS = ("Appointment", "Contact", "Task", "Note", "Activity", "DistributionList")


def pffexport(src):
    """The directory `pffexport -f all -m all` writes, or None without pffexport."""
    if not shutil.which("pffexport"):
        return None
    d = mktemp("mfpst-pffexport-")
    target = os.path.join(d, "x")
    subprocess.run(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, src],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return target + ".export"


def pffexport_attachment_sets(export_dir):
    """Multiset (Counter) of frozensets of attachment SHA-256s, one per exported
    message item that has file attachments (top level of its Attachments/)."""
    sets = collections.Counter()
    for root, dirs, _files in os.walk(export_dir):
        if "Attachments" not in dirs:
            continue
        item = os.path.basename(root)
        if item.rstrip("0123456789").startswith(NON_MESSAGE_DIRS):
            continue
        if os.path.basename(os.path.dirname(root)).startswith("Attachment"):
            continue  # an embedded message: compared inside its parent
        adir = os.path.join(root, "Attachments")
        hashes = frozenset(mfe2e.sha256_file(os.path.join(adir, f)) for f in os.listdir(adir)
                           if os.path.isfile(os.path.join(adir, f)))
        if hashes:
            sets[hashes] += 1
    return sets


CALENDAR_DIRS = ("Appointment", "Task", "Note", "Activity")


def pffexport_calendar_files(export_dir):
    """Counter of SHA-256s of the files pffexport extracts from appointments,
    tasks and notes (top level of their Attachments/)."""
    hashes = collections.Counter()
    for root, dirs, _files in os.walk(export_dir):
        item = os.path.basename(root)
        if "Attachments" not in dirs or not item.rstrip("0123456789").startswith(CALENDAR_DIRS):
            continue
        if "Attachments" in root.split(os.sep):
            continue  # inside an embedded message
        adir = os.path.join(root, "Attachments")
        for f in os.listdir(adir):
            if os.path.isfile(os.path.join(adir, f)):
                hashes[mfe2e.sha256_file(os.path.join(adir, f))] += 1
    return hashes


def ics_attachment_files(outdir):
    """Counter of SHA-256s of the inline ATTACH files (not message/rfc822) in
    every .ics under outdir, read with python3-icalendar."""
    import icalendar
    hashes = collections.Counter()
    for root, _dirs, files in os.walk(outdir):
        for f in files:
            if not f.endswith(".ics") or "quarantine" in root.split(os.sep):
                continue
            with open(os.path.join(root, f), "rb") as fh:
                cal = icalendar.Calendar.from_ical(fh.read())
            for comp in cal.walk():
                value = comp.get("ATTACH")
                for a in value if isinstance(value, list) else [value] if value else []:
                    if a.params.get("VALUE") != "BINARY" or a.params.get("FMTTYPE") == "message/rfc822":
                        continue
                    data = base64.b64decode(a.to_ical())
                    hashes[hashlib.sha256(data).hexdigest()] += 1
    return hashes


def check_calendar_attachments(item, export_dir, outdir):
    if not export_dir:
        return
    peer, ours = pffexport_calendar_files(export_dir), ics_attachment_files(outdir)
    res.check(peer == ours, item, "appointment/task attachments: ours %d == pffexport's %d "
              "(SHA-256; missing %d, extra %d)" % (sum(ours.values()), sum(peer.values()),
                                                  sum((peer - ours).values()),
                                                  sum((ours - peer).values())))


def pffexport_meetings(export_dir):
    """Meeting messages (IPM.Schedule.Meeting.*) pffexport exported, not
    counting those embedded in other messages."""
    n = 0
    for root, dirs, _files in os.walk(export_dir):
        if "Attachments" not in root.split(os.sep):
            n += sum(1 for d in dirs if re.fullmatch(r"Meeting\d+", d))
    return n


# ------------------------------------------------------------------ ours

def maildir_messages(outdir):
    """[(folder, key, bytes)] of every message in the Maildir++ tree."""
    out = []
    roots = [("", outdir)]
    for name in sorted(os.listdir(outdir)):
        if name.startswith(".") and os.path.isdir(os.path.join(outdir, name, "cur")):
            roots.append((name, os.path.join(outdir, name)))
    for name, path in roots:
        if not os.path.isdir(os.path.join(path, "cur")):
            continue
        md = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(md.keys()):
            with md.get_file(key) as f:
                out.append((name, key, f.read()))
    return out


def mbox_messages(outdir):
    n = 0
    for root, _dirs, files in os.walk(outdir):
        if "quarantine" in os.path.relpath(root, outdir).split(os.sep):
            continue
        for f in files:
            if f.endswith((".ics", ".vcf", ".json")) or f == "dovecot-keywords":
                continue
            n += len(mailbox.mbox(os.path.join(root, f), create=False))
    return n


def maildir_mtimes_only(snap):
    """Drop mtimes but those of Maildir message files (mtime = internal date)."""
    out = {}
    for k, v in snap.items():
        parts = k.split(os.sep)
        if v[0] == "f" and not (len(parts) >= 2 and parts[-2] in ("cur", "new")):
            v = v[:3] + (0,)
        out[k] = v
    return out


def written(rep, kinds=None):
    return sum(r["written"] for r in rep.get("folders") or []
               if kinds is None or r["kind"] in kinds)


def header_defects(msg):
    """{(name, value, defect)} of every header field of every part."""
    out = set()
    for part in msg.walk():
        for name, value in part.items():
            for d in getattr(value, "defects", ()):
                out.add((name.lower(), str(value), type(d).__name__))
    return out


def defects(msg, excused):
    """Defects of the message but the header defects the source already has."""
    out = []
    for part in msg.walk():
        out.extend("%s: %s" % (part.get_content_type(), type(d).__name__) for d in part.defects)
    out.extend("%s: %s (%r)" % (n, d, v[:80]) for n, v, d in sorted(header_defects(msg) - excused))
    return out


def source_header_defects(export_dir):
    """Header defects found in the transport headers pffexport wrote
    (InternetHeaders.txt): defects the source has, not ours."""
    out = set()
    for root, _dirs, files in os.walk(export_dir):
        if "InternetHeaders.txt" in files:
            with open(os.path.join(root, "InternetHeaders.txt"), "rb") as f:
                data = f.read()
            msg = email.message_from_bytes(data.strip() + b"\r\n\r\n", policy=email.policy.default)
            out |= header_defects(msg)
    return out


def attachment_set(msg):
    """SHA-256s of the message's file parts, not descending into message/rfc822."""
    hashes = set()

    def walk(part):
        if part.is_multipart():
            for p in part.get_payload():
                walk(p)
            return
        if part.get_content_type() == "message/rfc822":
            return
        if part.get_filename() is not None:
            hashes.add(hashlib.sha256(part.get_payload(decode=True) or b"").hexdigest())
    walk(msg)
    return frozenset(hashes)


# ------------------------------------------------------------------ checks

def check_messages(item, msgs, excused):
    bad = 0
    for folder, key, data in msgs:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        found = defects(msg, excused)
        if found:
            bad += 1
            if bad <= 3:
                res.fail(item, "%s/%s: email defects %s" % (folder or "INBOX", key, found[:5]))
    if bad == 0:
        res.ok(item, "all %d messages parse without defects" % len(msgs))
    elif bad > 3:
        res.fail(item, "... %d messages with defects in all" % bad)


def calendar_problems(msg):
    """(methods of the message's text/calendar parts, problems found)."""
    methods, problems = [], []
    for parent in msg.walk():
        if not parent.is_multipart():
            continue
        for part in parent.get_payload():
            if part.get_content_type() != "text/calendar":
                continue
            method = part.get_param("method")
            methods.append(method)
            if parent.get_content_type() != "multipart/alternative":
                problems.append("text/calendar inside %s" % parent.get_content_type())
            try:
                cal = icalendar.Calendar.from_ical(part.get_content())
            except Exception as e:  # noqa: BLE001 - any parse error is a finding
                problems.append("icalendar: %s" % e)
                continue
            if str(cal.get("METHOD")) != method or method not in ("REQUEST", "REPLY", "CANCEL"):
                problems.append("method=%s but METHOD:%s" % (method, cal.get("METHOD")))
            masters = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
            if len(masters) != 1 or not all(k in masters[0] for k in ("UID", "DTSTAMP",
                                                                      "DTSTART")):
                problems.append("not one VEVENT with UID, DTSTAMP, DTSTART")
                continue
            ev = masters[0]
            atts = ev.get("ATTENDEE", [])
            atts = atts if isinstance(atts, list) else [atts]
            if method == "REPLY" and not any("PARTSTAT" in a.params for a in atts):
                problems.append("REPLY without an ATTENDEE PARTSTAT")
            if method == "CANCEL" and str(ev.get("STATUS")) != "CANCELLED":
                problems.append("CANCEL without STATUS:CANCELLED")
    return methods, problems


def check_meetings(item, export_dir, msgs):
    methods = collections.Counter()
    with_calendar = bad = 0
    for folder, key, data in msgs:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        found, problems = calendar_problems(msg)
        methods.update(found)
        with_calendar += bool(found)
        if problems:
            bad += 1
            if bad <= 3:
                res.fail(item, "%s/%s: text/calendar: %s" % (folder or "INBOX", key, problems))
    if export_dir is None:
        return
    peer = pffexport_meetings(export_dir)
    res.check(bad == 0 and with_calendar == peer, item,
              "meeting messages with a text/calendar part: %d (%s), pffexport's meetings: %d"
              % (with_calendar, dict(methods), peer))


def check_attachments(item, export_dir, msgs):
    if export_dir is None:
        res.note("pffexport not installed: attachment bytes not compared")
        return
    peer = pffexport_attachment_sets(export_dir)
    ours = collections.Counter()
    for _folder, _key, data in msgs:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        s = attachment_set(msg)
        if s:
            ours[s] += 1
    missing = peer - ours
    res.check(not missing, item, "attachment SHA-256 sets equal pffexport's "
              "(%d message(s) with attachments; missing: %r)"
              % (sum(peer.values()), list(missing.items())[:3]))


def convert(item, src, to, outdir, extra=()):
    rpath = outdir + ".json"
    r = mfe2e.run_mf(["convert", src, "-o", outdir, "--to", to, "--report", rpath] + list(extra))
    if not mfe2e.check_run_sane(res, item, r):
        return None
    rep = mfe2e.load_report(res, item, rpath)
    mfe2e.check_report(res, item, rep, r.rc)
    return rep


def check_good(src):
    name = os.path.relpath(src, CORPUS)
    peer = readpst_counts(src)
    # maildir
    out = os.path.join(mktemp("mfpst-"), "out")
    # three worker threads, each with its own libpff handle (pst-pool.c)
    rep = convert(name + " --to maildir", src, "maildir", out, ["--jobs", "3"])
    if rep is None:
        return
    msgs = maildir_messages(out)
    res.check(len(msgs) == written(rep, ("message",)), name,
              "maildir: Python mailbox finds %d messages, report says %d written"
              % (len(msgs), written(rep, ("message",))))
    if peer:
        res.check(written(rep, ("message",)) >= peer[0], name,
                  "messages written %d >= readpst's %d" % (written(rep, ("message",)), peer[0]))
        res.check(written(rep) >= peer[1], name,
                  "items written %d >= readpst's %d" % (written(rep), peer[1]))
    export_dir = pffexport(src)
    check_messages(name, msgs, source_header_defects(export_dir) if export_dir else set())
    check_attachments(name, export_dir, msgs)
    check_calendar_attachments(name, export_dir, out)
    check_meetings(name, export_dir, msgs)
    if export_dir:
        check_recover(name, src, export_dir, rep)
    # determinism, and the same output with the fast paths off: libpff's own
    # CRC and name-to-id lookup instead of the interposed ones (pst-crc.c,
    # pst-nameid.c), GMime's own writing of attachment content instead of
    # pst-mime-raw.c's, and one thread instead of three
    out2 = os.path.join(mktemp("mfpst-"), "out")
    r2 = mfe2e.run_mf(["convert", src, "-o", out2, "--to", "maildir", "--jobs", "1"],
                      env={"MF_PST_NO_FAST_CRC": "1", "MF_PST_NO_FAST_NAMEID": "1",
                           "MF_PST_GMIME_WRITE": "1"})
    a, b = maildir_mtimes_only(mfe2e.snapshot(out)), maildir_mtimes_only(mfe2e.snapshot(out2))
    res.check(r2.rc in (0, 1) and a == b, name, "second run (one thread, libpff's own CRC "
              "and name lookup, GMime's own content writing) byte-identical: %s"
              % mfe2e.diff_snapshots(a, b))
    # mbox
    outm = os.path.join(mktemp("mfpst-"), "out")
    repm = convert(name + " --to mbox", src, "mbox", outm)
    if repm is not None:
        n = mbox_messages(outm)
        res.check(n == written(repm, ("message",)), name,
                  "mbox: Python mailbox finds %d messages, report says %d written"
                  % (n, written(repm, ("message",))))


def pffexport_recovered_subjects(export_dir):
    """Subjects of the top-level messages pffexport's recovery wrote."""
    rec = export_dir[:-len(".export")] + ".recovered" if export_dir else None
    subjects = collections.Counter()
    if not rec or not os.path.isdir(rec):
        return subjects
    for d in os.listdir(rec):
        path = os.path.join(rec, d, "OutlookHeaders.txt")
        if re.fullmatch(r"Message\d+", d) and os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("Subject:"):
                        subjects[" ".join(line[len("Subject:"):].split())] += 1
                        break
    return subjects


def check_recover(name, src, export_dir, plain_rep):
    out = os.path.join(mktemp("mfpst-"), "out")
    rpath = out + ".json"
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", "maildir", "--recover",
                      "--jobs", "2", "--report", rpath])
    if not mfe2e.check_run_sane(res, name + " --recover", r):
        return
    rep = mfe2e.load_report(res, name + " --recover", rpath)
    mfe2e.check_report(res, name + " --recover", rep, r.rc)
    recovered = [m for m in maildir_messages(out) if m[0].split(".")[1:2] == ["Recovered Items"]]
    ours = collections.Counter(" ".join(str(email.message_from_bytes(b)["Subject"] or "").split())
                               for _f, _k, b in recovered)
    peer = pffexport_recovered_subjects(export_dir)
    missing = peer - ours
    res.check(not missing, name, "--recover: pffexport's %d recovered messages are among our %d "
              "(missing %s)" % (sum(peer.values()), len(recovered), dict(missing)))
    tags = sum(n for t, n in rep.get("repairs", {}).items() if t.startswith("Recovered_"))
    rows = [f for f in rep["folders"] if f["folder"].startswith("Recovered Items")]
    items = sum(f["written"] for f in rows)
    res.check(tags == items, name, "--recover: %d Recovered_* tags for %d recovered items"
              % (tags, items))
    res.check(len(recovered) == sum(f["written"] for f in rows if f["kind"] == "message"), name,
              "--recover: Python mailbox finds the %d recovered messages the report counts"
              % len(recovered))
    def tree_rows(report):
        return sorted((f["folder"], f["kind"], f["written"]) for f in report["folders"]
                      if not f["folder"].startswith("Recovered Items"))
    res.check(tree_rows(rep) == tree_rows(plain_rep), name,
              "--recover writes the folder tree's items as a plain run does")


def check_broken(src):
    name = os.path.relpath(src, CORPUS)
    out = os.path.join(mktemp("mfpst-"), "out")
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", "maildir", "--from", "pst"])
    mfe2e.check_run_sane(res, name, r, allowed=(3,))
    res.check(os.path.basename(src).encode() in r.err, name,
              "error names the file: %s" % r.short_err(300))


def main():
    mfe2e.require_binary(res)
    files = corpus_files()
    res.check(len(files) > 0, "corpus", "MANIFEST lists PST/OST files")
    for src, broken in files:
        if not os.path.isfile(src):
            res.fail(os.path.relpath(src, CORPUS), "listed in MANIFEST but missing")
        elif broken:
            check_broken(src)
        else:
            check_good(src)
    res.finish()


if __name__ == "__main__":
    main()
