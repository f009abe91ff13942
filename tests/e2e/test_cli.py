#!/usr/bin/python3
"""The command line: help text, exit codes, --dry-run, inspect --json and the
folder selection options, checked against Python's `mailbox` module.

* --help (top level and per command) mentions every option and value of
  `mailferry convert SOURCE... -o OUTDIR --to maildir|mbox|eml|ics|vcf [--from FMT]
  [--report FILE.json] [--mbox-format mboxrd|mboxo|mboxcl2] [--include RE]
  [--exclude RE] [--exclude-system] [--rename s/FROM/TO/] [--dry-run] [--progress]
  [--fsync]` and `mailferry inspect SOURCE... [--json]`;
* usage errors exit 2 and create nothing;
* a missing or unreadable source exits 3 with a message naming the file
  (unreadable is tested by running as `nobody` when we are root, since root
  reads anything);
* --dry-run writes nothing into OUTDIR;
* inspect --json reports per-folder counts equal to Python's counts;
* --include / --exclude / --exclude-system filter, counted as "filtered" in the
  report; --rename 's/^Work/Archive/' renames (Work/Projects too).

Assumptions: "Sent" is a mail folder and is kept by --exclude-system ("Kalender"
is not); the inspect JSON shape is not fixed by HELPERS-CONTEXT, so counts are
looked up tolerantly: any object with a "folder" (string "a/b" or list of
segments) and a message count under counts.message (the current shape) or one
of count/messages/items/total/read.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailbox  # noqa: E402

import mfe2e  # noqa: E402
from mfe2e import Results, mktemp  # noqa: E402

res = Results(os.path.basename(__file__))

HELP_TOKENS = ["convert", "inspect", "-o", "--to", "--from", "--report", "--mbox-format", "--include",
               "--exclude", "--exclude-system", "--rename", "--dry-run", "--progress", "--fsync", "--json",
               "maildir", "mbox", "eml", "ics", "vcf", "mboxrd", "mboxo", "mboxcl2"]

# folder -> number of messages (distinct counts make mix-ups visible)
FOLDERS = {(): 1, ("Kalender",): 2, ("Sent",): 3, ("Work",): 4, ("Work", "Projects"): 5}


def build_store(root):
    md = mailbox.Maildir(root, create=True)
    n = 0
    for folder, count in FOLDERS.items():
        box = md if not folder else mailbox.Maildir(os.path.join(root, "." + ".".join(folder)), create=True)
        if folder:
            open(os.path.join(root, "." + ".".join(folder), "maildirfolder"), "wb").close()
        for i in range(count):
            n += 1
            m = mailbox.MaildirMessage(b"From: a@example.org\nSubject: %s %d\nMessage-ID: <cli-%d@x>\n\nbody\n"
                                       % ("/".join(folder).encode(), i, n))
            m.set_subdir("cur")
            m.set_flags("S")
            box.add(m)
    return root


def counts_maildir(out):
    return {f: len(v) for f, v in mfe2e.read_maildirpp(out).items() if v}


def help_text():
    text = b""
    for args in (["--help"], ["convert", "--help"], ["inspect", "--help"]):
        r = mfe2e.run_mf(args)
        mfe2e.check_run_sane(res, "mailferry %s" % " ".join(args), r, allowed=(0,))
        text += r.out + r.err
    return text.decode("utf-8", "replace")


def test_help():
    text = help_text()
    import re
    for tok in HELP_TOKENS:
        pat = r"(?<![\w-])%s(?![\w-])" % re.escape(tok)
        res.check(re.search(pat, text), "--help", "does not mention %r" % tok)


def test_usage_errors(src):
    scratch = mktemp("mfe2e-cli-usage-")
    out = os.path.join(scratch, "out")
    cases = [
        [],
        ["frobnicate"],
        ["convert"],
        ["convert", src],
        ["convert", src, "-o", out],
        ["convert", src, "--to", "maildir"],
        ["convert", "-o", out, "--to", "maildir"],
        ["convert", src, "-o", out, "--to", "pdf"],
        ["convert", src, "-o", out, "--to", "maildir", "--no-such-option"],
        ["convert", src, "-o", out, "--to", "mbox", "--mbox-format", "mboxzz"],
        ["convert", src, "-o", out, "--to", "maildir", "--rename", "nonsense"],
        ["convert", src, "-o", out, "--to", "maildir", "--rename", "s/(/x/"],
        ["convert", src, "-o", out, "--to", "maildir", "--include", "("],
        ["convert", src, "-o", out, "--to", "maildir", "--exclude", "[z-a]"],
        ["convert", src, "-o", out, "--to", "maildir", "--from", "nosuchformat"],
        ["inspect"],
        ["inspect", src, "--bogus"],
    ]
    for args in cases:
        item = "usage error: mailferry %s" % " ".join(args)
        r = mfe2e.run_mf(args)
        mfe2e.check_run_sane(res, item, r, allowed=(2,))
        res.check(len(r.err.strip()) > 0, item, "no message on stderr")
        res.check(not os.path.exists(out), item, "OUTDIR was created on a usage error")
        if os.path.exists(out):
            mfe2e.shutil.rmtree(out)


def test_unreadable():
    scratch = mktemp("mfe2e-cli-unread-")
    out = os.path.join(scratch, "out")
    missing = os.path.join(scratch, "no-such-file.mbox")
    for to in ("maildir", "mbox"):
        r = mfe2e.run_mf(["convert", missing, "-o", out, "--to", to])
        item = "missing source --to %s" % to
        mfe2e.check_run_sane(res, item, r, allowed=(3,))
        res.check(b"no-such-file.mbox" in r.err, item, "stderr does not name the file: %r" % r.err[-300:])
    r = mfe2e.run_mf(["inspect", missing])
    mfe2e.check_run_sane(res, "inspect missing source", r, allowed=(3,))
    res.check(b"no-such-file.mbox" in r.err, "inspect missing source", "stderr does not name the file")

    # unreadable: a mode-000 mbox and a mode-000 Maildir, run as nobody when root
    os.chmod(scratch, 0o755)
    locked = os.path.join(scratch, "locked.mbox")
    with open(locked, "wb") as f:
        f.write(b"From a@b Sun Sep  9 01:46:40 2001\nSubject: x\n\nx\n\n")
    os.chmod(locked, 0)
    lockeddir = os.path.join(scratch, "lockedmd")
    mailbox.Maildir(lockeddir, create=True).add(b"Subject: y\n\ny\n")
    os.chmod(lockeddir, 0)
    outdir = os.path.join(scratch, "outs")
    os.makedirs(outdir)
    os.chmod(outdir, 0o777)

    preexec = None
    if os.geteuid() == 0:
        def preexec():
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
    for path, name in ((locked, b"locked.mbox"), (lockeddir, b"lockedmd")):
        item = "unreadable source %s" % os.path.basename(path)
        r = mfe2e.run_mf(["convert", path, "-o", os.path.join(outdir, "o-" + os.path.basename(path)),
                          "--to", "maildir"], preexec=preexec, cwd=outdir)
        mfe2e.check_run_sane(res, item, r, allowed=(3,))
        res.check(name in r.err, item, "stderr does not name the file: %r" % r.err[-300:])
    os.chmod(lockeddir, 0o755)

    # a FIFO would block a reader forever: refused with exit 3, detected or forced
    fifo = os.path.join(scratch, "pipe.mbox")
    os.mkfifo(fifo)
    for args in (["convert", fifo, "-o", out, "--to", "maildir"],
                 ["convert", fifo, "-o", out, "--to", "maildir", "--from", "mbox"],
                 ["inspect", fifo]):
        item = "FIFO source: " + " ".join(args[:1] + args[2:])
        r = mfe2e.run_mf(args, timeout=30)
        mfe2e.check_run_sane(res, item, r, allowed=(3,))
        res.check(b"pipe.mbox" in r.err and b"not a regular file" in r.err, item,
                  "stderr names the file and why: %r" % r.err[-300:])


def test_dry_run(src):
    scratch = mktemp("mfe2e-cli-dry-")
    for exists in (True, False):
        out = os.path.join(scratch, "out-%s" % exists)
        if exists:
            os.makedirs(out)
        rep = os.path.join(scratch, "report-%s.json" % exists)
        for to in ("maildir", "mbox", "eml"):
            item = "--dry-run --to %s (OUTDIR %s)" % (to, "exists" if exists else "absent")
            r = mfe2e.run_mf(["convert", src, "-o", out, "--to", to, "--dry-run", "--report", rep])
            mfe2e.check_run_sane(res, item, r, allowed=(0,))
            inside = os.listdir(out) if os.path.isdir(out) else []
            res.check(not inside, item, "OUTDIR not empty after --dry-run: %r" % inside[:5])
            if os.path.exists(rep):
                rpt = mfe2e.load_report(res, item, rep)
                if rpt:
                    res.check((rpt.get("totals") or {}).get("read") == sum(FOLDERS.values()), item,
                              "dry-run report read=%r, Python counts %d"
                              % ((rpt.get("totals") or {}).get("read"), sum(FOLDERS.values())))
                os.unlink(rep)


def find_counts(obj, acc):
    """Collect {folder tuple: count} from any object with folder + count keys."""
    if isinstance(obj, dict):
        f = obj.get("folder", obj.get("path", obj.get("name")))
        cnt = None
        if isinstance(obj.get("counts"), dict) and isinstance(obj["counts"].get("message"), int):
            cnt = obj["counts"]["message"]
        for k in ("count", "messages", "items", "total", "read"):
            if cnt is None and isinstance(obj.get(k), int):
                cnt = obj[k]
        if f is not None and cnt is not None and ("folder" in obj or "path" in obj):
            if isinstance(f, list):
                key = tuple(f)
            else:
                key = tuple(s for s in str(f).split("/") if s) if f not in ("", "INBOX") else ()
            acc[key] = acc.get(key, 0) + cnt
        for v in obj.values():
            find_counts(v, acc)
    elif isinstance(obj, list):
        for v in obj:
            find_counts(v, acc)
    return acc


def test_inspect(src):
    for label, path, expected in (
            ("synthetic Maildir++", src, {f: n for f, n in FOLDERS.items()}),
            ("notmuch/lkml", mfe2e.corpus_maildirs()[0],
             {f: len(v) for f, v in mfe2e.read_maildirpp(mfe2e.corpus_maildirs()[0]).items() if v})):
        item = "inspect --json %s" % label
        r = mfe2e.run_mf(["inspect", path, "--json"])
        if not mfe2e.check_run_sane(res, item, r, allowed=(0,)):
            continue
        try:
            data = json.loads(r.out.decode("utf-8"))
        except ValueError as ex:
            res.fail(item, "stdout is not JSON (%s): %r" % (ex, r.out[:300]))
            continue
        got = find_counts(data, {})
        got = {k: v for k, v in got.items() if v}
        res.check(got == expected, item, "per-folder counts %r, Python's mailbox counts %r; json: %s"
                  % (got, expected, r.out[:400]))


def convert_and_count(item, src, extra):
    out = os.path.join(mktemp("mfe2e-cli-sel-"), "out")
    rep = out + ".json"
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", "maildir", "--report", rep] + extra)
    if not mfe2e.check_run_sane(res, item, r, allowed=(0,)):
        return None, None
    rpt = mfe2e.load_report(res, item, rep)
    mfe2e.check_report(res, item, rpt, r.rc)
    return counts_maildir(out), rpt


def test_selection(src):
    total = sum(FOLDERS.values())
    cases = [
        (["--exclude-system"], {f: n for f, n in FOLDERS.items() if f != ("Kalender",)}),
        (["--include", "^Work"], {("Work",): 4, ("Work", "Projects"): 5}),
        (["--exclude", "^Sent$"], {f: n for f, n in FOLDERS.items() if f != ("Sent",)}),
        (["--exclude", "^Sent$", "--exclude", "Projects"],
         {f: n for f, n in FOLDERS.items() if f not in (("Sent",), ("Work", "Projects"))}),
        (["--rename", "s/^Work/Archive/"],
         {(): 1, ("Kalender",): 2, ("Sent",): 3, ("Archive",): 4, ("Archive", "Projects"): 5}),
        (["--exclude-system", "--rename", "s/^Work/Archive/"],
         {(): 1, ("Sent",): 3, ("Archive",): 4, ("Archive", "Projects"): 5}),
    ]
    for extra, expected in cases:
        item = "convert %s" % " ".join(extra)
        got, rpt = convert_and_count(item, src, extra)
        if got is None:
            continue
        res.check(got == expected, item, "output folders (Python's mailbox) %r, expected %r" % (got, expected))
        if rpt:
            t = rpt.get("totals") or {}
            filtered = total - sum(expected.values())
            res.check(t.get("read") == total and t.get("filtered") == filtered and
                      t.get("written") == total - filtered, item,
                      "report totals %r, expected read=%d filtered=%d written=%d"
                      % (t, total, filtered, total - filtered))
            rows = {}
            for row in rpt.get("folders") or []:
                f = row.get("folder")
                key = tuple(f) if isinstance(f, list) else tuple(s for s in str(f or "").split("/") if s)
                rows[key] = rows.get(key, 0) + (row.get("filtered") or 0)
            want = {f: n for f, n in FOLDERS.items() if f not in expected
                    and not (f and f[0] == "Work" and "--rename" in extra and ("Archive",) + f[1:] in expected)}
            got_rows = {k: v for k, v in rows.items() if v}
            res.check(got_rows == want, item, "per-folder filtered counts %r, expected %r (rows name source folders)"
                      % (got_rows, want))


def main():
    mfe2e.require_binary(res)
    src = build_store(os.path.join(mktemp("mfe2e-cli-src-"), "store"))
    res.check(counts_maildir(src) == FOLDERS, "fixture", "Python counts %r" % counts_maildir(src))
    test_help()
    test_usage_errors(src)
    test_unreadable()
    test_dry_run(src)
    test_inspect(src)
    test_selection(src)
    res.finish()


if __name__ == "__main__":
    main()
