"""Shared helpers for mailferry's end-to-end tests (tests/e2e/test_*.py).

Standard library only. Everything that *reads* converted output here is an
independent consumer: Python's `mailbox` module, a small IMAP modified UTF-7
decoder written from RFC 3501 5.1.3, and Dovecot's imap binary. Nothing here
calls mailferry to check mailferry.

Environment (set by ctest): MAILFERRY (binary), MF_CORPUS (../shared/corpus),
MF_TESTDATA (testdata/). Defaults are derived from this file's location so a
script can also be run by hand.
"""

import atexit
import base64
import hashlib
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))

MAILFERRY = os.environ.get("MAILFERRY") or os.path.join(PROJECT, "build", "mailferry")
CORPUS = os.path.abspath(os.environ.get("MF_CORPUS") or os.path.join(PROJECT, "..", "shared", "corpus"))
TESTDATA = os.path.abspath(os.environ.get("MF_TESTDATA") or os.path.join(PROJECT, "testdata"))

DOVECOT_IMAP = "/usr/lib/dovecot/imap"

# --------------------------------------------------------------------------
# pass/fail bookkeeping


class Results:
    """Counts checks; every failure line names the test file and the item."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.notes = []

    def ok(self, item, what=""):
        self.passed += 1
        if os.environ.get("MF_VERBOSE"):
            print("ok   %s: %s %s" % (self.name, item, what))

    def fail(self, item, what):
        self.failed += 1
        print("FAIL %s: %s: %s" % (self.name, item, what), flush=True)

    def check(self, cond, item, what):
        if cond:
            self.ok(item, what)
        else:
            self.fail(item, what)
        return bool(cond)

    def note(self, text):
        print("NOTE %s: %s" % (self.name, text), flush=True)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)


def require_binary(res):
    if not (os.path.isfile(MAILFERRY) and os.access(MAILFERRY, os.X_OK)):
        res.fail("MAILFERRY", "binary %r does not exist or is not executable" % MAILFERRY)
        res.finish()


# --------------------------------------------------------------------------
# temp dirs (always cleaned up, also on failure)

_TEMPS = []


def _cleanup():
    for d in _TEMPS:
        if os.path.isdir(d):
            # give back write permission we may have removed, then delete
            for root, dirs, _files in os.walk(d):
                for x in dirs:
                    p = os.path.join(root, x)
                    if os.path.islink(p):
                        continue  # chmod follows links: never touch what a link points at (/etc)
                    try:
                        os.chmod(p, 0o700)
                    except OSError:
                        pass
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def mktemp(prefix="mfe2e-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _TEMPS.append(d)
    return d


# --------------------------------------------------------------------------
# running the binary

SANITIZER_RE = re.compile(
    rb"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
    rb"ERROR: UndefinedBehaviorSanitizer|AddressSanitizer:DEADLYSIGNAL")


class Run:
    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err

    @property
    def sanitizer(self):
        return bool(SANITIZER_RE.search(self.err or b""))

    def cmd(self):
        import shlex
        return "MAILFERRY=%s %s" % (MAILFERRY, " ".join(shlex.quote(a) for a in self.argv))

    def short_err(self, n=600):
        e = (self.err or b"").decode("utf-8", "replace")
        return e if len(e) <= n else e[:n] + "...[%d more bytes]" % (len(e) - n)


def run_mf(args, timeout=600, cwd=None, preexec=None, env=None):
    argv = [MAILFERRY] + list(args)
    e = dict(os.environ)
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    if env:
        e.update(env)
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=cwd, env=e, preexec_fn=preexec)
        return Run(argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as ex:
        return Run(argv, -999, ex.stdout or b"", (ex.stderr or b"") + b"\n[timeout]")


def check_run_sane(res, item, r, allowed=(0, 1)):
    """No crash, no sanitizer report, exit code in `allowed`."""
    good = True
    if r.rc < 0 or r.rc > 3:
        res.fail(item, "crashed or bad exit code %d; repro: %s\nstderr: %s" % (r.rc, r.cmd(), r.short_err()))
        good = False
    elif r.rc not in allowed:
        res.fail(item, "exit code %d, expected one of %s; repro: %s\nstderr: %s"
                 % (r.rc, allowed, r.cmd(), r.short_err()))
        good = False
    else:
        res.ok(item, "exit code")
    if r.sanitizer:
        res.fail(item, "sanitizer error; repro: %s\nstderr: %s" % (r.cmd(), r.short_err(2000)))
        good = False
    else:
        res.ok(item, "no sanitizer error")
    return good


def load_report(res, item, path):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except Exception as ex:  # noqa: BLE001 - any failure is a test failure
        res.fail(item, "report %s unreadable: %s" % (path, ex))
        return None


def check_report(res, item, rep, rc=None):
    """invariant_ok, totals and per-folder rows add up; rc matches quarantine."""
    if rep is None:
        return False
    good = res.check(rep.get("invariant_ok") is True, item, "report invariant_ok is %r" % rep.get("invariant_ok"))
    t = rep.get("totals") or {}
    try:
        ok = t["read"] + t.get("created", 0) == t["written"] + t["filtered"] + t["quarantined"]
    except (KeyError, TypeError):
        ok = False
    good &= res.check(ok, item, "totals read == written+filtered+quarantined (totals=%r)" % t)
    sums = {"read": 0, "written": 0, "filtered": 0, "quarantined": 0, "created": 0}
    for row in rep.get("folders") or []:
        try:
            rok = row["read"] + row.get("created", 0) == row["written"] + row["filtered"] + row["quarantined"]
            for k in sums:
                sums[k] += row[k]
        except (KeyError, TypeError):
            rok = False
        if not rok:
            good &= res.check(False, item, "folder row does not add up: %r" % row)
    if t:
        good &= res.check(all(sums[k] == t.get(k) for k in sums), item,
                          "folder rows sum to totals (rows %r, totals %r)" % (sums, t))
    if rc is not None and t:
        if rc == 0:
            good &= res.check(t.get("quarantined") == 0, item, "exit 0 but quarantined=%r" % t.get("quarantined"))
        elif rc == 1:
            good &= res.check((t.get("quarantined") or 0) > 0, item, "exit 1 but nothing quarantined")
    return good


# --------------------------------------------------------------------------
# hashing and tree snapshots


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_sources(paths):
    """{file: sha256} for every regular file in/under the given paths."""
    out = {}
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                for f in files:
                    fp = os.path.join(root, f)
                    if os.path.isfile(fp):
                        out[fp] = sha256_file(fp)
        else:
            out[p] = sha256_file(p)
    return out


def snapshot(root, with_mtime=True):
    """{relpath: ('d',) | ('l', target) | ('f', sha256, size, mtime_ns)}."""
    snap = {}
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for d in dirs:
            full = os.path.join(dirpath, d)
            rel = os.path.relpath(full, root)
            snap[rel] = ("l", os.readlink(full)) if os.path.islink(full) else ("d",)
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                snap[rel] = ("l", os.readlink(full))
                continue
            st = os.lstat(full)
            snap[rel] = ("f", sha256_file(full), st.st_size, st.st_mtime_ns if with_mtime else 0)
    return snap


def diff_snapshots(a, b, limit=8):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append("%r: %r -> %r" % (k, a.get(k), b.get(k)))
    more = len(lines) - limit
    return "; ".join(lines[:limit]) + (" ... and %d more" % more if more > 0 else "")


# --------------------------------------------------------------------------
# corpus


def corpus_mbox_files():
    d = os.path.join(CORPUS, "mbox")
    return sorted(os.path.join(d, f) for f in os.listdir(d))


def corpus_maildirs():
    return [os.path.join(CORPUS, "maildir", "notmuch", "lkml"),
            os.path.join(CORPUS, "maildir", "mu", "testdir")]


def corpus_maildir_root():
    return os.path.join(CORPUS, "maildir")


def corpus_eml_dir():
    return os.path.join(CORPUS, "eml")


def corpus_eml_files():
    out = []
    for root, _dirs, files in os.walk(corpus_eml_dir()):
        out.extend(os.path.join(root, f) for f in files if f.endswith(".eml"))
    return sorted(out)


# --------------------------------------------------------------------------
# message normalisation


def split_head(msg):
    """(header_bytes, rest) split at the first empty line (LF or CRLF)."""
    if msg.startswith(b"\n") or msg.startswith(b"\r\n"):
        return b"", msg
    m = re.search(rb"\r?\n(\r?\n)", msg)
    if not m:
        return msg, b""
    return msg[:m.start(1)], msg[m.start(1):]


def drop_headers(msg, names):
    """Removes the named header fields (and their folded continuation lines)
    from the header block; the rest of the message is kept byte for byte."""
    names = {n.lower() for n in names}
    head, rest = split_head(msg)
    out = []
    skipping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and out is not None:
            if not skipping:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        skipping = name in names
        if not skipping:
            out.append(line)
    return b"".join(out) + rest


MBOX_STATE_HEADERS = ("Status", "X-Status", "X-Keywords", "Content-Length")
# Dovecot's mbox driver hides these from IMAP clients (src/lib-storage/index/mbox/mbox-sync-parse.c)
DOVECOT_MBOX_HIDDEN = ("Status", "X-Status", "X-Keywords", "Content-Length", "X-UID",
                       "X-IMAP", "X-IMAPbase")

FROM_QUOTED_RE = re.compile(rb"^>(>*From )", re.M)


def mboxrd_unquote(body):
    """mboxrd: every line matching ^>+From  loses one '>'."""
    return FROM_QUOTED_RE.sub(rb"\1", body)


def to_crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


# --------------------------------------------------------------------------
# IMAP modified UTF-7 (RFC 3501 5.1.3), written here from the RFC


def mutf7_decode(s):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "&":
            out.append(c)
            i += 1
            continue
        j = s.index("-", i)
        chunk = s[i + 1:j]
        if chunk == "":
            out.append("&")
        else:
            b64 = chunk.replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            out.append(base64.b64decode(b64).decode("utf-16-be"))
        i = j + 1
    return "".join(out)


def mutf7_encode(s, force=""):
    """Encodes `s`; characters in `force` are base64-encoded even if printable
    ASCII (non-canonical, used to smuggle '/' or '.' past a naive decoder)."""
    out = []
    buf = []

    def flush():
        if buf:
            raw = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            buf.clear()

    for c in s:
        if 0x20 <= ord(c) <= 0x7e and c not in force:
            flush()
            out.append("&-" if c == "&" else c)
        else:
            buf.append(c)
    flush()
    return "".join(out)


# --------------------------------------------------------------------------
# reading converted output with Python's mailbox module


class Msg:
    __slots__ = ("folder", "key", "data", "flags", "keywords", "path")

    def __init__(self, folder, key, data, flags, keywords=(), path=None):
        self.folder = folder
        self.key = key
        self.data = data
        self.flags = flags          # Maildir-style letters for Maildir, mbox letters for mbox
        self.keywords = frozenset(keywords)
        self.path = path

    def __repr__(self):
        return "Msg(%r, %r, %d bytes, flags=%r, kw=%r)" % (self.folder, self.key, len(self.data), self.flags,
                                                          sorted(self.keywords))


def _dovecot_keywords(folder_dir):
    """Letter -> keyword name from a Maildir folder's dovecot-keywords file."""
    mapping = {}
    p = os.path.join(folder_dir, "dovecot-keywords")
    if os.path.isfile(p):
        with open(p, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                parts = line.split(None, 1)
                if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) < 26:
                    mapping[chr(ord("a") + int(parts[0]))] = parts[1]
    return mapping


def read_maildir_folder(path, folder, colon=":"):
    """One Maildir folder read with Python's mailbox.Maildir. Corpus trees
    without new/ (notmuch's lkml has only cur/) are read by listing cur/ and
    letting mailbox.MaildirMessage parse the info part of each name."""
    kwmap = _dovecot_keywords(path)
    items = []
    if os.path.isdir(os.path.join(path, "new")) and os.path.isdir(os.path.join(path, "cur")):
        md = mailbox.Maildir(path, factory=None, create=False)
        md.colon = colon
        for key in md.keys():
            sub = md._toc[key]
            items.append((sub, md.get_bytes(key), md.get_message(key).get_flags()))
    else:
        for sub in ("new", "cur"):
            d = os.path.join(path, sub)
            if not os.path.isdir(d):
                continue
            for name in os.listdir(d):
                if name.startswith("."):
                    continue
                with open(os.path.join(d, name), "rb") as f:
                    data = f.read()
                m = mailbox.MaildirMessage(data)
                if colon in name:
                    m.set_info(name.split(colon, 1)[1])
                items.append((os.path.join(sub, name), data, m.get_flags()))
    out = []
    for sub, data, letters in sorted(items):
        upper = "".join(sorted(c for c in letters if c.isupper()))
        kws = [kwmap.get(c, "?" + c) for c in letters if c.islower()]
        out.append(Msg(folder, sub, data, upper, kws, os.path.join(path, sub)))
    return out


def read_maildirpp(root, colon=":"):
    """Maildir++ tree -> {folder tuple: [Msg]} with folder names decoded
    from modified UTF-7; () is INBOX (the root)."""
    res = {(): read_maildir_folder(root, (), colon)}
    md = mailbox.Maildir(root, factory=None, create=False)
    for name in sorted(md.list_folders()):
        segs = tuple(mutf7_decode(s) for s in name.split("."))
        res[segs] = read_maildir_folder(os.path.join(root, "." + name), segs, colon)
    return res


def mbox_flags(msg):
    return "".join(sorted(set(msg.get_flags())))


def read_mbox_file(path, folder=(), unquote=True):
    """Python's mbox reader; ">From" un-quoted per mboxrd when asked."""
    mb = mailbox.mbox(path, factory=None, create=False)
    out = []
    try:
        for i, key in enumerate(mb.keys()):
            data = mb.get_bytes(key)
            m = mb.get_message(key)
            kw = []
            xk = m.get("X-Keywords")
            if xk:
                kw = [k for k in re.split(r"[,\s]+", str(xk)) if k]
            if unquote:
                data = mboxrd_unquote(data)
            out.append(Msg(folder, i, data, mbox_flags(m), kw, path))
    finally:
        mb.close()
    return out


def read_mbox_tree(root, unquote=True):
    """Thunderbird layout: OUTDIR/A (file) and OUTDIR/A.sbd/B. The file
    'INBOX' at the top is the root folder ()."""
    res = {}
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        reldir = os.path.relpath(dirpath, root)
        segs = () if reldir == "." else tuple(s[:-4] if s.endswith(".sbd") else s for s in reldir.split(os.sep))
        for f in sorted(files):
            if dirpath == root and f == "INBOX":
                folder = ()
            else:
                folder = segs + (f,)
            if reldir.split(os.sep)[0] == "quarantine" or f.endswith((".ics", ".vcf", ".json")):
                continue
            res[folder] = read_mbox_file(os.path.join(dirpath, f), folder, unquote)
    return res


def count_eml(root):
    n = 0
    for dirpath, _dirs, files in os.walk(root):
        if os.path.relpath(dirpath, root).split(os.sep)[0] == "quarantine":
            continue
        n += sum(1 for f in files if f.endswith(".eml"))
    return n


# flag vocabularies
MAILDIR_TO_IMAP = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "T": "\\Deleted", "D": "\\Draft"}
MBOX_TO_IMAP = {"R": "\\Seen", "A": "\\Answered", "F": "\\Flagged", "D": "\\Deleted", "T": "\\Draft"}
MBOX_TO_MAILDIR = {"R": "S", "A": "R", "F": "F", "D": "T", "T": "D"}


def imap_flags_from_maildir(letters):
    return frozenset(MAILDIR_TO_IMAP[c] for c in letters if c in MAILDIR_TO_IMAP)


def imap_flags_from_mbox(letters):
    return frozenset(MBOX_TO_IMAP[c] for c in letters if c in MBOX_TO_IMAP)


def maildir_flags_from_mbox(letters):
    return "".join(sorted(MBOX_TO_MAILDIR[c] for c in letters if c in MBOX_TO_MAILDIR))


# --------------------------------------------------------------------------
# Dovecot's imap binary in pre-auth mode over a pipe


class Dovecot:
    """Serves a *copy* of a mail tree with Dovecot's imap binary (pre-auth
    over stdin/stdout, imaplib.IMAP4_stream). Indexes in memory; the copy is
    owned by nobody when we run as root, so the checked output is never touched."""

    def __init__(self, src_root, kind, scratch):
        import imaplib
        self.copy = os.path.join(scratch, "served")
        shutil.copytree(src_root, self.copy, symlinks=True)
        home = os.path.join(scratch, "home")
        os.makedirs(home, exist_ok=True)
        if kind == "maildir":
            loc = "maildir:%s:INDEX=MEMORY" % self.copy
        elif kind == "mbox":
            inbox = os.path.join(self.copy, "INBOX")
            if not os.path.exists(inbox):
                open(inbox, "wb").close()
            # Thunderbird (our mbox layout) names files in UTF-8; Dovecot expects
            # modified UTF-7 on disk unless told :UTF-8
            loc = "mbox:%s:INBOX=%s:INDEX=MEMORY:UTF-8" % (self.copy, inbox)
        else:
            raise ValueError(kind)
        conf = ["mail_location = %s" % loc, "log_path = /dev/stderr",
                "mbox_read_locks = fcntl", "mbox_write_locks = fcntl"]
        user = os.environ.get("USER") or "mfe2e"
        if os.geteuid() == 0:
            conf += ["mail_uid = nobody", "mail_gid = nogroup", "first_valid_uid = 1"]
            user = "nobody"
            for p in (scratch,):
                os.chmod(p, 0o755)
            subprocess.run(["chown", "-R", "nobody:nogroup", self.copy, home], check=True)
        self.conf = os.path.join(scratch, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.errlog = os.path.join(scratch, "dovecot.stderr")
        cmd = "env -i USER=%s HOME=%s PATH=/usr/bin:/bin %s -c %s 2>>%s" % (
            user, home, DOVECOT_IMAP, self.conf, self.errlog)
        self.imap = imaplib.IMAP4_stream(cmd)

    def stderr(self):
        try:
            with open(self.errlog, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def list_folders(self):
        typ, data = self.imap.list('""', "*")
        if typ != "OK":
            raise RuntimeError("LIST failed: %r" % data)
        out = []
        for d in data:
            if d is None:
                continue
            if isinstance(d, tuple):  # name sent as a literal
                attrs_sep, name = d[0], d[1]
                m = re.match(rb'\((.*?)\) (NIL|"(?:[^"\\]|\\.)*") \{\d+\}$', attrs_sep)
                attrs = m.group(1).decode()
                name = name.decode("utf-8", "replace")
                delim = m.group(2)
            else:
                m = re.match(rb'\((.*?)\) (NIL|"(?:[^"\\]|\\.)*") (.*)$', d)
                attrs, delim, name = m.group(1).decode(), m.group(2), m.group(3)
                name = name.decode("utf-8", "replace")
                if name.startswith('"'):
                    name = re.sub(r'\\(.)', r'\1', name[1:-1])
            delim = None if delim == b"NIL" else delim.strip(b'"').decode().replace("\\\\", "\\")
            out.append((name, delim, attrs))
        return out

    def fetch_all(self, mailbox_name):
        """[(frozenset(flags), bytes)] in sequence order, EXAMINE (read-only)."""
        quoted = '"%s"' % mailbox_name.replace("\\", "\\\\").replace('"', '\\"')
        typ, data = self.imap.select(quoted, readonly=True)
        if typ != "OK":
            raise RuntimeError("EXAMINE %s failed: %r" % (mailbox_name, data))
        n = int(data[0])
        out = []
        for seq in range(1, n + 1):
            typ, fl = self.imap.fetch(str(seq), "(FLAGS)")
            if typ != "OK":
                raise RuntimeError("FETCH FLAGS %d failed" % seq)
            raw = b" ".join(x if isinstance(x, bytes) else x[0] for x in fl)
            m = re.search(rb"FLAGS \(([^)]*)\)", raw)
            flags = frozenset(f for f in m.group(1).decode().split() if f != "\\Recent")
            typ, body = self.imap.fetch(str(seq), "(BODY.PEEK[])")
            if typ != "OK":
                raise RuntimeError("FETCH BODY %d failed" % seq)
            lit = [x[1] for x in body if isinstance(x, tuple)]
            out.append((flags, lit[0] if lit else b""))
        return out

    def close(self):
        try:
            self.imap.logout()
        except Exception:  # noqa: BLE001
            pass
