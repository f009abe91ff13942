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
* files attached to events, tasks and notes: the CreateAttachment requests
  (ParentItemId = the placeholder of an item created before) carry exactly the
  bytes of the binary ATTACH properties the same run's --to ics output has
  for the same items (read with the icalendar package; events by UID, tasks
  and notes by SUMMARY); ATTACH by URI stays in the body and in the warnings;
  an inline contact PHOTO is the contact photo;
* the bundle is byte-identical across runs.
"""

import base64
import collections
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
    listed = {os.path.join(bundle, r["file"]) for mb in man["mailboxes"] for r in mb["requests"]}
    res.check(listed == set(files), name, "the manifest lists every request file (%d on disk, "
              "%d listed)" % (len(files), len(listed)))
    for mb in man["mailboxes"]:
        phase = {"CreateFolder": 0, "CreateItem": 1, "CreateAttachment": 2, "DeleteItem": 3,
                 "UpdateItem": 3}
        ops = [phase[r["operation"]] for r in mb["requests"]]
        res.check(ops == sorted(ops), name,
                  "folders, then items, then attachments, then occurrence requests")
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
            if req["operation"] == "CreateAttachment":
                check_attach_request(name, path, req, masters, batch_items, batch_bytes)
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


def check_attach_request(name, path, req, masters, batch_items, batch_bytes):
    root = ET.parse(path).getroot()
    op = root.find("soap:Body/m:CreateAttachment", NS)
    parent = op.find("m:ParentItemId", NS)
    atts = list(op.find("m:Attachments", NS))
    res.check(parent.get("Id") == req["master"] in masters, name,
              "%s: ParentItemId %s created before" % (req["file"], req["master"]))
    res.check(len(atts) == req["items"] and 0 < req["items"] <= batch_items, name,
              "%s: %d attachments as in the manifest" % (req["file"], len(atts)))
    if req["oversize"]:
        res.check(req["items"] == 1, name, "%s: oversize attachment alone" % req["file"])
    else:
        res.check(req["bytes"] <= batch_bytes + ENVELOPE_SLACK, name,
                  "%s: %d bytes within --batch-bytes" % (req["file"], req["bytes"]))


def attachment_bytes(att):
    """The bytes a t:FileAttachment / t:ItemAttachment (MimeContent) carries."""
    el = att.find("t:Content", NS)
    if el is None:
        el = att.find("t:Message/t:MimeContent", NS)
    return base64.b64decode("".join((el.text or "").split()))


def item_key(it):
    """How an item is found again in the ics output: events by UID, tasks and
    notes by subject, contacts by display name."""
    kind = it.tag.split("}")[1]
    if kind == "CalendarItem":
        return "event", it.findtext("t:UID", "", NS)
    if kind in ("Contact", "DistributionList"):
        return "contact", it.findtext("t:DisplayName", namespaces=NS)
    return kind.lower(), it.findtext("t:Subject", namespaces=NS) or ""


def bundle_attachments(bundle):
    """{item key: Counter of SHA-256 of each uploaded file}; {key: bodies}."""
    with open(os.path.join(bundle, "manifest.json"), "rb") as f:
        man = json.loads(f.read())
    out = collections.defaultdict(collections.Counter)
    bodies = {}
    for mb in man["mailboxes"]:
        by_key = {}
        for req in mb["requests"]:
            if req["operation"] != "CreateItem":
                continue
            items = items_of(os.path.join(bundle, req["file"]))
            for index, key in (req.get("masters") or {}).items():
                by_key[key] = items[int(index)]
            for it in items:
                bodies.setdefault(item_key(it), []).append(it.findtext("t:Body", "", NS))
        for req in mb["requests"]:
            if req["operation"] != "CreateAttachment":
                continue
            root = ET.parse(os.path.join(bundle, req["file"])).getroot()
            for att in root.find("soap:Body/m:CreateAttachment/m:Attachments", NS):
                data = attachment_bytes(att)
                out[item_key(by_key[req["master"]])][hashlib.sha256(data).hexdigest()] += 1
    return out, bodies, man


def ics_attachments(root):
    """The same from --to ics output, read with the icalendar package: every
    binary ATTACH of an item's master, and the files of its modified
    occurrences that none of its earlier components has; and the URIs."""
    import icalendar
    out = collections.defaultdict(collections.Counter)
    uris = []
    for dirpath, _dirs, files in os.walk(root):
        for fn in sorted(files):
            if not fn.endswith(".ics") or "quarantine" in os.path.relpath(dirpath, root):
                continue
            with open(os.path.join(dirpath, fn), "rb") as f:
                cal = icalendar.Calendar.from_ical(f.read())
            groups = collections.OrderedDict()
            for c in cal.walk():
                if c.name not in ("VEVENT", "VTODO", "VJOURNAL"):
                    continue
                kind = {"VEVENT": "event", "VTODO": "task", "VJOURNAL": "message"}[c.name]
                key = (kind, str(c.get("UID", "")) if kind == "event" else str(c.get("SUMMARY", "")))
                groups.setdefault((key, str(c.get("UID"))), []).append(c)
            for (key, _uid), comps in groups.items():
                comps.sort(key=lambda c: c.get("RECURRENCE-ID") is not None)
                taken = []
                for c in comps:
                    earlier = list(taken)
                    props = c.get("ATTACH") or []
                    for a in props if isinstance(props, list) else [props]:
                        if a.params.get("VALUE") != "BINARY" and a.params.get("ENCODING") != "BASE64":
                            uris.append(str(a))
                            continue
                        data = base64.b64decode(a.to_ical())
                        if c.get("RECURRENCE-ID") is not None and data in earlier:
                            continue
                        taken.append(data)
                        out[key][hashlib.sha256(data).hexdigest()] += 1
    return out, uris


def check_attachments_exact(name, sources, bundle, extra=(), expect=True):
    icsdir, _rep, _r = convert(name + " (ics)", sources, extra, to="ics")
    if icsdir is None:
        return None
    got, bodies, man = bundle_attachments(bundle)
    want, uris = ics_attachments(icsdir)
    got = {k: v for k, v in got.items() if k[0] != "contact"}
    # items the EWS run quarantined (an event without a start) are not in the bundle
    want = {k: v for k, v in want.items() if k in bodies}
    n = sum(sum(c.values()) for c in want.values())
    res.check(not expect or n > 0, name, "the source has files attached to items (%d)" % n)
    res.check(got == want, name, "CreateAttachment bytes == the ATTACH bytes of the ics output "
              "for the same items (%d files, %d items)" % (n, len(want)))
    for uri in uris:
        res.check(any(uri in b for bs in bodies.values() for b in bs), name,
                  "ATTACH by URI %s kept in a body" % uri)
        res.check(any(uri in w for w in man["warnings"]), name,
                  "ATTACH by URI %s in the manifest warnings" % uri)
    return got


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


def run_case(name, sources, extra=(), mime=True, attach=False, **limits):
    bundle, rep, _r = convert(name, sources, extra)
    if bundle is None or rep is None:
        return None
    mimes = check_bundle(name, bundle, rep, **limits)
    if mime and mimes is not None:
        check_mime_exact(name, sources, mimes)
    check_attachments_exact(name, sources, bundle, extra, expect=attach)
    return bundle


def test_attachments():
    """testdata/ews: an event with files (one twice under two names, an
    e-mail, one by URI) and a modified occurrence with a copy and a file of its
    own, an event with a file over --batch-bytes, a task and a note with files;
    contacts with an inline and a linked PHOTO."""
    name = "attachments"
    d = os.path.join(mfe2e.TESTDATA, "ews")
    src = [os.path.join(d, "attachments.ics"), os.path.join(d, "photo.vcf")]
    bundle = run_case(name, src, ["--batch-bytes", "50000"], mime=False, attach=True,
                      batch_bytes=50000)
    if bundle is None:
        return
    got, bodies, man = bundle_attachments(bundle)
    reqs = [r for mb in man["mailboxes"] for r in mb["requests"]
            if r["operation"] == "CreateAttachment"]
    res.check(sum(r["items"] for r in reqs) == 11, name, "11 files to upload: %r"
              % [r["items"] for r in reqs])
    res.check(sum(got[("event", "attach-weekly@example.org")].values()) == 6, name,
              "two names for the same bytes are two files; the occurrence's copy is not")
    over = [r for r in reqs if r["oversize"]]
    res.check(len(over) == 1 and any("big.bin" in w and "--batch-bytes" in w
                                     for w in man["warnings"]), name,
              "the file over --batch-bytes has a request of its own and a warning")
    res.check(any("moved-only.txt" in w for w in man["warnings"]), name,
              "the occurrence's own file is attached to the series, with a warning")
    text = "".join(open(os.path.join(bundle, r["file"]), encoding="utf-8").read() for r in reqs)
    res.check("<t:ItemAttachment>" in text and "<t:Name>Minutes</t:Name>" in text, name,
              "an attached e-mail is an ItemAttachment with MimeContent")
    photo = hashlib.sha256(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    ).hexdigest()
    res.check(dict(got[("contact", "Pat Photo")]) == {photo: 1}
              and "<t:IsContactPhoto>true</t:IsContactPhoto>" in text, name,
              "an inline PHOTO is the contact photo (IsContactPhoto)")
    lee = bodies.get(("contact", "Lee Link"), [""])[0]
    res.check("https://photos.example.org/lee.jpg" in lee and any(
        "lee.jpg" in w for w in man["warnings"]), name, "a PHOTO by URI in the body and warnings")
    pat = bodies.get(("contact", "Pat Photo"), [""])[0]
    res.check("Role: Photographer" in pat and "Spouse: Sam" in pat, name,
              "vCard fields without a typed element are in the body: %r" % pat)
    old, _rep, _r = convert(name + " 2010", src, ["--ews-version", "Exchange2010_SP1"])
    if old:
        _g, _b, oman = bundle_attachments(old)
        res.check(any("IsContactPhoto" in w for w in oman["warnings"]), name,
                  "versions without IsContactPhoto: a plain file, with a warning")


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


def test_unexpressible_recurrence_parts():
    """EWS holds one recurrence pattern: a second RRULE and RDATEs are kept as
    text in the body, never dropped."""
    d = mfe2e.mktemp("mfews-")
    src = os.path.join(d, "rules.ics")
    with open(src, "w", newline="") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:r2\r\n"
                "DTSTAMP:20200101T000000Z\r\nDTSTART:20200106T100000Z\r\n"
                "DTEND:20200106T110000Z\r\nSUMMARY:two rules\r\nRRULE:FREQ=WEEKLY;COUNT=5\r\n"
                "RRULE:FREQ=MONTHLY;COUNT=3\r\nRDATE:20200301T100000Z\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n")
    bundle, rep, _r = convert("two rules", [src])
    if bundle is None:
        return
    check_bundle("two rules", bundle, rep)
    items = [it for path in request_files(bundle) for it in items_of(path)]
    bodies = [it.findtext("t:Body", default="", namespaces=NS) for it in items]
    res.check(len(items) == 1 and "FREQ=MONTHLY;COUNT=3" in bodies[0]
              and "20200301T100000Z" in bodies[0], "two rules",
              "second RRULE and RDATE kept in the body: %r" % bodies)
    rec = items[0].find("t:Recurrence", NS) if items else None
    res.check(rec is not None and rec.find("t:WeeklyRecurrence", NS) is not None, "two rules",
              "the first RRULE is the recurrence pattern")


def test_multi_user_source():
    """An MDaemon server (testdata/mdaemon/Users): one bundle, one directory
    and impersonation target per mailbox, renamed by --map."""
    src = [os.path.join(mfe2e.TESTDATA, "mdaemon", "Users")]
    d = mfe2e.mktemp("mfews-")
    mp = os.path.join(d, "users.txt")
    with open(mp, "w") as f:
        f.write("alice@example.com alice@contoso.test\n")
    bundle, rep, _r = convert("multi-user", src, ["--map", mp])
    if bundle is None or rep is None:
        return
    check_bundle("multi-user", bundle, rep)
    with open(os.path.join(bundle, "manifest.json"), "rb") as f:
        man = json.loads(f.read())
    got = sorted(m["address"] for m in man["mailboxes"])
    res.check(got == ["alice@contoso.test", "bob@example.com", "carol@example.org"], "multi-user",
              "one target mailbox per source mailbox, mapped: %r" % got)
    res.check(sorted(os.listdir(bundle)) == got + ["manifest.json"], "multi-user",
              "one directory per mailbox: %r" % sorted(os.listdir(bundle)))
    for m in man["mailboxes"]:
        for q in m["requests"]:
            with open(os.path.join(bundle, q["file"]), encoding="utf-8") as f:
                ok = "<t:SmtpAddress>%s</t:SmtpAddress>" % m["address"] in f.read()
            if not ok:
                res.fail("multi-user", "%s does not impersonate %s" % (q["file"], m["address"]))
                break


def test_deterministic():
    src = [os.path.join(mfe2e.TESTDATA, "ics", "sample.ics"),
           os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox"),
           os.path.join(mfe2e.TESTDATA, "ews", "attachments.ics"),
           os.path.join(mfe2e.TESTDATA, "ews", "photo.vcf")]
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
    for pst in ("pst/aspose_py_test.pst", "pst/enron.pst"):
        run_case(pst, [os.path.join(CORPUS, pst)])
    for ost in ("ost/aspose_SampleOstFile.ost", "ost/pstextractortest@outlook.com.ost"):
        run_case(ost, [os.path.join(CORPUS, ost)], attach=True)
    test_attachments()
    test_batching()
    test_mailbox_and_version()
    test_map_message_addresses()
    test_unexpressible_recurrence_parts()
    test_multi_user_source()
    test_deterministic()
    res.finish()


if __name__ == "__main__":
    main()
