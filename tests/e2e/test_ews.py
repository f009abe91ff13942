#!/usr/bin/env python3
"""--to ews: EWS-ready XML bundles checked by independent means.

* every request file of a bundle is validated with ONE xmllint call per bundle
  against ../shared/ews-schema/libxml2/ews-soap-validate.xsd (the recipe in
  ../shared/ews-schema/examples/VALIDATION.txt); the negative examples are
  rejected by the same step (n8 is schema-valid by design: the organizer is
  read-only on the server, not in the schema);
* manifest item count == the run report's written count, and == the items in
  the request files;
* every MimeContent decodes to exactly the bytes the eml writer writes for
  the same source (compared as a multiset of SHA-256 digests);
* batching limits (--batch-items, --batch-bytes) hold; an oversize item has a
  request of its own and a warning;
* the bundle is byte-identical across runs.
"""

import base64
import email
import email.policy
import glob
import hashlib
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402

res = mfe2e.Results("test_ews")
CORPUS = mfe2e.CORPUS
SCHEMA_DIR = os.path.join(os.path.dirname(CORPUS), "ews-schema")
XSD = os.path.join(SCHEMA_DIR, "libxml2", "ews-soap-validate.xsd")
NEGATIVE = os.path.join(SCHEMA_DIR, "examples", "negative")
NS = {"soap": "http://schemas.xmlsoap.org/soap/envelope/",
      "t": "http://schemas.microsoft.com/exchange/services/2006/types",
      "m": "http://schemas.microsoft.com/exchange/services/2006/messages"}
ENVELOPE_SLACK = 4096  # bytes of envelope around the item fragments


def xmllint(files):
    """One xmllint call for all files: (rc, set of files reported invalid)."""
    p = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", XSD] + files,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode("utf-8", "replace")
    bad = {f for f in files if (f + " fails to validate") in err}
    return p.returncode, bad, err


def convert(name, sources, extra=(), allowed=(0, 1), to="ews"):
    out = os.path.join(mfe2e.mktemp("mfews-"), "out")
    rep_path = out + ".json"
    r = mfe2e.run_mf(["convert"] + list(sources) + ["-o", out, "--to", to, "--report", rep_path]
                     + list(extra))
    if not mfe2e.check_run_sane(res, name, r, allowed):
        return None, None, r
    return out, mfe2e.load_report(res, name, rep_path), r


def request_files(bundle):
    return sorted(glob.glob(os.path.join(bundle, "*", "*", "*.xml")))


def items_of(path):
    root = ET.parse(path).getroot()
    items = root.find("soap:Body/m:CreateItem/m:Items", NS)
    return list(items) if items is not None else []


def check_bundle(name, bundle, rep, batch_items=50, batch_bytes=25 * 1024 * 1024):
    files = request_files(bundle)
    if not res.check(len(files) > 0, name, "bundle has request files"):
        return None
    rc, bad, err = xmllint(files)
    res.check(rc == 0 and not bad, name, "all %d request files valid (xmllint rc %d): %s"
              % (len(files), rc, err[-800:] if rc else ""))
    with open(os.path.join(bundle, "manifest.json"), "rb") as f:
        man = json.loads(f.read())
    written = rep["totals"]["written"]
    res.check(man["items"] == written, name,
              "manifest items %d == report written %d" % (man["items"], written))
    in_files = 0
    mimes = []
    for mb in man["mailboxes"]:
        phase = {"CreateFolder": 0, "CreateItem": 1, "DeleteItem": 2, "UpdateItem": 2}
        ops = [phase[r["operation"]] for r in mb["requests"]]
        res.check(ops == sorted(ops), name, "folders, then items, then occurrence requests")
        created = set()
        masters = set()
        for req in mb["requests"]:
            path = os.path.join(bundle, req["file"])
            res.check(os.path.getsize(path) == req["bytes"], name, "%s: byte size" % req["file"])
            if req["operation"] == "CreateFolder":
                root = ET.parse(path).getroot()
                parent = root.find("soap:Body/m:CreateFolder/m:ParentFolderId/t:FolderId", NS)
                res.check(parent is None or parent.get("Id") in created, name,
                          "%s: parent created first" % req["file"])
                created.add(req["folder_id"])
                continue
            if req["operation"] in ("DeleteItem", "UpdateItem"):
                root = ET.parse(path).getroot()
                occ = root.findall(".//t:OccurrenceItemId", NS)
                res.check(len(occ) == req["items"] and req["items"] > 0, name,
                          "%s: %d occurrences as in the manifest" % (req["file"], len(occ)))
                res.check(all(o.get("RecurringMasterId") == req["master"] in masters for o in occ),
                          name, "%s: master %s created before" % (req["file"], req["master"]))
                continue
            masters.update(req.get("masters", {}).values())
            items = items_of(path)
            in_files += len(items)
            res.check(len(items) == req["items"], name, "%s: %d items as in the manifest (%d)"
                      % (req["file"], len(items), req["items"]))
            res.check(req["items"] <= batch_items, name, "%s: <= %d items" % (req["file"], batch_items))
            if req["oversize"]:
                res.check(req["items"] == 1, name, "%s: oversize item alone" % req["file"])
            else:
                res.check(req["bytes"] <= batch_bytes + ENVELOPE_SLACK, name,
                          "%s: %d bytes within --batch-bytes" % (req["file"], req["bytes"]))
            fid = req["folder_id"]
            res.check(not fid.startswith("mailferry-folder:") or fid in created, name,
                      "%s: folder %s has a creation request" % (req["file"], fid))
            for it in items:
                mc = it.find("t:MimeContent", NS)
                if mc is not None:
                    mimes.append(base64.b64decode("".join(mc.text.split())))
    res.check(in_files == man["items"], name,
              "items in request files %d == manifest %d" % (in_files, man["items"]))
    return mimes


def eml_digests(root):
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            if f.endswith(".eml") and "quarantine" not in dirpath:
                with open(os.path.join(dirpath, f), "rb") as fh:
                    out.append(hashlib.sha256(fh.read()).hexdigest())
    return sorted(out)


def check_mime_exact(name, sources, mimes):
    emldir, rep, _r = convert(name + " (eml)", sources, to="eml")
    if emldir is None:
        return
    got = sorted(hashlib.sha256(m).hexdigest() for m in mimes)
    want = eml_digests(emldir)
    res.check(got == want, name, "every MimeContent decodes to the exact MIME bytes "
              "(%d messages, %d eml files)" % (len(got), len(want)))


def run_case(name, sources, extra=(), mime=True, **limits):
    bundle, rep, _r = convert(name, sources, extra)
    if bundle is None or rep is None:
        return None
    mimes = check_bundle(name, bundle, rep, **limits)
    if mime and mimes is not None:
        check_mime_exact(name, sources, mimes)
    return bundle


def test_negative_examples():
    files = sorted(glob.glob(os.path.join(NEGATIVE, "*.xml")))
    res.check(len(files) >= 9, "negative", "negative examples present")
    rc, bad, err = xmllint(files)
    res.check(rc != 0, "negative", "the validation step fails on them (rc %d)" % rc)
    for f in files:
        if os.path.basename(f).startswith("n8-"):
            res.check(f not in bad, "negative", "n8 is schema-valid (server-side rule)")
        else:
            res.check(f in bad, "negative", "%s rejected" % os.path.basename(f))


def ics_sources():
    out = []
    for root, _dirs, files in os.walk(os.path.join(CORPUS, "ics")):
        out += [os.path.join(root, f) for f in files if f.lower().endswith((".ics", ".vcs"))]
    return sorted(out) + [os.path.join(mfe2e.TESTDATA, "ics", "sample.ics")]


def test_batching():
    src = [os.path.join(CORPUS, "mbox", "tika_testMBOX_complex.mbox")]
    name = "batching mbox"
    bundle, rep, r = convert(name, src, ["--batch-items", "2", "--batch-bytes", "3000"])
    if bundle is None:
        return
    check_bundle(name, bundle, rep, batch_items=2, batch_bytes=3000)
    with open(os.path.join(bundle, "manifest.json"), "rb") as f:
        man = json.loads(f.read())
    over = [q for mb in man["mailboxes"] for q in mb["requests"] if q["oversize"]]
    res.check(len(over) > 0 and len(man["warnings"]) == len(over), name,
              "oversize items listed with a warning (%d)" % len(over))
    res.check(b"warning" in r.err, name, "oversize warning on stderr")


def test_mailbox_and_version():
    src = [os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox")]
    d = mfe2e.mktemp("mfews-")
    mp = os.path.join(d, "users.txt")
    with open(mp, "w") as f:
        f.write("olduser new.user@example.com\n")
    bundle, rep, _r = convert("mailbox", src, ["--mailbox", "olduser", "--map", mp,
                                               "--ews-version", "Exchange2016"])
    if bundle is None:
        return
    with open(os.path.join(bundle, "manifest.json"), "rb") as f:
        man = json.loads(f.read())
    res.check([m["address"] for m in man["mailboxes"]] == ["new.user@example.com"], "mailbox",
              "mapped target mailbox: %r" % [m["address"] for m in man["mailboxes"]])
    text = open(request_files(bundle)[0], encoding="utf-8").read()
    res.check('Version="Exchange2016"' in text and "new.user@example.com</t:SmtpAddress>" in text,
              "mailbox", "version and impersonation header")
    r = mfe2e.run_mf(["convert"] + src + ["-o", os.path.join(d, "x"), "--to", "ews",
                                          "--ews-version", "Exchange1999"])
    res.check(r.rc == 2, "mailbox", "bad --ews-version is a usage error (rc %d)" % r.rc)


def test_map_message_addresses():
    """--map rewrites mapped From/To/Cc addresses of messages (EWS only), keeps
    the display names, leaves messages without mapped addresses byte-exact,
    and lists unmapped addresses of a domain the map covers."""
    src = [os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox")]
    d = mfe2e.mktemp("mfews-")
    mp = os.path.join(d, "users.txt")
    with open(mp, "w") as f:
        f.write("bob@example.net bob.new@contoso.test\n# a user with no mail here\n"
                "dave@example.com dave@contoso.test\n")
    bundle, rep, _r = convert("map messages", src, ["--map", mp])
    if bundle is None or rep is None:
        return
    mimes = check_bundle("map messages", bundle, rep) or []
    msgs = [email.message_from_bytes(m, policy=email.policy.default) for m in mimes]

    def addrs(m):
        return [a for h in ("From", "To", "Cc") if m[h] for a in m[h].addresses]
    touched = [i for i, m in enumerate(msgs)
               if any(a.addr_spec == "bob.new@contoso.test" for a in addrs(m))]
    res.check(len(touched) == 2 and not any(a.addr_spec == "bob@example.net"
                                            for m in msgs for a in addrs(m)),
              "map messages", "bob mapped in From/To of %d messages" % len(touched))
    res.check(all(a.display_name == "Bob Example" for i in touched for a in addrs(msgs[i])
                  if a.addr_spec == "bob.new@contoso.test"), "map messages", "display names kept")
    emldir, _rep, _ = convert("map messages (eml)", src, to="eml")
    if emldir:
        exact = set(eml_digests(emldir))
        untouched = [m for i, m in enumerate(mimes) if i not in touched]
        res.check(len(untouched) == 1 and all(hashlib.sha256(m).hexdigest() in exact
                                              for m in untouched),
                  "map messages", "%d message without mapped addresses byte-exact"
                  % len(untouched))
    unmapped = rep.get("unmapped_addresses", [])
    res.check("carol@example.com" in unmapped and "alice@example.org" not in unmapped,
              "map messages", "unmapped: addresses of a mapped domain only: %r" % unmapped)


def test_deterministic():
    src = [os.path.join(mfe2e.TESTDATA, "ics", "sample.ics"),
           os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox")]
    a, _ra, _ = convert("deterministic a", src)
    b, _rb, _ = convert("deterministic b", src)
    if a and b:
        res.check(mfe2e.snapshot(a, with_mtime=False) == mfe2e.snapshot(b, with_mtime=False),
                  "deterministic", "two runs give byte-identical bundles")


def main():
    mfe2e.require_binary(res)
    test_negative_examples()
    run_case("corpus mbox", mfe2e.corpus_mbox_files())
    run_case("corpus maildir", mfe2e.corpus_maildirs())
    run_case("ics", ics_sources(), mime=False)
    run_case("vcf", [os.path.join(mfe2e.TESTDATA, "vcf", "contacts.vcf")], mime=False)
    for pst in ("pst/aspose_py_test.pst", "pst/enron.pst", "ost/aspose_SampleOstFile.ost"):
        run_case(pst, [os.path.join(CORPUS, pst)])
    test_batching()
    test_mailbox_and_version()
    test_map_message_addresses()
    test_deterministic()
    res.finish()


if __name__ == "__main__":
    main()
