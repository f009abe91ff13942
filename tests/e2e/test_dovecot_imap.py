#!/usr/bin/python3
"""Dovecot serves mailferry's output over IMAP: folders, message bytes and flags
must match the source as Python's `mailbox` module reads it.

Dovecot's /usr/lib/dovecot/imap runs pre-authenticated over a pipe
(imaplib.IMAP4_stream), indexes in memory, on a copy of the output owned by
`nobody` (Dovecot refuses to run as root), so the output itself is never touched.

Normalisation, and why:
* Dovecot serves every message with CRLF line ends: both sides compared as CRLF.
* Status, X-Status, X-Keywords, Content-Length (and X-UID, X-IMAP, X-IMAPbase)
  are mbox state headers: Dovecot hides them when serving mbox, and they carry
  flags, which are compared separately. Dropped on both sides.
* Dovecot does not undo mbox ">From " quoting; our mbox output is mboxrd, so
  one '>' is removed from ^>+From lines of what Dovecot serves from mbox.
* A source message without a final newline may come back with one added
  (an mbox writer has to end the message before the next From_ line).
* Flags: system flags compared as IMAP flags (\\Seen \\Answered \\Flagged
  \\Deleted \\Draft); Maildir keywords only where the source names them in
  dovecot-keywords (mu's "Sabc" letters have no names: not comparable).
  Dovecot's mbox driver only shows keywords registered in X-IMAPbase, so
  keywords are not compared for mbox output.
* Dovecot lists Thunderbird's "A.sbd" directories as folders "A.sbd" (\\Noselect)
  and "A.sbd/B": ".sbd" is stripped to map names back to folder paths.

The first section is a control: a Maildir and an mbox written by Python's
`mailbox` module must read back identically through the same harness; if it
fails the harness is broken, not mailferry.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailbox  # noqa: E402
import time  # noqa: E402

import mfe2e  # noqa: E402
from mfe2e import (CORPUS, DOVECOT_MBOX_HIDDEN, MBOX_STATE_HEADERS, Results,  # noqa: E402
                   drop_headers, mboxrd_unquote, mktemp, to_crlf)

res = Results(os.path.basename(__file__))

if not os.path.exists(mfe2e.DOVECOT_IMAP):
    print("SKIP %s: %s is missing (install dovecot-imapd)" % (res.name, mfe2e.DOVECOT_IMAP))
    print("0 passed, 0 failed")
    sys.exit(0)

HIDDEN = set(MBOX_STATE_HEADERS) | set(DOVECOT_MBOX_HIDDEN)

# ---------------------------------------------------------------------------


def norm(data):
    return to_crlf(drop_headers(data, HIDDEN))


def expected_from_source(msgs, src_kind):
    """[(imap flag set, keyword set or None, normalised bytes)] of a source."""
    out = []
    for m in msgs:
        if src_kind == "maildir":
            flags = mfe2e.imap_flags_from_maildir(m.flags)
            kws = None if any(k.startswith("?") for k in m.keywords) else frozenset(m.keywords)
        else:
            flags = mfe2e.imap_flags_from_mbox(m.flags)
            kws = frozenset(m.keywords) if m.keywords else frozenset()
        out.append((flags, kws, norm(m.data)))
    return out


def served_folders(dv, out_kind):
    """{folder tuple: [(flags, keywords, bytes)]} of everything Dovecot serves."""
    res_ = {}
    for name, delim, attrs in dv.list_folders():
        if "\\Noselect" in attrs or "\\NonExistent" in attrs:
            continue
        if name.upper() == "INBOX":
            folder = ()
        else:
            segs = name.split(delim) if delim else [name]
            if out_kind == "mbox":
                segs = [s[:-4] if s.endswith(".sbd") else s for s in segs]
            folder = tuple(mfe2e.mutf7_decode(s) for s in segs)
        got = []
        for flags, body in dv.fetch_all(name):
            sysf = frozenset(f for f in flags if f.startswith("\\"))
            kws = frozenset(f for f in flags if not f.startswith("\\"))
            if out_kind == "mbox":
                body = mboxrd_unquote(body)
            got.append((sysf, kws, norm(body)))
        res_[folder] = got
    return res_


def same_bytes(exp, got):
    if exp == got:
        return True
    # a missing final newline may be added by the writer
    return not exp.endswith(b"\n") and got == exp + b"\r\n"


def compare(item, exp, got, ordered, check_kw=True):
    """exp/got: lists of (flags, keywords-or-None, bytes)."""
    if not res.check(len(exp) == len(got), item, "message count: source %d, Dovecot serves %d" % (len(exp), len(got))):
        return
    if not ordered:
        exp = sorted(exp, key=lambda t: t[2])
        got = sorted(got, key=lambda t: t[2])
    bad_bytes = [i for i, (e, g) in enumerate(zip(exp, got)) if not same_bytes(e[2], g[2])]
    if bad_bytes:
        i = bad_bytes[0]
        res.fail(item, "%d message(s) differ in bytes; first #%d: source %d bytes %r... served %d bytes %r..."
                 % (len(bad_bytes), i, len(exp[i][2]), exp[i][2][:160], len(got[i][2]), got[i][2][:160]))
        return
    res.ok(item, "bytes")
    bad_flags = [(i, e[0], g[0]) for i, (e, g) in enumerate(zip(exp, got)) if e[0] != g[0]]
    res.check(not bad_flags, item, "system flags differ for %d message(s), first (index, source, served): %r"
              % (len(bad_flags), bad_flags[:3]))
    if check_kw:
        bad_kw = [(i, sorted(e[1]), sorted(g[1])) for i, (e, g) in enumerate(zip(exp, got))
                  if e[1] is not None and e[1] != g[1]]
        res.check(not bad_kw, item, "keywords differ for %d message(s), first (index, source, served): %r"
                  % (len(bad_kw), bad_kw[:3]))


def serve(item, root, kind):
    scratch = mktemp("mfe2e-dovecot-")
    try:
        dv = mfe2e.Dovecot(root, kind, scratch)
    except Exception as ex:  # noqa: BLE001
        res.fail(item, "Dovecot could not start on %s: %s" % (root, ex))
        return None, None
    try:
        return served_folders(dv, kind), dv
    except Exception as ex:  # noqa: BLE001
        res.fail(item, "Dovecot session failed: %s; dovecot stderr: %s" % (ex, dv.stderr()[-1500:]))
        return None, dv
    finally:
        dv.close()


def check_dovecot_log(item, dv):
    if dv is None:
        return
    log = dv.stderr()
    errs = [line for line in log.splitlines() if ": Error:" in line or ": Panic:" in line or ": Fatal:" in line]
    res.check(not errs, item, "Dovecot logged errors: %s" % " | ".join(errs[:3]))


# ---------------------------------------------------------------------------
# synthetic sources, built with Python's mailbox module


def build_synthetic_maildir(root):
    """INBOX with flags + keywords, a nested folder with a non-ASCII name."""
    md = mailbox.Maildir(root, create=True)
    msgs = [
        (b"From: a@example.org\nSubject: one\nMessage-ID: <1@x>\n\nplain\nFrom here on\n>From quoted\n", "FS", "cur", [0]),
        (b"From: b@example.org\nSubject: two\nMessage-ID: <2@x>\n\nsecond\n", "RS", "cur", [0, 1]),
        (b"From: c@example.org\nSubject: three\nMessage-ID: <3@x>\n\nnew one\n", "", "new", []),
        (b"From: d@example.org\nSubject: draft\nMessage-ID: <4@x>\n\ndraft\n", "DT", "cur", [1]),
    ]
    for data, flags, sub, kws in msgs:
        m = mailbox.MaildirMessage(data)
        m.set_subdir(sub)
        m.set_flags(flags + "".join(chr(ord("a") + k) for k in kws))
        md.add(m)
    with open(os.path.join(root, "dovecot-keywords"), "w") as f:
        f.write("0 $Forwarded\n1 project-x\n")
    work = md.add_folder("Work")
    m = mailbox.MaildirMessage(b"From: w@example.org\nSubject: work\nMessage-ID: <5@x>\n\nwork\n")
    m.set_subdir("cur")
    m.set_flags("S")
    work.add(m)
    sub = md.add_folder("Work." + mfe2e.mutf7_encode("Größe & Co"))
    sub.add(mailbox.MaildirMessage(b"From: g@example.org\nSubject: umlaut\nMessage-ID: <6@x>\n\ng\n"))
    return root


def build_synthetic_mbox(path):
    mb = mailbox.mbox(path, create=True)
    for i, (status, xstatus) in enumerate([("RO", "F"), ("O", "A"), ("", "")]):
        m = mailbox.mboxMessage(b"From: m%d@example.org\nSubject: mbox %d\n\nbody %d\n" % (i, i, i))
        m.set_from("m%d@example.org" % i, time.gmtime(1000000000 + i))
        if status:
            m["Status"] = status
        if xstatus:
            m["X-Status"] = xstatus
        mb.add(m)
    mb.close()
    return path


def control():
    """The harness against Python-written stores (no mailferry involved)."""
    base = mktemp("mfe2e-control-")
    md = build_synthetic_maildir(os.path.join(base, "md"))
    src = mfe2e.read_maildirpp(md)
    got, dv = serve("control Maildir", md, "maildir")
    if got is not None:
        res.check(set(got) == set(src), "control Maildir", "folders: Python %r, Dovecot %r" % (sorted(src), sorted(got)))
        for f in src:
            compare("control Maildir folder %r" % (f,), expected_from_source(src[f], "maildir"), got.get(f, []), False)
    check_dovecot_log("control Maildir", dv)
    os.makedirs(os.path.join(base, "mb"))
    build_synthetic_mbox(os.path.join(base, "mb", "INBOX"))
    src = mfe2e.read_mbox_file(os.path.join(base, "mb", "INBOX"), (), unquote=False)
    got, dv = serve("control mbox", os.path.join(base, "mb"), "mbox")
    if got is not None:
        compare("control mbox INBOX", expected_from_source(src, "mbox"), got.get((), []), True, check_kw=False)
    check_dovecot_log("control mbox", dv)


# ---------------------------------------------------------------------------
# mailferry output


def convert(item, sources, to, extra=()):
    out = os.path.join(mktemp("mfe2e-dv-out-"), "out")
    rep = out + ".report.json"
    r = mfe2e.run_mf(["convert"] + list(sources) + ["-o", out, "--to", to, "--report", rep] + list(extra))
    if not mfe2e.check_run_sane(res, item, r, allowed=(0,)):
        return None
    report = mfe2e.load_report(res, item, rep)
    mfe2e.check_report(res, item, report, r.rc)
    return out


def check_output(item, out, kind, expected, ordered):
    """expected: {folder tuple: [Msg]} (source view); src_kind per folder in the Msg list."""
    before = mfe2e.snapshot(out)
    got, dv = serve(item, out, kind)
    res.check(mfe2e.snapshot(out) == before, item, "output changed while being served")
    check_dovecot_log(item, dv)
    if got is None:
        return
    nonempty = {f: v for f, v in got.items() if v}
    pairs = {f: f for f in expected if f in nonempty}
    left_e = [f for f in expected if f not in pairs]
    left_g = [f for f in nonempty if f not in pairs.values()]
    if len(left_e) == 1 and len(left_g) == 1 and "." in "".join(left_e[0]):
        # '.' is the Maildir++ separator: the namer must replace it; pair by elimination
        res.note("%s: folder %r is served as %r" % (item, left_e[0], left_g[0]))
        pairs[left_e[0]] = left_g[0]
        left_e, left_g = [], []
    res.check(not left_e and not left_g, item,
              "folders with mail: expected %r, Dovecot lists %r" % (sorted(expected), sorted(nonempty)))
    for f, (src_kind, msgs) in expected.items():
        compare("%s folder %r" % (item, f), expected_from_source(msgs, src_kind), got.get(pairs.get(f, f), []),
                ordered, check_kw=(kind == "maildir"))


def stem(path):
    b = os.path.basename(path)
    return b[:-5] if b.endswith(".mbox") else b


def main():
    control()
    mfe2e.require_binary(res)

    lkml, mu = mfe2e.corpus_maildirs()
    base = mktemp("mfe2e-dv-src-")
    synth = build_synthetic_maildir(os.path.join(base, "synth"))
    synth_src = mfe2e.read_maildirpp(synth)
    mbox_files = [os.path.join(CORPUS, "mbox", f) for f in
                  ("tika_testMBOX_complex.mbox", "mimekit_issue1189.mbox", "mailbox_perl_mbox.src.mbox")]

    maildir_sources = [
        ("notmuch/lkml", lkml, {(): ("maildir", mfe2e.read_maildirpp(lkml)[()])}),
        ("mu/testdir", mu, {(): ("maildir", mfe2e.read_maildirpp(mu, colon="!")[()])}),
        ("synthetic Maildir++", synth, {f: ("maildir", v) for f, v in synth_src.items() if v}),
    ]
    mbox_files.append(os.path.join(CORPUS, "mbox", "mailbox_perl_mbox.win.mbox"))
    for mf in mbox_files:
        # the corpus mboxes picked here have no ">From" lines and no From_ ambiguity
        msgs = mfe2e.read_mbox_file(mf, (stem(mf),), unquote=False)
        if mf.endswith(".win.mbox"):
            # CRLF file: Python keeps the CRLF blank line before each From_ line
            # (it only knows "\n" as blank); it is the separator, not message text
            # (see test_mailbox_roundtrip.py, which checks this against the LF twin)
            for m in msgs:
                if m.data.endswith(b"\r\n\r\n"):
                    m.data = m.data[:-2]
        maildir_sources.append((os.path.basename(mf), mf, {(stem(mf),): ("mbox", msgs)}))

    # (a) Maildir output
    for label, src, expected in maildir_sources:
        item = "%s --to maildir" % label
        out = convert(item, [src], "maildir")
        if out:
            check_output(item, out, "maildir", expected, ordered=False)

    # (b) mbox output (Dovecot's mbox driver)
    for label, src, expected in maildir_sources:
        item = "%s --to mbox" % label
        out = convert(item, [src], "mbox")
        if out:
            check_output(item, out, "mbox", expected, ordered=(expected and next(iter(expected.values()))[0] == "mbox"))

    res.finish()


if __name__ == "__main__":
    main()
