#!/usr/bin/python3
"""Every mail source in the corpus converts to maildir, mbox and eml without a
crash, with a consistent report, without touching the source, deterministically.

Sources: every mbox file; the Maildirs notmuch/lkml and mu/testdir and the
maildir/ root (a tree of plain Maildirs); every .eml file and the eml/ directory.
For each source and each --to:
* exit code 0 or 1 (1 only with quarantined items, 0 only without); no signal,
  no sanitizer report;
* --report JSON: invariant_ok true, totals read == written+filtered+quarantined,
  folder rows add up to the totals;
* the number of messages an independent reader finds in OUTDIR equals
  totals.written (Python's mailbox for Maildir and mbox output, a file count
  of *.eml for eml output; quarantine/ and companion .ics/.vcf files excluded);
* SHA-256 of every source file is the same before and after the run, and
  matches MANIFEST.tsv;
* converting again into a second OUTDIR gives the same file list and bytes;
  Maildir message files also keep the same mtime (mtime = internal date by
  the Maildir convention; mbox/eml file mtimes are not specified, so they
  are not compared).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402
from mfe2e import CORPUS, Results, mktemp  # noqa: E402

res = Results(os.path.basename(__file__))
TARGETS = ("maildir", "mbox", "eml")


def manifest():
    out = {}
    with open(os.path.join(CORPUS, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and len(parts[1]) == 64:
                out[os.path.join(CORPUS, parts[0])] = parts[1]
    return out


def written_by_reader(out, to):
    """Messages an independent reader finds in OUTDIR."""
    if to == "eml":
        return mfe2e.count_eml(out)
    if to == "maildir":
        n = 0
        tree = mfe2e.read_maildirpp(out)
        for folder, msgs in tree.items():
            n += len(msgs)
        # plain Maildirs under quarantine/ etc. are not part of Maildir++; fine
        return n
    return sum(len(v) for v in mfe2e.read_mbox_tree(out, unquote=True).values())


def maildir_mtimes_only(snap):
    """Drop mtimes except for Maildir message files (…/cur/x, …/new/x)."""
    out = {}
    for k, v in snap.items():
        parts = k.split(os.sep)
        if v[0] == "f" and not (len(parts) >= 2 and parts[-2] in ("cur", "new")):
            v = v[:3] + (0,)
        out[k] = v
    return out


def sweep_one(label, src, source_hashes):
    for to in TARGETS:
        item = "%s --to %s" % (label, to)
        base = mktemp("mfe2e-sweep-")
        outs = []
        for run in (1, 2):
            out = os.path.join(base, "out%d" % run)
            rep = os.path.join(base, "report%d.json" % run)
            r = mfe2e.run_mf(["convert", src, "-o", out, "--to", to, "--report", rep])
            if not mfe2e.check_run_sane(res, "%s (run %d)" % (item, run), r):
                outs.append(None)
                continue
            report = mfe2e.load_report(res, item, rep)
            mfe2e.check_report(res, "%s (run %d)" % (item, run), report, r.rc)
            after = mfe2e.hash_sources([src])
            changed = [p for p in source_hashes if after.get(p) != source_hashes[p]]
            res.check(not changed and set(after) == set(source_hashes), item,
                      "source files changed by the run: %r" % changed[:5])
            if run == 1 and report and report.get("totals"):
                try:
                    n = written_by_reader(out, to)
                    res.check(n == report["totals"].get("written"), item,
                              "independent reader finds %d messages in OUTDIR, report says written=%r; repro: %s"
                              % (n, report["totals"].get("written"), r.cmd()))
                except Exception as ex:  # noqa: BLE001
                    res.fail(item, "independent reader failed on OUTDIR: %r; repro: %s" % (ex, r.cmd()))
                res.check(report["totals"].get("read", 0) > 0, item, "report read 0 items")
            outs.append(out)
        if outs[0] and outs[1]:
            a = maildir_mtimes_only(mfe2e.snapshot(outs[0]))
            b = maildir_mtimes_only(mfe2e.snapshot(outs[1]))
            res.check(a == b, item, "two runs differ: %s" % mfe2e.diff_snapshots(a, b))
        mfe2e.shutil.rmtree(base, ignore_errors=True)


def main():
    mfe2e.require_binary(res)
    man = manifest()
    sources = []
    for p in mfe2e.corpus_mbox_files():
        sources.append((os.path.relpath(p, CORPUS), p))
    for p in mfe2e.corpus_maildirs() + [mfe2e.corpus_maildir_root()]:
        sources.append((os.path.relpath(p, CORPUS) + "/", p))
    for p in mfe2e.corpus_eml_files():
        sources.append((os.path.relpath(p, CORPUS), p))
    sources.append(("eml/", mfe2e.corpus_eml_dir()))

    for label, src in sources:
        hashes = mfe2e.hash_sources([src])
        bad = [p for p, h in hashes.items() if p in man and man[p] != h]
        res.check(not bad, label, "source differs from MANIFEST.tsv before the run: %r" % bad[:3])
        sweep_one(label, src, hashes)
    res.finish()


if __name__ == "__main__":
    main()
