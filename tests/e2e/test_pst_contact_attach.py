#!/usr/bin/python3
"""Files attached to contacts and distribution lists (X-MAILFERRY-ATTACHMENT),
checked by independent means: python3-vobject reads every vCard, xmllint
validates every EWS request, pffexport extracts the PST files.

* corpus: every PST/OST the MANIFEST does not call BROKEN, converted --to vcf:
  the SHA-256 multiset of the files pffexport (`pffexport -f all -m all -t`)
  extracts from contacts and lists (top level of their Attachments/) equals
  the multiset of our PHOTO and X-MAILFERRY-ATTACHMENT payloads (decoded by
  vobject; embedded messages, which pffexport writes as directories, counted
  against our message/rfc822 files); every card with a file carries the
  category PST_ContactAttachments and the report counts the repair once per
  card. (The corpus has no contact with attachments today: then both sides
  are empty and the unit test test_vcf_attachment covers the builder.)
* testdata/ews/contact-attachments.vcf (made by make_contact_attachments.py):
  --to ews: all request files valid against the EWS schema (one xmllint call);
  every inline file of every card is one CreateAttachment on that card's item
  (ParentItemId), with its X-FILENAME as Name, its TYPE as ContentType and the
  same bytes (FileAttachment Content; message/rfc822 as an ItemAttachment whose
  MimeContent is the e-mail); the PHOTO is the contact photo even after a file;
  the file by URI is a link in the body and a manifest warning, and no base64
  reaches a body; --to vcf: vobject reads the same files (name, type, bytes)
  back, and a second pass gives the same bytes.
"""

import base64
import collections
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402
from mfe2e import CORPUS, Results, mktemp  # noqa: E402

res = Results(os.path.basename(__file__))
PROP = "X-MAILFERRY-ATTACHMENT"
TAG = "PST_ContactAttachments"
FIXTURE = os.path.join(mfe2e.TESTDATA, "ews", "contact-attachments.vcf")
XSD = os.path.join(os.path.dirname(CORPUS), "ews-schema", "libxml2", "ews-soap-validate.xsd")
NS = {"soap": "http://schemas.xmlsoap.org/soap/envelope/",
      "t": "http://schemas.microsoft.com/exchange/services/2006/types",
      "m": "http://schemas.microsoft.com/exchange/services/2006/messages"}
CARD_DIRS = ("Contact", "DistributionList")


def sha(data):
    return hashlib.sha256(data).hexdigest()


def corpus_files():
    """PST/OST paths from MANIFEST.tsv that are not BROKEN."""
    out = []
    with open(os.path.join(CORPUS, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 6 and parts[0].endswith((".pst", ".ost")) and \
                    not parts[5].startswith("BROKEN"):
                out.append(os.path.join(CORPUS, parts[0]))
    return sorted(out)


# ------------------------------------------------------------------ vCards

def read_cards(paths):
    """[(FN, [(name, params, value)])] of every card in `paths`, by vobject."""
    import vobject
    cards = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for card in vobject.readComponents(f.read()):
                fn = card.fn.value if hasattr(card, "fn") else ""
                cards.append((fn, [(l.name, l.params, l.value) for l in card.lines()]))
    return cards


def vcf_files(root):
    return sorted(glob.glob(os.path.join(root, "**", "*.vcf"), recursive=True))


def payload(params, value):
    """The bytes of an inline value (vobject decodes ENCODING=b), else None."""
    enc = [e.lower() for e in params.get("ENCODING", [])]
    if not enc or not ("b" in enc or "base64" in enc):
        return None
    return value if isinstance(value, bytes) else base64.b64decode(value)


def card_files(props):
    """[(property, X-FILENAME, TYPE, bytes)] of a card's inline PHOTO and files."""
    out = []
    for name, params, value in props:
        if name not in ("PHOTO", PROP):
            continue
        data = payload(params, value)
        if data is not None:
            out.append((name, (params.get("X-FILENAME") or [None])[0],
                        (params.get("TYPE") or [None])[0], data))
    return out


def categories(props):
    out = set()
    for name, _params, value in props:
        if name == "CATEGORIES":
            out.update(value if isinstance(value, list) else [value])
    return out


def convert(name, src, to, extra=()):
    out = os.path.join(mktemp("mfcatt-"), "out")
    rpath = out + ".json"
    r = mfe2e.run_mf(["convert", src, "-o", out, "--to", to, "--report", rpath] + list(extra))
    if not mfe2e.check_run_sane(res, name, r):
        return None, None
    rep = mfe2e.load_report(res, name, rpath)
    mfe2e.check_report(res, name, rep, r.rc)
    return out, rep


# ------------------------------------------------------------------ corpus

def pffexport_card_files(src):
    """(Counter of SHA-256 of the files pffexport extracts from contacts and
    lists, number of embedded messages among them, cards with attachments)."""
    d = mktemp("mfcatt-pffexport-")
    target = os.path.join(d, "x")
    subprocess.run(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, src],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    files, messages, cards = collections.Counter(), 0, 0
    for root, dirs, _names in os.walk(target + ".export"):
        item = os.path.basename(root)
        if "Attachments" in root.split(os.sep) or "Attachments" not in dirs or \
                not item.rstrip("0123456789").startswith(CARD_DIRS):
            continue
        adir = os.path.join(root, "Attachments")
        cards += 1
        for f in os.listdir(adir):
            p = os.path.join(adir, f)
            if os.path.isfile(p):
                files[mfe2e.sha256_file(p)] += 1
            elif os.path.isdir(p):
                messages += 1  # an embedded message, exported as a directory
    return files, messages, cards


def check_corpus_file(src):
    name = os.path.relpath(src, CORPUS)
    out, rep = convert(name, src, "vcf")
    if out is None or rep is None:
        return 0
    peer, peer_messages, peer_cards = pffexport_card_files(src)
    ours, messages, tagged = collections.Counter(), 0, 0
    for fn, props in read_cards(vcf_files(out)):
        files = card_files(props)
        carried = [f for f in files if f[0] == PROP]
        for _prop, _fname, ftype, data in files:
            if ftype == "message/rfc822":
                messages += 1
            else:
                ours[sha(data)] += 1
        has_tag = TAG in categories(props)
        res.check(has_tag == bool(carried), name, "card %r: %d carried files, category %s %s"
                  % (fn, len(carried), TAG, "present" if has_tag else "absent"))
        tagged += has_tag
    res.check(ours == peer, name, "files of contacts and lists: ours %d == pffexport's %d "
              "(SHA-256; missing %d, extra %d)" % (sum(ours.values()), sum(peer.values()),
                                                  sum((peer - ours).values()),
                                                  sum((ours - peer).values())))
    res.check(messages == peer_messages, name, "embedded messages: ours %d == pffexport's %d"
              % (messages, peer_messages))
    repaired = (rep.get("repairs") or {}).get(TAG, 0)
    res.check(repaired == tagged, name, "report repairs %s %d == tagged cards %d"
              % (TAG, repaired, tagged))
    return peer_cards


def test_corpus():
    if not shutil.which("pffexport"):
        res.note("pffexport not installed: corpus contacts not compared")
        return
    files = corpus_files()
    res.check(len(files) > 0, "corpus", "MANIFEST lists PST/OST files")
    with_files = sum(check_corpus_file(src) for src in files)
    res.note("%d corpus contacts/lists with attachments (pffexport)" % with_files)


# ------------------------------------------------------------------ fixture: EWS

def xmllint(files):
    p = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", XSD] + files,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def bundle_uploads(bundle):
    """({DisplayName: [(kind, Name, ContentType, photo, bytes)]}, {DisplayName:
    (Body, Categories)}, manifest), from the request files."""
    with open(os.path.join(bundle, "manifest.json"), "rb") as f:
        man = json.loads(f.read())
    uploads = collections.defaultdict(list)
    items = {}
    for mb in man["mailboxes"]:
        by_key = {}
        for req in mb["requests"]:
            if req["operation"] != "CreateItem":
                continue
            root = ET.parse(os.path.join(bundle, req["file"])).getroot()
            its = list(root.find("soap:Body/m:CreateItem/m:Items", NS))
            for index, key in (req.get("masters") or {}).items():
                by_key[key] = its[int(index)].findtext("t:DisplayName", "", NS)
            for it in its:
                cats = [s.text for s in it.findall("t:Categories/t:String", NS)]
                items[it.findtext("t:DisplayName", "", NS)] = (it.findtext("t:Body", "", NS), cats)
        for req in mb["requests"]:
            if req["operation"] != "CreateAttachment":
                continue
            root = ET.parse(os.path.join(bundle, req["file"])).getroot()
            op = root.find("soap:Body/m:CreateAttachment", NS)
            owner = by_key.get(op.find("m:ParentItemId", NS).get("Id"))
            for att in op.find("m:Attachments", NS):
                kind = att.tag.split("}")[1]
                el = att.find("t:Content", NS) if kind == "FileAttachment" else \
                    att.find("t:Message/t:MimeContent", NS)
                data = base64.b64decode("".join((el.text or "").split()))
                uploads[owner].append((kind, att.findtext("t:Name", "", NS),
                                       att.findtext("t:ContentType", None, NS),
                                       att.findtext("t:IsContactPhoto", "false", NS) == "true",
                                       data))
    return uploads, items, man


def expected_uploads(cards):
    """What each card of the fixture must upload, from vobject's reading."""
    want = {}
    for fn, props in cards:
        rows = []
        for prop, fname, ftype, data in card_files(props):
            if prop == "PHOTO":
                rows.append(("FileAttachment", "ContactPicture.jpg", None, True, data))
            elif ftype == "message/rfc822":
                rows.append(("ItemAttachment", fname[:-4] if fname.endswith(".eml") else fname,
                             None, False, data))
            else:
                rows.append(("FileAttachment", fname, ftype, False, data))
        want[fn] = rows
    return want


def comparable(rows):
    """Rows without the photo's content type (the PHOTO's TYPE=PNG becomes a
    MIME type of our choosing), as a sorted list."""
    return sorted((k, n, t if not p else None, p, sha(d)) for k, n, t, p, d in rows)


def test_fixture_ews():
    name = "contact-attachments --to ews"
    cards = read_cards([FIXTURE])
    bundle, rep = convert(name, FIXTURE, "ews")
    if bundle is None:
        return
    files = sorted(glob.glob(os.path.join(bundle, "*", "*", "*.xml")))
    rc, err = xmllint(files)
    res.check(rc == 0 and files, name, "all %d request files valid (xmllint rc %d) %s"
              % (len(files), rc, err[-400:] if rc else ""))
    got, items, man = bundle_uploads(bundle)
    want = expected_uploads(cards)
    n = sum(len(v) for v in want.values())
    res.check(n == 7, name, "the fixture has 7 inline files and a photo on 3 cards (%d)" % n)
    for fn, rows in want.items():
        res.check(comparable(got.get(fn, [])) == comparable(rows), name,
                  "%s: uploads (kind, name, type, photo, SHA-256) == the card's files: got %r, "
                  "want %r" % (fn, comparable(got.get(fn, [])), comparable(rows)))
    photos = [r for rows in got.values() for r in rows if r[3]]
    res.check(len(photos) == 1 and photos[0][4] == next(
        d for p, _n, _t, d in card_files(dict(cards)["Ada Files"]) if p == "PHOTO"), name,
        "exactly one IsContactPhoto, the PHOTO's bytes, though a file comes first")
    body, cats = items.get("Ada Files", ("", []))
    res.check("https://files.example.org/handbook.pdf" in body and "handbook.pdf" in body, name,
              "the file by URI is a link in the body: %r" % body[:300])
    res.check(any("handbook.pdf" in w for w in man["warnings"]), name,
              "the file by URI is in the manifest warnings")
    bodies = "".join(b for b, _c in items.values())
    res.check(PROP not in bodies and "JVBERi0x" not in bodies, name,
              "no X-MAILFERRY-ATTACHMENT or base64 in any body")
    res.check(TAG in cats and TAG in items.get("Team Files", ("", []))[1], name,
              "the contact and the list keep the category %s" % TAG)


# ------------------------------------------------------------------ fixture: vcf

def file_rows(cards):
    """{FN: sorted [(property, name, type, SHA-256)]}, the URI ones by value."""
    out = {}
    for fn, props in cards:
        rows = []
        for name, params, value in props:
            if name not in ("PHOTO", PROP):
                continue
            data = payload(params, value)
            rows.append((name, (params.get("X-FILENAME") or [None])[0],
                         (params.get("TYPE") or [None])[0],
                         sha(data) if data is not None else "uri:" + str(value)))
        out[fn] = sorted(rows, key=repr)
    return out


def test_fixture_vcf():
    name = "contact-attachments --to vcf"
    out, _rep = convert(name, FIXTURE, "vcf")
    if out is None:
        return
    want, got = file_rows(read_cards([FIXTURE])), file_rows(read_cards(vcf_files(out)))
    res.check(sum(len(v) for v in want.values()) == 8, name,
              "the fixture has 8 PHOTO/X-MAILFERRY-ATTACHMENT properties")
    res.check(got == want, name, "vobject reads the same files (name, type, bytes) back: "
              "got %r, want %r" % (got, want))
    files = vcf_files(out)
    again, _rep2 = convert(name + " (second pass)", files[0] if files else out, "vcf")
    if again is None or not files:
        return
    second = vcf_files(again)
    same = len(second) == 1 and open(second[0], "rb").read() == open(files[0], "rb").read()
    res.check(same, name, "a second pass --to vcf gives the same bytes")


def main():
    mfe2e.require_binary(res)
    test_fixture_ews()
    test_fixture_vcf()
    test_corpus()
    res.finish()


if __name__ == "__main__":
    main()
