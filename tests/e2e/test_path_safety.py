#!/usr/bin/python3
"""Hostile folder names never lead outside OUTDIR, never lose mail, never merge folders.

Sources built here:
* a Maildir++ tree (folders created with Python's mailbox module) whose folder
  names decode (IMAP modified UTF-7, the way Dovecot stores them) to
  "../../x", "a/b", "..", "CON", "a_b", "a.b"-style collisions, control
  characters (encoded and raw), an empty segment, a 240-byte name and a
  name of 80 non-ASCII characters (its Maildir++ re-encoding is long);
* a directory tree of mbox files with odd names where Linux allows them:
  backslashes, control characters, "CON", "nul", "dot.ted" next to "dot_ted",
  "A.sbd" Thunderbird children, two 150-byte nested names (a 300+-byte
  Maildir++ name when flattened) and a 250-byte file name.
Each folder holds exactly one message with its own Message-ID.

For --to maildir, mbox, eml:
* nothing appears or changes outside OUTDIR: the whole scratch tree around
  it (source, cwd, parents of OUTDIR) is snapshotted before and after;
* nothing inside OUTDIR is a symlink or resolves outside OUTDIR;
* every message is there (Python's mailbox for maildir/mbox, *.eml count);
* no two source folders end up in the same output folder, and each source
  folder's message is in exactly one output folder.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailbox  # noqa: E402

import mfe2e  # noqa: E402
from mfe2e import Results, mktemp, mutf7_encode  # noqa: E402

res = Results(os.path.basename(__file__))

MSGID_RE = re.compile(rb"^Message-ID: <(src-[^>]+)>", re.M | re.I)


def message(tag):
    return (b"From: sender@example.org\nTo: rcpt@example.org\nSubject: folder test %s\n"
            b"Message-ID: <src-%s@example.org>\nDate: Sun, 09 Sep 2001 01:46:40 +0000\n\nbody of %s\n"
            % (tag.encode(), tag.encode(), tag.encode()))


# Maildir++ directory names (after the leading '.') -> a tag for the message
MAILDIR_FOLDERS = {
    mutf7_encode("../../x", force="./"): "dotdot-slash-x",   # decodes to "../../x"
    mutf7_encode("a/b", force="/"): "a-slash-b",             # decodes to "a/b"
    "a_b": "a-underscore-b",                                # sanitises like "a/b"
    mutf7_encode("..", force="."): "dotdot",                # decodes to ".."
    "CON": "con",
    "con": "con-lower",
    mutf7_encode("ctl\x01\x1fx"): "ctl-encoded",            # control chars via mUTF-7
    "raw\ttab": "raw-tab",                                   # control char in the file name
    "raw\nnewline": "raw-newline",
    "a..b": "empty-segment",                                # segments ["a", "", "b"]
    "L" * 240: "long-ascii",
    mutf7_encode("\u00e9" * 80): "long-nonascii",
    "Parent." + mutf7_encode("..", force="."): "child-dotdot",  # ["Parent", ".."]
    "INBOX": "inbox-folder",                                # a folder literally called INBOX
    mutf7_encode("x/../../../etc", force="./"): "traversal-deep",
}

MBOX_FILES = {
    "back\\slash": "back-slash",
    "ctl\x01name": "ctl-name",
    "CON": "mbox-con",
    "nul": "mbox-nul",
    "dot.ted": "dot-ted",
    "dot_ted": "dot-underscore-ted",
    "Parent": "tb-parent",
    "Parent.sbd/Child": "tb-child",
    "Parent.sbd/..x": "tb-dotdotx",
    ("A" * 150) + "/" + ("B" * 150): "nested-150",
    "C" * 250: "long-250",
    "\u00fcml\u00e4ut \u65e5\u672c": "utf8-name",
    "&amp": "ampersand",
    " leading space": "leading-space",
    "trailing dot.": "trailing-dot",
}


def build_maildir(root):
    md = mailbox.Maildir(root, create=True)
    md.add(mailbox.MaildirMessage(message("root")))
    expected = {"root": ()}
    for dirname, tag in MAILDIR_FOLDERS.items():
        path = os.path.join(root, "." + dirname)
        sub = mailbox.Maildir(path, create=True)
        open(os.path.join(path, "maildirfolder"), "wb").close()
        sub.add(mailbox.MaildirMessage(message(tag)))
        expected[tag] = dirname
    return expected


def build_mbox_tree(root):
    expected = {}
    for rel, tag in MBOX_FILES.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"From sender@example.org Sun Sep  9 01:46:40 2001\n" + message(tag) + b"\n")
        expected[tag] = rel
    return expected


def output_messages(out, to):
    """[(output folder key, message-id tag)] found by an independent reader."""
    found = []
    if to == "maildir":
        tree = mfe2e.read_maildirpp(out)
        for folder, msgs in tree.items():
            for m in msgs:
                found.extend((folder, t.decode()) for t in MSGID_RE.findall(m.data))
        # also plain files anywhere that Maildir++ would not show (lost mail)
    elif to == "mbox":
        for folder, msgs in mfe2e.read_mbox_tree(out, unquote=True).items():
            for m in msgs:
                found.extend((folder, t.decode()) for t in MSGID_RE.findall(m.data))
    else:
        for dirpath, _dirs, files in os.walk(out):
            for f in files:
                if f.endswith(".eml"):
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        data = fh.read()
                    found.extend((os.path.relpath(dirpath, out), t.decode()) for t in MSGID_RE.findall(data))
    return [(k, t[len("src-"):].split("@")[0]) for k, t in found]


def check_inside(item, out):
    bad = []
    real_out = os.path.realpath(out)
    for dirpath, dirs, files in os.walk(out):
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            if os.path.islink(p):
                bad.append("symlink %r" % p)
            elif not os.path.realpath(p).startswith(real_out + os.sep):
                bad.append("outside %r" % p)
    res.check(not bad, item, "paths escaping OUTDIR: %r" % bad[:5])


def run_case(label, src, expected_tags, to):
    item = "%s --to %s" % (label, to)
    scratch = mktemp("mfe2e-path-")
    # OUTDIR two levels down, so "../../x" from OUTDIR or from one of its
    # folders lands inside the snapshot
    out = os.path.join(scratch, "l1", "l2", "out")
    cwd = os.path.join(scratch, "cwd")
    os.makedirs(os.path.dirname(out))
    os.makedirs(cwd)
    rep = os.path.join(scratch, "report.json")
    src_parent = os.path.dirname(src)
    snaps_before = {d: mfe2e.snapshot(d) for d in (scratch, src_parent)}
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", to, "--report", rep], cwd=cwd)
    ok = mfe2e.check_run_sane(res, item, r, allowed=(0, 1))
    for d, before in snaps_before.items():
        after = mfe2e.snapshot(d)
        # everything under OUTDIR and the report we asked for are allowed to appear
        keep = {k: v for k, v in after.items()
                if not (os.path.join(d, k) + os.sep).startswith(out + os.sep) and os.path.join(d, k) != rep}
        res.check(keep == before, item, "created/changed outside OUTDIR under %s: %s"
                  % (d, mfe2e.diff_snapshots(before, keep)))
    if not ok:
        return
    report = mfe2e.load_report(res, item, rep)
    mfe2e.check_report(res, item, report, r.rc)
    check_inside(item, out)
    found = output_messages(out, to)
    # Accepted limitation: a folder whose flattened Maildir++ name exceeds
    # NAME_MAX (255 bytes) cannot exist; it may be quarantined with a reason
    # (raw bytes under OUTDIR/quarantine/) instead of written. Anything else
    # quarantined is a failure.
    qdir = os.path.join(out, "quarantine")
    for f in sorted(os.listdir(qdir)) if os.path.isdir(qdir) else []:
        with open(os.path.join(qdir, f), "rb") as fh:
            for t in MSGID_RE.findall(fh.read()):
                tag = t.decode()[len("src-"):].split("@")[0]
                allowed_q = to == "maildir" and tag == "nested-150"
                if res.check(allowed_q, item, "message %r quarantined (only the over-long Maildir++ name may be)"
                             % tag):
                    res.note("%s: %r quarantined as %s" % (item, tag, os.path.join("quarantine", f)))
                found.append(("quarantine", tag))
    if report and r.rc == 1:
        reasons = [q.get("reason", "") for q in report.get("quarantine") or []]
        res.check(reasons and all("255" in x or "long" in x for x in reasons), item,
                  "quarantine reasons do not explain a name length: %r" % [x[-200:] for x in reasons])
    tags = [t for _k, t in found]
    missing = sorted(set(expected_tags) - set(tags))
    dup = sorted({t for t in tags if tags.count(t) > 1})
    res.check(not missing, item, "messages missing from output (source folder -> tag): %r"
              % [(expected_tags[t], t) for t in missing])
    res.check(not dup, item, "messages duplicated in output: %r" % dup)
    by_folder = {}
    for k, t in found:
        by_folder.setdefault(k, set()).add(t)
    # By the folder convention a folder named exactly "INBOX" IS the inbox, so
    # it shares the root's output folder; every other pair must stay apart.
    merged = {k: sorted(v) for k, v in by_folder.items()
              if len(v) > 1 and sorted(v) != ["inbox-folder", "root"]}
    res.check(not merged, item, "distinct source folders merged into one output folder: %r" % merged)


def main():
    mfe2e.require_binary(res)
    base = mktemp("mfe2e-path-src-")
    md_root = os.path.join(base, "maildir-src", "store")
    os.makedirs(os.path.dirname(md_root))
    md_expected = build_maildir(md_root)
    mb_root = os.path.join(base, "mbox-src", "tree")
    os.makedirs(mb_root)
    mb_expected = build_mbox_tree(mb_root)
    # sanity of the fixtures with Python's own reader
    tree = mfe2e.read_maildirpp(md_root)
    res.check(sum(len(v) for v in tree.values()) == len(md_expected), "maildir fixture",
              "Python counts %d messages, built %d" % (sum(len(v) for v in tree.values()), len(md_expected)))
    res.check(("../../x",) in tree and ("a/b",) in tree and ("..",) in tree, "maildir fixture",
              "decoded names not as intended: %r" % sorted(tree)[:6])
    for to in ("maildir", "mbox", "eml"):
        run_case("hostile Maildir++", md_root, md_expected, to)
        run_case("hostile mbox tree", mb_root, mb_expected, to)
    res.finish()


if __name__ == "__main__":
    main()
