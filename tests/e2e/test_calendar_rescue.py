"""Calendar rescue (issue 4) against the whole calendar corpus.

Every .ics/.vcs file under ../shared/corpus/ics and ../shared/corpus/apple
(except files MANIFEST.tsv notes as templates) is converted on its own with
`--to ics`. Checked, with consumers independent of mailferry:

* exit 0/1, invariant_ok, and the components reconcile: every BEGIN:VEVENT /
  VTODO / VJOURNAL of the input (a plain line count of the unfolded source)
  is in the output, in the quarantine (saved .ics files, or a whole VCALENDAR
  quarantined with its reason), or filtered as an identical duplicate (the
  report says how many components). Travel-time appointments mailferry adds
  are counted apart.
* every output file parses with python3-icalendar (this script runs under
  /usr/bin/python3) and with ical.js under node (npm install ical.js@2 into a
  temp dir; SKIP printed when npm cannot reach the registry);
* every output file has METHOD:PUBLISH and each of its VCALENDARs passes
  libical's icalrestriction_check (ctypes) with the METHOD removed, i.e. the
  RFC 5545 rules, not iTIP's (see restriction_errors);
* every recurring event that needed no repair expands (libical,
  icalcomponent_foreach_recurrence, five years from its start) to the same
  occurrences before and after conversion.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402

res = mfe2e.Results("test_calendar_rescue")
mfe2e.require_binary(res)

KINDS = ("VEVENT", "VTODO", "VJOURNAL")
BEGIN_RE = re.compile(rb"^BEGIN:(VEVENT|VTODO|VJOURNAL)\s*$", re.I | re.M)
MY_TAGS = ("Items_", "Meetings_")


def corpus_files():
    templates = set()
    with open(os.path.join(mfe2e.CORPUS, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 6 and "template" in cols[5].lower():
                templates.add(cols[0])
    out = []
    for top in ("ics", "apple"):
        for path in sorted(glob.glob(os.path.join(mfe2e.CORPUS, top, "**", "*"), recursive=True)):
            rel = os.path.relpath(path, mfe2e.CORPUS)
            if os.path.isfile(path) and path.lower().endswith((".ics", ".vcs")) \
                    and rel not in templates:
                out.append(path)
    return out, len(templates)


def unfold(data):
    return re.sub(rb"\r?\n[ \t]", b"", data)


def count_components(data):
    return len(BEGIN_RE.findall(unfold(data)))


def output_files(outdir):
    files = []
    for path in sorted(glob.glob(os.path.join(outdir, "**", "*.ics"), recursive=True)):
        if os.sep + "quarantine" + os.sep not in path:
            files.append(path)
    return files


# --- libical through ctypes: tests/e2e/libical_check.py ---------------------

from libical_check import expansions, restriction_errors, split_vcalendars  # noqa: E402


# --- ical.js ------------------------------------------------------------------

def icaljs_dir():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None
    d = mfe2e.mktemp("icaljs-")
    r = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "ical.js@2"],
                       cwd=d, capture_output=True, timeout=300)
    if r.returncode != 0 or not os.path.isdir(os.path.join(d, "node_modules", "ical.js")):
        return None
    with open(os.path.join(d, "check.mjs"), "w") as f:
        f.write("import ICAL from 'ical.js';\nimport fs from 'fs';\n"
                "let bad = 0;\nfor (const p of process.argv.slice(2)) {\n"
                "  try { new ICAL.Component(ICAL.parse(fs.readFileSync(p, 'utf8'))); }\n"
                "  catch (e) { bad++; console.log('FAIL ' + p + ': ' + e.message); }\n"
                "}\nconsole.log('checked ' + (process.argv.length - 2) + ', failed ' + bad);\n"
                "process.exit(bad ? 1 : 0);\n")
    return d


# --- the run ------------------------------------------------------------------

files, n_templates = corpus_files()
res.check(len(files) > 100, "corpus", "found %d calendar files (%d templates left out)"
          % (len(files), n_templates))
work = mfe2e.mktemp("calrescue-")
all_outputs = []
totals = {"input": 0, "written": 0, "quarantined": 0, "filtered": 0, "travel": 0,
          "whole-vcalendar": 0}
recur_checked = 0
for i, src in enumerate(files):
    rel = os.path.relpath(src, mfe2e.CORPUS)
    out = os.path.join(work, "out%04d" % i)
    rep_path = os.path.join(work, "rep%04d.json" % i)
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", "ics", "--report", rep_path, "-q"])
    if not mfe2e.check_run_sane(res, rel, r):
        continue
    rep = mfe2e.load_report(res, rel, rep_path)
    if rep is None:
        continue
    res.check(rep["invariant_ok"], rel, "invariant_ok")
    with open(src, "rb") as f:
        src_data = f.read()
    n_in = count_components(src_data)
    outs = output_files(out)
    all_outputs += outs
    n_out = n_travel = 0
    for o in outs:
        with open(o, "rb") as f:
            data = f.read()
        n_out += count_components(data)
        n_travel += len(re.findall(rb"^UID:.*-travel-(before|after)\r?$", unfold(data), re.M))
        try:
            for chunk in split_vcalendars(data):
                icalendar.Calendar.from_ical(chunk)
            ok = True
        except Exception as e:  # noqa: BLE001
            ok = False
            res.check(False, rel, "python3-icalendar parses %s: %s" % (o, e))
        res.check(data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:") and
                  b"\r\nMETHOD:PUBLISH\r\n" in data, rel, "%s: METHOD:PUBLISH"
                  % os.path.basename(o))
        for chunk in split_vcalendars(data):
            errs = restriction_errors(chunk)
            res.check(not errs, rel, "icalrestriction_check passes %s%s"
                      % (os.path.basename(o), (": " + errs[0]) if errs else ""))
    n_q = 0
    for q in glob.glob(os.path.join(out, "quarantine", "*.ics")):
        with open(q, "rb") as f:
            n_q += count_components(f.read())
    whole = [q for q in rep["quarantine"] if not q.get("saved_as")]
    for q in rep["quarantine"]:
        res.check(bool(q.get("reason")), rel, "quarantined item has a reason")
    n_f = sum(int(m.group(1)) for f in rep.get("filtered", [])
              for m in [re.search(r"(\d+) components", f["reason"])] if m)
    accounted = (n_out - n_travel) + n_q + n_f
    # A VCALENDAR libical could not read as one (fuzz inputs) is quarantined
    # whole, with its reason; its components cannot be counted apart.
    res.check(accounted == n_in or (accounted < n_in and whole), rel,
              "components reconcile: input %d = written %d + quarantined %d + filtered %d%s"
              % (n_in, n_out - n_travel, n_q, n_f,
                 " (+%d in %d whole quarantined VCALENDAR(s))" % (n_in - accounted, len(whole))
                 if accounted != n_in else ""))
    totals["input"] += n_in
    totals["written"] += n_out - n_travel
    totals["quarantined"] += n_q
    totals["filtered"] += n_f
    totals["travel"] += n_travel
    totals["whole-vcalendar"] += n_in - accounted if accounted < n_in else 0

    # Recurrence: events with an RRULE and none of our repair tags, same UID in and out.
    out_text = b"".join(open(o, "rb").read() for o in outs)
    clean = set()
    for chunk in split_vcalendars(unfold(out_text)):
        for comp in re.findall(rb"BEGIN:VEVENT\r?\n(.*?)END:VEVENT", chunk, re.S):
            if b"\nRRULE:" not in b"\n" + comp or b"RECURRENCE-ID" in comp:
                continue
            cats = b" ".join(re.findall(rb"^CATEGORIES[^:]*:(.*)$", comp, re.M))
            if any(t.encode() in cats for t in MY_TAGS):
                continue
            m = re.search(rb"^UID:(.*?)\r?$", comp, re.M)
            if m:
                clean.add(m.group(1).decode("utf-8", "replace"))
    if clean:
        before, after = {}, {}
        for chunk in split_vcalendars(src_data):
            for k, v in expansions(chunk, clean).items():
                before.setdefault(k, v)
        for o in outs:
            for k, v in expansions(open(o, "rb").read(), clean).items():
                after.setdefault(k, v)
        for uid in sorted(clean):
            if uid in before and uid in after:
                recur_checked += 1
                res.check(before[uid] == after[uid], rel,
                          "UID %s: %d occurrences in 5 years before, %d after"
                          % (uid, len(before[uid]), len(after[uid])))

print("components: %(input)d in = %(written)d written + %(quarantined)d quarantined + "
      "%(filtered)d filtered duplicates + %(whole-vcalendar)d in whole quarantined "
      "VCALENDARs; %(travel)d travel appointments added" % totals)
print("recurring events compared over five years: %d" % recur_checked)
res.check(recur_checked > 20, "recurrence", "compared %d recurring events" % recur_checked)

d = icaljs_dir()
if d is None:
    print("SKIP: ical.js check (npm install ical.js@2 failed: registry unreachable?)")
else:
    r = subprocess.run(["node", os.path.join(d, "check.mjs")] + all_outputs, cwd=d,
                       capture_output=True, text=True, timeout=600)
    print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-500:])
    for line in r.stdout.splitlines():
        if line.startswith("FAIL"):
            res.check(False, "ical.js", line)
    res.check(r.returncode == 0, "ical.js", "ical.js parses all %d output files"
              % len(all_outputs))

sys.exit(res.finish())
