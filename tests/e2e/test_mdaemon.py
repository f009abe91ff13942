#!/usr/bin/python3
"""MDaemon mail stores (testdata/mdaemon/, made by make_stores.py) converted to
Maildir, checked with Python's `mailbox` module and with Dovecot's imap.

What the source should give is read here from the store itself, following
../shared/docs/formats.md D.1-D.4 (not from mailferry): folders are the
"*.IMAP" directories (root = inbox), messages the "*.msg" files, and IMAP.MRK
records (36-byte little-endian, parsed with struct) give each file, joined by
name ignoring case, its flags and internal date. A message without a record
is unseen and dated by its Date: header.

Checks:
* one mailbox directory -> Maildir++ in OUTDIR: every message present once,
  bytes equal to the .msg file, Maildir flags = MDaemon flags (\\Recent alone ->
  new/), file mtime = IMAP.MRK date; Dovecot serves the same flags and bytes;
* the whole server (Users/) -> OUTDIR/<mailbox>@<domain>/ trees, each equal to
  its mailbox; --map renames a tree; a domain directory works too, and so does
  the MDaemon directory (Users/ plus "Public Folders", App/ and Queues/ listed);
* the report reconciles per folder (read = written + filtered + quarantined,
  invariant_ok), counts each folder's messages, and lists the IMAP.MRK record
  whose file is missing and the stray files;
* the source tree is unchanged (hashes and mtimes before/after); two runs
  give byte-identical output;
* a hostile store (truncated/short/huge IMAP.MRK, symlinks out of the store,
  a .msg directory, an empty .msg, a FIFO, "..", backslashes, 70 nested
  folders) gives no crash or sanitizer report, exit 0/1, nothing written
  outside OUTDIR, nothing from outside the store in the output;
* the probe claims MDaemon trees and none of the corpus' Maildir/eml/mbox trees.
"""

import email.utils
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402
from mfe2e import Results, check_report, check_run_sane, load_report, mktemp, run_mf  # noqa: E402

res = Results(os.path.basename(__file__))
mfe2e.require_binary(res)

USERS = os.path.join(mfe2e.TESTDATA, "mdaemon", "Users")
ALICE = os.path.join(USERS, "example.com", "alice")
MRK_FLAGS = {32: "\\Seen", 16: "\\Answered", 8: "\\Flagged", 4: "\\Deleted", 2: "\\Draft"}
IMAP_TO_MAILDIR = {v: k for k, v in mfe2e.MAILDIR_TO_IMAP.items()}

# ---------------------------------------------------------------------------
# the oracle: what a store holds, read from its files


def parse_mrk(path):
    """{lower-case file name: (raw flags, uid, date)} from an IMAP.MRK."""
    with open(path, "rb") as f:
        data = f.read()
    out = {}
    for off in range(36, len(data) - 35, 36):
        name, flags, uid, _size, date = struct.unpack_from("<23sB3I", data, off)
        out.setdefault(name.split(b"\0")[0].decode("ascii").lower(), (flags, uid, date))
    return out


def header_date(data):
    for line in data.split(b"\n"):
        if not line.strip():
            break
        if line.lower().startswith(b"date:"):
            return int(email.utils.parsedate_to_datetime(line[5:].decode().strip()).timestamp())
    return None


def read_store_folder(path, folder, out):
    names = sorted(os.listdir(path))
    mrk = {}
    for n in names:
        if n.upper() == "IMAP.MRK":
            mrk = parse_mrk(os.path.join(path, n))
    msgs = []
    for n in names:
        full = os.path.join(path, n)
        if n.lower().endswith(".msg") and os.path.isfile(full) and not os.path.islink(full):
            with open(full, "rb") as f:
                data = f.read()
            raw, _uid, date = mrk.get(n.lower(), (0, 0, None))
            flags = frozenset(v for k, v in MRK_FLAGS.items() if raw & k)
            msgs.append({"name": n, "data": data, "flags": flags, "recent_only": raw == 1,
                         "date": date if date else header_date(data)})
        elif n.upper().endswith(".IMAP") and os.path.isdir(full) and not os.path.islink(full):
            read_store_folder(full, folder + (n[:-5],), out)
    out[folder] = msgs


def read_store(mailbox_dir):
    """{folder tuple: [message dict]} of one mail directory; () = inbox."""
    out = {}
    read_store_folder(mailbox_dir, (), out)
    return out


def maildir_letters(flags):
    return "".join(sorted(IMAP_TO_MAILDIR[f] for f in flags))


# ---------------------------------------------------------------------------
# comparing a converted Maildir++ tree with its store


def check_tree(item, outdir, store):
    got = mfe2e.read_maildirpp(outdir)
    want_folders = {f for f, m in store.items() if m}
    got_folders = {f for f, m in got.items() if m}
    if not res.check(want_folders == got_folders, item,
                     "folders with mail: store %r, output %r" % (sorted(want_folders), sorted(got_folders))):
        return
    for folder in sorted(want_folders):
        by_bytes = {}
        for m in got[folder]:
            by_bytes.setdefault(m.data, []).append(m)
        where = "%s folder %r" % (item, "/".join(folder))
        bad = []
        for w in store[folder]:
            cands = by_bytes.get(w["data"]) or []
            if len(cands) != 1:
                bad.append("%s: found %d times (bytes must equal the .msg file)" % (w["name"], len(cands)))
                continue
            m = cands[0]
            if m.flags != maildir_letters(w["flags"]):
                bad.append("%s: flags %r, want %r" % (w["name"], m.flags, maildir_letters(w["flags"])))
            if w["recent_only"] != m.key.startswith("new"):
                bad.append("%s: in %s, want %s" % (w["name"], m.key.split("/")[0],
                                                   "new" if w["recent_only"] else "cur"))
            mtime = int(os.stat(m.path).st_mtime)
            if w["date"] and mtime != w["date"]:
                bad.append("%s: mtime %d, want internal date %d" % (w["name"], mtime, w["date"]))
        res.check(not bad, where, "; ".join(bad) or "%d messages" % len(store[folder]))
        res.check(len(got[folder]) == len(store[folder]), where,
                  "output holds %d messages, store %d" % (len(got[folder]), len(store[folder])))


def check_dovecot(item, outdir, store):
    if not os.path.exists(mfe2e.DOVECOT_IMAP):
        res.note("%s missing: Dovecot check skipped" % mfe2e.DOVECOT_IMAP)
        return
    scratch = mktemp("mfe2e-md-dovecot-")
    dv = None
    try:
        dv = mfe2e.Dovecot(outdir, "maildir", scratch)
        served = {}
        for name, delim, attrs in dv.list_folders():
            if "\\Noselect" in attrs or "\\NonExistent" in attrs:
                continue
            folder = () if name.upper() == "INBOX" else tuple(
                mfe2e.mutf7_decode(s) for s in (name.split(delim) if delim else [name]))
            served[folder] = sorted((mfe2e.to_crlf(b), fl) for fl, b in dv.fetch_all(name))
    except Exception as ex:  # noqa: BLE001
        res.fail(item, "Dovecot session failed: %s; stderr: %s" % (ex, dv.stderr()[-800:] if dv else ""))
        return
    finally:
        if dv:
            dv.close()
    for folder, msgs in sorted(store.items()):
        if not msgs:
            continue
        want = sorted((mfe2e.to_crlf(m["data"]), m["flags"]) for m in msgs)
        got = served.get(folder)
        where = "%s Dovecot folder %r" % (item, "/".join(folder))
        if not res.check(got is not None, where, "not served (served: %r)" % sorted(served)):
            continue
        res.check([w[0] for w in want] == [g[0] for g in got], where, "message bytes differ")
        res.check([w[1] for w in want] == [g[1] for g in got], where,
                  "FETCH FLAGS differ: want %r, got %r" % ([sorted(w[1]) for w in want],
                                                           [sorted(g[1]) for g in got]))
    errs = [line for line in dv.stderr().splitlines() if ": Error:" in line or ": Panic:" in line]
    res.check(not errs, item, "Dovecot logged errors: %s" % " | ".join(errs[:3]))


def check_report_rows(item, rep, store, prefix=""):
    rows = {(r["folder"], r["kind"]): r for r in rep.get("folders") or []}
    for folder, msgs in store.items():
        if not msgs:
            continue
        key = "/".join(((prefix,) if prefix else ()) + folder)
        row = rows.get((key, "message"))
        if res.check(row is not None, item, "report row %r missing (rows %r)" % (key, sorted(rows))):
            res.check(row["read"] == len(msgs) and row["written"] == len(msgs), item,
                      "row %r: read %r written %r, store has %d" % (key, row["read"], row["written"], len(msgs)))


def ignored_of(rep):
    out = []
    for s in rep.get("sources") or []:
        out.extend(s.get("ignored") or [])
    return out


def convert(item, src, outdir, *extra, allowed=(0,)):
    report = outdir.rstrip("/") + ".json"
    r = run_mf(["convert", src, "-o", outdir, "--to", "maildir", "--report", report] + list(extra))
    check_run_sane(res, item, r, allowed=allowed)
    rep = load_report(res, item, report)
    check_report(res, item, rep, rc=r.rc)
    return r, rep


# ---------------------------------------------------------------------------

before = mfe2e.snapshot(os.path.join(mfe2e.TESTDATA, "mdaemon"))

# one mailbox
alice_store = read_store(ALICE)
res.check(sum(len(m) for m in alice_store.values()) >= 15, "fixture", "alice has the messages make_stores.py writes")
work = mktemp("mfe2e-mdaemon-")
out = os.path.join(work, "alice")
r, rep = convert("single mailbox", ALICE, out)
check_tree("single mailbox", out, alice_store)
res.check(not any(os.path.isdir(os.path.join(out, d)) and "@" in d for d in os.listdir(out)),
          "single mailbox", "no per-mailbox sub-tree for a single mailbox")
if rep:
    res.check(rep["sources"][0]["format"] == "mdaemon", "single mailbox", "detected as %r" % rep["sources"][0]["format"])
    check_report_rows("single mailbox", rep, alice_store)
    ign = ignored_of(rep)
    res.check(any("Sent.IMAP/IMAP.MRK" in x and "md50000000022.msg" in x and "no such file" in x for x in ign),
              "single mailbox", "record without a file reported: %r" % ign)
    res.check(any(x.startswith("notes.txt") for x in ign), "single mailbox", "stray file listed: %r" % ign)
    res.check(any(x.startswith("WC") for x in ign), "single mailbox", "WorldClient cache listed: %r" % ign)
check_dovecot("single mailbox", out, alice_store)

# same again: byte-identical output
out_again = os.path.join(work, "alice-again")
convert("single mailbox rerun", ALICE, out_again)
a, b = mfe2e.snapshot(out, with_mtime=False), mfe2e.snapshot(out_again, with_mtime=False)  # message mtimes: check_tree
res.check(a == b, "determinism", "two runs differ: %s" % mfe2e.diff_snapshots(a, b))

# the whole server
server_out = os.path.join(work, "server")
r, rep = convert("whole server", USERS, server_out)
boxes = {}
for domain in sorted(os.listdir(USERS)):
    for box in sorted(os.listdir(os.path.join(USERS, domain))):
        boxes["%s@%s" % (box, domain)] = read_store(os.path.join(USERS, domain, box))
res.check(len(boxes) == 3, "whole server", "fixture has 3 mailboxes: %r" % sorted(boxes))
top = sorted(n for n in os.listdir(server_out) if n != "quarantine") if os.path.isdir(server_out) else []
res.check(top == sorted(boxes), "whole server",
          "OUTDIR holds the mailbox trees and nothing else (no empty root Maildir): %r" % top)
for address, store in sorted(boxes.items()):
    tree = os.path.join(server_out, address)
    if res.check(os.path.isdir(tree), "whole server", "%s/ exists" % address):
        check_tree("whole server " + address, tree, store)
    if rep:
        check_report_rows("whole server", rep, store, prefix=address)
if rep:
    ign = ignored_of(rep)
    res.check(any(x.startswith("example.com/alice/Sent.IMAP/IMAP.MRK") and "no such file" in x for x in ign),
              "whole server", "record without a file reported with its mailbox path: %r" % ign)
    res.check(any(x.startswith("example.com/alice/notes.txt") for x in ign), "whole server", "stray file listed")
check_dovecot("whole server bob", os.path.join(server_out, "bob@example.com"), boxes["bob@example.com"])


def count_in(path, needle):
    try:
        with open(path, "rb") as f:
            return f.read().count(needle)
    except OSError:
        return 0


# groupware folders: decoded items land in each mailbox's own tree, counted under it
GROUPWARE = (("alice@example.com", "Calendar", "event", "Calendar.ics", b"BEGIN:VEVENT"),
             ("bob@example.com", "Contacts", "contact", "Contacts.vcf", b"BEGIN:VCARD"),
             ("bob@example.com", "Tasks", "task", "Tasks.ics", b"BEGIN:VTODO"),
             ("bob@example.com", "Sticky", "note", "Sticky.ics", b"BEGIN:VJOURNAL"))
rows = {(row["folder"], row["kind"]): row for row in (rep or {}).get("folders") or []}
for address, folder, kind, name, marker in GROUPWARE:
    row = rows.get(("%s/%s" % (address, folder), kind))
    n = count_in(os.path.join(server_out, address, name), marker)
    res.check(row is not None and row["read"] > 0 and row["written"] == row["read"] and n >= 1,
              "whole server groupware", "%s/%s: report row %r, %d %r in %s" % (address, folder, row, n, marker, name))
if rep:
    res.check(any(x.endswith("Calendar.IMAP/Calendar.mrk.bak: unknown file") for x in ignored_of(rep)),
              "whole server groupware", "unknown file in a groupware folder listed")
    res.check(any(x.endswith("Documents.IMAP/minutes.txt: file in a documents folder, not converted")
                  for x in ignored_of(rep)), "whole server groupware", "document listed")

# --map renames a mailbox tree
mapfile = os.path.join(work, "users.map")
with open(mapfile, "w") as f:
    f.write("# old new\nalice@example.com alice.liddell@example.net\n")
mapped_out = os.path.join(work, "mapped")
convert("--map", USERS, mapped_out, "--map", mapfile)
res.check(os.path.isdir(os.path.join(mapped_out, "alice.liddell@example.net")) and
          not os.path.exists(os.path.join(mapped_out, "alice@example.com")),
          "--map", "alice's tree renamed: %r" % sorted(os.listdir(mapped_out)))
if os.path.isdir(os.path.join(mapped_out, "alice.liddell@example.net")):
    check_tree("--map", os.path.join(mapped_out, "alice.liddell@example.net"), boxes["alice@example.com"])

# a domain directory: its mailboxes, addressed by the directory name
domain_out = os.path.join(work, "domain")
convert("domain directory", os.path.join(USERS, "example.com"), domain_out)
res.check(sorted(d for d in os.listdir(domain_out) if "@" in d) == ["alice@example.com", "bob@example.com"],
          "domain directory", "trees: %r" % sorted(os.listdir(domain_out)))

# the MDaemon directory itself: Users/ and Public Folders/ read, App/ (userlist.dat) and Queues/ listed
mdroot = os.path.join(work, "MDaemon")
shutil.copytree(USERS, os.path.join(mdroot, "Users"))
public_msg = os.path.join(USERS, "example.org", "carol", "md50000000001.msg")
os.makedirs(os.path.join(mdroot, "Public Folders", "Ziptest.IMAP"))
shutil.copy(public_msg, os.path.join(mdroot, "Public Folders", "Ziptest.IMAP", "md50000000099.msg"))
os.makedirs(os.path.join(mdroot, "App"))
with open(os.path.join(mdroot, "App", "userlist.dat"), "w") as f:
    f.write("example.com".ljust(45) + "alice".ljust(30) + "\n")
os.makedirs(os.path.join(mdroot, "Queues", "Raw"))
shutil.copy(public_msg, os.path.join(mdroot, "Queues", "Raw", "pd75000000001.msg"))
root_out = os.path.join(work, "root-out")
r, rep = convert("MDaemon directory", mdroot, root_out)
res.check(sorted(d for d in os.listdir(root_out) if d not in ("cur", "new", "tmp")) ==
          ["Public Folders", "alice@example.com", "bob@example.com", "carol@example.org"],
          "MDaemon directory", "trees: %r" % sorted(os.listdir(root_out)))
pub = mfe2e.read_maildirpp(os.path.join(root_out, "Public Folders")) if os.path.isdir(
    os.path.join(root_out, "Public Folders")) else {}
res.check(len(pub.get(("Ziptest",), [])) == 1, "MDaemon directory", "public folder Ziptest: %r" % pub)
if rep:
    ign = ignored_of(rep)
    res.check("App: MDaemon directory, not a mail store" in ign and
              "Queues: MDaemon directory, not a mail store" in ign, "MDaemon directory", "App/ and Queues/ listed: %r" % ign)
    res.check(rep["totals"]["read"] == sum(sum(len(m) for m in b.values()) for b in boxes.values()) + 1 +
              sum(row["read"] for row in rep["folders"] if row["kind"] != "message"),
              "MDaemon directory", "every message read once, none from Queues: %r" % rep["totals"])
if os.path.isdir(os.path.join(root_out, "alice@example.com")):
    check_tree("MDaemon directory alice", os.path.join(root_out, "alice@example.com"), boxes["alice@example.com"])

after = mfe2e.snapshot(os.path.join(mfe2e.TESTDATA, "mdaemon"))
res.check(before == after, "read-only", "source changed: %s" % mfe2e.diff_snapshots(before, after))

# ---------------------------------------------------------------------------
# hostile store


def mrk(records, cut=None):
    data = struct.pack("<4I16s4s", 1, 7, 99, 0, b"\0" * 16, b"\r\n\0\0")
    for name, flags, uid in records:
        data += struct.pack("<23sB3I", name, flags, uid, 10, 1700000000 + uid)
    return data[:cut] if cut is not None else data


def msg(tag):
    return ("From: x@example.com\r\nSubject: %s\r\nMessage-ID: <%s@h>\r\n\r\nbody %s\r\n" % (tag, tag, tag)).encode()


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


scratch = mktemp("mfe2e-mdaemon-hostile-")
outside = os.path.join(scratch, "outside")
put(os.path.join(outside, "md50000000077.msg"), b"Subject: SECRET-OUTSIDE\r\n\r\nleak\r\n")
hroot = os.path.join(scratch, "Users")
box = os.path.join(hroot, "example.com", "eve")
put(os.path.join(box, "IMAP.MRK"),
    mrk([(b"../../etc/passwd", 32, 1), (b"md50000000001.msg", 32, 2), (b"md50000000002.msg", 4, 3)],
        cut=36 + 2 * 36 + 18))
put(os.path.join(box, "md50000000001.msg"), msg("ok-1"))
put(os.path.join(box, "md50000000002.msg"), b"")                      # empty
os.makedirs(os.path.join(box, "md50000000003.msg", "inner"))         # a directory
put(os.path.join(box, "md50000000003.msg", "inner", "x.msg"), msg("in-dir"))
os.symlink("/etc/passwd", os.path.join(box, "md50000000004.msg"))    # link to a file outside
os.mkfifo(os.path.join(box, "md50000000005.msg"))                    # a FIFO
os.symlink("/etc", os.path.join(box, "Evil.IMAP"))                   # link to a directory outside
os.symlink(outside, os.path.join(box, "Outside.IMAP"))
put(os.path.join(box, "...IMAP", "md50000000010.msg"), msg("dotdot"))  # segment ".."
put(os.path.join(box, "a\\..\\b.IMAP", "md50000000011.msg"), msg("backslash"))
put(os.path.join(box, "Short.IMAP", "IMAP.MRK"), b"\x01\x00\x00\x00short")
put(os.path.join(box, "Short.IMAP", "md50000000012.msg"), msg("short-index"))
put(os.path.join(box, "Huge.IMAP", "md50000000013.msg"), msg("huge-index"))
with open(os.path.join(box, "Huge.IMAP", "IMAP.MRK"), "wb") as f:
    f.truncate(200 << 20)                                            # sparse, over the limit
put(os.path.join(box, "HIWATER.MRK"), b"\xff\xfe[Groupware\x00garbage\r\n=\r\n[")
deep = box
for i in range(70):
    deep = os.path.join(deep, "D%d.IMAP" % i)
put(os.path.join(deep, "md50000000014.msg"), msg("deep"))
put(os.path.join(hroot, "README.txt"), b"not a domain")
os.symlink("/etc", os.path.join(hroot, "linked.com"))

def snapshot_any(root):
    """mfe2e.snapshot for trees with FIFOs (which it would block reading)."""
    snap = {}
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                snap[rel] = ("l", os.readlink(p))
            elif os.path.isfile(p):
                snap[rel] = ("f", mfe2e.sha256_file(p), st.st_size, st.st_mtime_ns)
            else:
                snap[rel] = ("o", st.st_mode, st.st_mtime_ns)
    return snap


def hostile_run(to):
    """Converts the hostile store; checks the run, OUTDIR confinement and what was kept."""
    item = "hostile store --to %s" % to
    before = snapshot_any(scratch)
    hout = os.path.join(scratch, "out-" + to)
    hreport = hout + ".json"
    r = run_mf(["convert", hroot, "-o", hout, "--to", to, "--report", hreport])
    check_run_sane(res, item, r, allowed=(0, 1))
    rep = load_report(res, item, hreport)
    check_report(res, item, rep, rc=r.rc)
    after = snapshot_any(scratch)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                     and not (k.startswith("out-" + to + os.sep) or k in ("out-" + to, "out-" + to + ".json")))
    res.check(not changed, item, "changed outside OUTDIR: %r" % changed[:8])
    leaks, tags = [], set()
    for dirpath, dirs, files in os.walk(hout):
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            if os.path.islink(p) or not os.path.realpath(p).startswith(os.path.realpath(hout) + os.sep):
                leaks.append(p)
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    data = f.read()
                if b"root:" in data or b"SECRET-OUTSIDE" in data:
                    leaks.append(p)
                tags.update(line[9:].decode() for line in data.split(b"\r\n") if line.startswith(b"Subject: "))
    res.check(not leaks, item, "outside data or links in the output: %r" % leaks[:5])
    want = {"ok-1", "dotdot", "backslash", "short-index", "huge-index"}
    res.check(tags == want, item, "messages kept: %r, want %r (\"deep\" is below the "
              "64-folder limit: reported, not read)" % (sorted(tags), sorted(want)))
    return rep


hrep = hostile_run("maildir")
hostile_run("eml")
if hrep:
    ign = " | ".join(ignored_of(hrep))
    for needle in ("Evil.IMAP: symbolic link", "Outside.IMAP: symbolic link", "md50000000004.msg: symbolic link",
                   "md50000000005.msg: not a regular file", "md50000000003.msg: directory",
                   "truncated record", "unusable file name", "Short.IMAP/IMAP.MRK: shorter",
                   "Huge.IMAP/IMAP.MRK", "nested too deep", "README.txt", "linked.com: symbolic link"):
        res.check(needle in ign, "hostile store", "ignored list names %r: %s" % (needle, ign[:1500]))
    quarantined = hrep.get("quarantine") or []
    res.check(any("md50000000002.msg" in (q.get("locator") or "") for q in quarantined),
              "hostile store", "empty .msg quarantined: %r" % quarantined)

# ---------------------------------------------------------------------------
# the probe: MDaemon trees are ours, the corpus' other trees are not


def detected(path):
    r = run_mf(["inspect", "--json", path])
    try:
        return json.loads(r.out.decode())["sources"][0]["format"]
    except Exception:  # noqa: BLE001
        return None


for path, want in ((USERS, "mdaemon"), (ALICE, "mdaemon"), (os.path.join(USERS, "example.com"), "mdaemon"),
                   (os.path.join(ALICE, "Sent.IMAP"), "mdaemon"), (mdroot, "mdaemon")):
    got = detected(path)
    res.check(got == want, "probe", "%s detected as %r, want %r" % (path, got, want))
for path in (mfe2e.corpus_maildir_root(), *mfe2e.corpus_maildirs(), mfe2e.corpus_eml_dir(),
             os.path.join(mfe2e.CORPUS, "msg"), os.path.join(mfe2e.TESTDATA, "maildir")):
    if os.path.isdir(path):
        got = detected(path)
        res.check(got != "mdaemon", "probe", "%s detected as mdaemon" % path)

res.finish()
