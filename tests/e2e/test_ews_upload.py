#!/usr/bin/env python3
"""scripts/ews-upload against a small EWS stand-in on 127.0.0.1.

The stand-in validates every request with xmllint against
../shared/ews-schema (one call per request), checks that X-AnchorMailbox names
the impersonated mailbox, and answers like Exchange (CreateFolder, FindFolder,
CreateItem, CreateAttachment, DeleteItem, UpdateItem; ErrorServerBusy with
BackOffMilliseconds; per-item errors). Scenarios: full upload (attachments go
to the ItemId the server returned for their item), re-run without duplicates,
folders found again with a lost state file, kill and resume (during the items
and during the attachments), ErrorServerBusy back-off (HTTP 503 and per
item), a failed item reported. Everything is bounded by
timeouts and stops by itself.
"""

import base64
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mfe2e  # noqa: E402

res = mfe2e.Results("test_ews_upload")
UPLOADER = os.path.join(mfe2e.PROJECT, "scripts", "ews-upload")
XSD = os.path.join(os.path.dirname(mfe2e.CORPUS), "ews-schema", "libxml2", "ews-soap-validate.xsd")
NS = {"soap": "http://schemas.xmlsoap.org/soap/envelope/",
      "t": "http://schemas.microsoft.com/exchange/services/2006/types",
      "m": "http://schemas.microsoft.com/exchange/services/2006/messages"}
T = "{%s}" % NS["t"]
M = "{%s}" % NS["m"]
MAILBOX = "target.user@example.com"
FAIL_MARKER = b"Subject: Quarterly numbers"
DISTINGUISHED = {"msgfolderroot", "inbox", "sentitems", "deleteditems", "drafts", "calendar",
                 "contacts", "tasks", "notes", "junkemail"}

HEAD = ('<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="%s"><s:Header>'
        '<h:ServerVersionInfo xmlns:h="%s" MajorVersion="15" MinorVersion="2" '
        'MajorBuildNumber="1544" MinorBuildNumber="4"/></s:Header><s:Body>'
        % (NS["soap"], NS["t"]))
TAIL = "</s:Body></s:Envelope>"


def response(op, messages):
    return (HEAD + '<m:%sResponse xmlns:m="%s" xmlns:t="%s"><m:ResponseMessages>%s'
            '</m:ResponseMessages></m:%sResponse>' % (op, NS["m"], NS["t"], "".join(messages), op)
            + TAIL).encode()


def ok_msg(op, inner=""):
    return ('<m:%sResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            '%s</m:%sResponseMessage>' % (op, inner, op))


def err_msg(op, code, text, backoff=None):
    xml = ('<m:MessageXml><t:Value Name="BackOffMilliseconds">%d</t:Value></m:MessageXml>'
           % backoff if backoff else "")
    return ('<m:%sResponseMessage ResponseClass="Error"><m:MessageText>%s</m:MessageText>'
            '<m:ResponseCode>%s</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>%s'
            '</m:%sResponseMessage>' % (op, text, code, xml, op))


class Exchange:
    """State of the stand-in server; behaviour switches set by the test."""

    def __init__(self):
        self.lock = threading.Lock()
        self.folders = {}        # id -> (parent id, name)
        self.items = {}          # id -> (folder id, sha256 of the item XML)
        self.attachments = {}    # id -> (parent item id, name, sha256 of the file's bytes)
        self.requests = []       # (operation, anchor ok)
        self.invalid = []
        self.create_items = 0
        self.busy_at = None      # n-th CreateItem: first item ok, others ErrorServerBusy
        self.http503_left = 0    # first requests answered with HTTP 503
        self.hang_at = None      # n-th CreateItem (hang_op): block, then drop the connection
        self.hang_op = "CreateItem"
        self.calls = {}          # operation -> number of requests
        self.hang_reached = threading.Event()
        self.release = threading.Event()
        self.busy_times = []
        self.fail_marker = None  # items whose MIME contains it: ErrorMessageSizeExceeded
        self.fail_subject = None # items with this t:Subject: ErrorInvalidPropertyValue

    def validate(self, body):
        with tempfile.NamedTemporaryFile(suffix=".xml") as f:
            f.write(body)
            f.flush()
            p = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", XSD, f.name],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return p.returncode == 0, p.stderr.decode("utf-8", "replace")

    def new_id(self, prefix):
        return "%s-%06d" % (prefix, len(self.folders) + len(self.items) + len(self.attachments) + 1)

    def hang(self, op):
        """True when this request is the one to block on (then dropped)."""
        self.calls[op] = self.calls.get(op, 0) + 1
        if self.hang_op == op and self.hang_at == self.calls[op]:
            self.hang_reached.set()
            self.release.wait(60)
            return True
        return False

    def folder_known(self, el):
        fid = el.get("Id")
        return fid in DISTINGUISHED if el.tag == T + "DistinguishedFolderId" else fid in self.folders

    def handle(self, body, anchor):
        """(status, bytes) or None to drop the connection."""
        valid, err = self.validate(body)
        root = ET.fromstring(body)
        smtp = root.findtext("soap:Header/t:ExchangeImpersonation/t:ConnectingSID/t:SmtpAddress",
                             namespaces=NS)
        op_el = list(root.find("soap:Body", NS))[0]
        op = op_el.tag.split("}")[1]
        with self.lock:
            self.requests.append((op, anchor == smtp == MAILBOX))
            if not valid:
                self.invalid.append(err)
                return 500, (HEAD + "<s:Fault><faultcode>s:Client</faultcode><faultstring>"
                             "ErrorSchemaValidation</faultstring></s:Fault>" + TAIL).encode()
            if self.http503_left > 0:
                self.http503_left -= 1
                return 503, b"Service Unavailable"
            return getattr(self, "op_" + op)(op_el)

    def op_FindFolder(self, el):
        parent = list(el.find("m:ParentFolderIds", NS))[0].get("Id")
        name = el.find(".//t:Constant", NS).get("Value")
        found = [fid for fid, (p, n) in self.folders.items() if p == parent and n == name]
        inner = "".join('<t:Folder><t:FolderId Id="%s"/></t:Folder>' % f for f in found)
        return 200, response("FindFolder", [ok_msg("FindFolder", (
            '<m:RootFolder TotalItemsInView="%d" IncludesLastItemInRange="true"><t:Folders>%s'
            '</t:Folders></m:RootFolder>') % (len(found), inner))])

    def op_CreateFolder(self, el):
        parent_el = list(el.find("m:ParentFolderId", NS))[0]
        if not self.folder_known(parent_el):
            return 200, response("CreateFolder", [err_msg("CreateFolder", "ErrorParentFolderNotFound", "no parent")])
        name = el.findtext(".//t:DisplayName", namespaces=NS)
        parent = parent_el.get("Id")
        if any(p == parent and n == name for p, n in self.folders.values()):
            return 200, response("CreateFolder", [err_msg("CreateFolder", "ErrorFolderExists", "exists")])
        fid = self.new_id("folder")
        self.folders[fid] = (parent, name)
        return 200, response("CreateFolder", [ok_msg("CreateFolder",
                             '<m:Folders><t:Folder><t:FolderId Id="%s"/></t:Folder></m:Folders>' % fid)])

    def op_CreateItem(self, el):
        self.create_items += 1
        if self.hang("CreateItem"):
            return None
        target = list(el.find("m:SavedItemFolderId", NS))[0]
        items = list(el.find("m:Items", NS))
        msgs = []
        for i, it in enumerate(items):
            mime = it.findtext("t:MimeContent", namespaces=NS)
            raw = base64.b64decode("".join(mime.split())) if mime else b""
            if not self.folder_known(target):
                msgs.append(err_msg("CreateItem", "ErrorFolderNotFound", "no folder"))
            elif self.busy_at == self.create_items and i > 0:
                msgs.append(err_msg("CreateItem", "ErrorServerBusy", "busy", backoff=300))
                self.busy_times.append(time.monotonic())
            elif self.fail_marker and self.fail_marker in raw:
                msgs.append(err_msg("CreateItem", "ErrorMessageSizeExceeded", "too large"))
            elif self.fail_subject and it.findtext("t:Subject", namespaces=NS) == self.fail_subject:
                msgs.append(err_msg("CreateItem", "ErrorInvalidPropertyValue", "bad value"))
            else:
                iid = self.new_id("item")
                self.items[iid] = (target.get("Id"), hashlib.sha256(ET.tostring(it)).hexdigest())
                tag = it.tag.split("}")[1]
                msgs.append(ok_msg("CreateItem", '<m:Items><t:%s><t:ItemId Id="%s" ChangeKey="ck"/>'
                                   '</t:%s></m:Items>' % (tag, iid, tag)))
        if self.busy_at == self.create_items and len(items) > 1:
            self.busy_at = None
        return 200, response("CreateItem", msgs)

    def op_CreateAttachment(self, el):
        if self.hang("CreateAttachment"):
            return None
        parent = el.find("m:ParentItemId", NS).get("Id")
        msgs = []
        for att in el.find("m:Attachments", NS):
            tag = att.tag.split("}")[1]
            content = att.findtext("t:Content", namespaces=NS)
            if content is None:
                content = att.findtext("t:Message/t:MimeContent", namespaces=NS) or ""
            if parent not in self.items:
                msgs.append(err_msg("CreateAttachment", "ErrorItemNotFound", "no parent item"))
                continue
            aid = self.new_id("attachment")
            self.attachments[aid] = (parent, att.findtext("t:Name", namespaces=NS), hashlib.sha256(
                base64.b64decode("".join(content.split()))).hexdigest())
            msgs.append(ok_msg("CreateAttachment", (
                '<m:Attachments><t:%s><t:AttachmentId Id="%s" RootItemId="%s" '
                'RootItemChangeKey="ck2"/></t:%s></m:Attachments>') % (tag, aid, parent, tag)))
        return 200, response("CreateAttachment", msgs)

    def occurrence_op(self, op, el):
        msgs = []
        for occ in el.iter(T + "OccurrenceItemId"):
            ok = occ.get("RecurringMasterId") in self.items
            msgs.append(ok_msg(op) if ok else err_msg(op, "ErrorItemNotFound", "no master"))
        return 200, response(op, msgs)

    def op_DeleteItem(self, el):
        return self.occurrence_op("DeleteItem", el)

    def op_UpdateItem(self, el):
        return self.occurrence_op("UpdateItem", el)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        out = self.server.exchange.handle(body, self.headers.get("X-AnchorMailbox"))
        if out is None:
            self.close_connection = True
            return
        status, data = out
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve(exchange):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.exchange = exchange
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d/EWS/Exchange.asmx" % srv.server_address[1]


def upload(bundle, url, state, extra=(), popen=False):
    argv = [sys.executable, UPLOADER, bundle, "--url", url, "--mailbox", MAILBOX, "--state", state,
            "--backoff", "0.2", "--timeout", "60"] + list(extra)
    if popen:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)


def make_bundle():
    d = mfe2e.mktemp("mfewsup-")
    bundle = os.path.join(d, "bundle")
    src = [os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox"),
           os.path.join(mfe2e.TESTDATA, "ics", "sample.ics"),
           os.path.join(mfe2e.TESTDATA, "vcf", "contacts.vcf"),
           os.path.join(mfe2e.TESTDATA, "ews", "attachments.ics"),
           os.path.join(mfe2e.TESTDATA, "ews", "photo.vcf")]
    r = mfe2e.run_mf(["convert"] + src + ["-o", bundle, "--to", "ews", "--batch-items", "2"])
    mfe2e.check_run_sane(res, "bundle", r)
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        return d, bundle, json.load(f)


def created_folders(man):
    return sum(1 for mb in man["mailboxes"] for f in mb["folders"] if not f["distinguished"])


def attachment_requests(man):
    return [r for mb in man["mailboxes"] for r in mb["requests"]
            if r["operation"] == "CreateAttachment"]


def occurrence_requests(man):
    return sum(1 for mb in man["mailboxes"] for r in mb["requests"]
               if r["operation"] in ("DeleteItem", "UpdateItem"))


def check_server(name, ex, man, expect_items):
    res.check(not ex.invalid, name, "every request valid against the schema: %s" % ex.invalid[:1])
    res.check(all(a for _op, a in ex.requests), name, "X-AnchorMailbox == impersonated mailbox")
    res.check(len(ex.items) == expect_items, name, "items on the server %d == %d"
              % (len(ex.items), expect_items))
    digests = [d for _f, d in ex.items.values()]
    res.check(len(set(digests)) == len(digests), name, "no item uploaded twice")
    res.check(len(ex.folders) == created_folders(man), name, "folders %d == %d"
              % (len(ex.folders), created_folders(man)))
    want = sum(r["items"] for r in attachment_requests(man))
    res.check(len(ex.attachments) == want, name, "attachments on the server %d == %d"
              % (len(ex.attachments), want))
    files = list(ex.attachments.values())
    res.check(len(set(files)) == len(files), name, "no attachment uploaded twice")
    parents = {f[0] for f in files}
    res.check(len(parents) == len({r["master"] for r in attachment_requests(man)})
              and all(p in ex.items for p in parents), name,
              "attachments on the items the server created (%d items)" % len(parents))


def test_full_and_rerun(d, bundle, man):
    ex = Exchange()
    ex.http503_left = 1
    srv, url = serve(ex)
    state = os.path.join(d, "state-full.json")
    r = upload(bundle, url, state)
    res.check(r.returncode == 0, "full", "uploader exit 0 (rc %d): %s" % (r.returncode, r.stderr[-600:]))
    check_server("full", ex, man, man["items"])
    res.check(b"retrying" in r.stderr, "full", "HTTP 503 answered with a back-off and retry")
    ops = [op for op, _a in ex.requests]
    first_att = ops.index("CreateAttachment") if "CreateAttachment" in ops else -1
    res.check(first_att > max(i for i, op in enumerate(ops) if op == "CreateItem")
              and ops.count("CreateAttachment") == len(attachment_requests(man)), "full",
              "CreateAttachment posted after every CreateItem, once per request")
    res.check(ops.count("DeleteItem") + ops.count("UpdateItem") == occurrence_requests(man), "full",
              "occurrence requests sent after their masters")
    before = len(ex.requests)
    r = upload(bundle, url, state)
    res.check(r.returncode == 0 and len(ex.requests) == before, "rerun",
              "a finished upload sends nothing again (%d requests)" % (len(ex.requests) - before))
    r = upload(bundle, url, os.path.join(d, "state-lost.json"))
    res.check(len(ex.folders) == created_folders(man), "lost state",
              "folders found with FindFolder, none created twice")
    srv.shutdown()


def test_kill_and_resume(d, bundle, man):
    ex = Exchange()
    ex.hang_at = 3
    srv, url = serve(ex)
    state = os.path.join(d, "state-kill.json")
    p = upload(bundle, url, state, popen=True)
    reached = ex.hang_reached.wait(120)
    res.check(reached, "kill", "uploader reached the third CreateItem")
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=60)
    ex.release.set()
    partial = len(ex.items)
    res.check(0 < partial < man["items"], "kill", "interrupted part way (%d items)" % partial)
    r = upload(bundle, url, state)
    res.check(r.returncode == 0, "resume", "resumed upload exit 0: %s" % r.stderr[-600:])
    check_server("resume", ex, man, man["items"])
    srv.shutdown()


def test_kill_in_attachments(d, bundle, man):
    ex = Exchange()
    ex.hang_op, ex.hang_at = "CreateAttachment", 2
    srv, url = serve(ex)
    state = os.path.join(d, "state-kill-att.json")
    p = upload(bundle, url, state, popen=True)
    reached = ex.hang_reached.wait(120)
    res.check(reached, "kill attachments", "uploader reached the second CreateAttachment")
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=60)
    ex.release.set()
    partial = len(ex.attachments)
    res.check(partial > 0, "kill attachments", "interrupted after %d attachments" % partial)
    r = upload(bundle, url, state)
    res.check(r.returncode == 0, "resume attachments", "resumed upload exit 0: %s"
              % r.stderr[-600:])
    check_server("resume attachments", ex, man, man["items"])
    srv.shutdown()


def test_busy(d, bundle, man):
    ex = Exchange()
    ex.busy_at = 1
    srv, url = serve(ex)
    t0 = time.monotonic()
    r = upload(bundle, url, os.path.join(d, "state-busy.json"))
    res.check(r.returncode == 0, "busy", "exit 0 after ErrorServerBusy: %s" % r.stderr[-600:])
    res.check(b"ErrorServerBusy, retrying in 0.3 s" in r.stderr, "busy",
              "BackOffMilliseconds honoured: %s" % r.stderr[-300:])
    res.check(time.monotonic() - t0 >= 0.3, "busy", "waited")
    check_server("busy", ex, man, man["items"])
    srv.shutdown()


def test_failed_item(d, man):
    bundle = os.path.join(d, "bundle-fail")
    r = mfe2e.run_mf(["convert", os.path.join(mfe2e.TESTDATA, "sample", "sample.mbox"), "-o", bundle,
                      "--to", "ews"])
    mfe2e.check_run_sane(res, "fail bundle", r)
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        fman = json.load(f)
    ex = Exchange()
    ex.fail_marker = FAIL_MARKER
    srv, url = serve(ex)
    state = os.path.join(d, "state-fail.json")
    r = upload(bundle, url, state)
    res.check(r.returncode == 1, "failed item", "exit 1 when an item failed (rc %d)" % r.returncode)
    res.check(b"FAILED" in r.stderr and b"ErrorMessageSizeExceeded" in r.stderr, "failed item",
              "failure reported on stderr")
    with open(state, encoding="utf-8") as f:
        st = json.load(f)
    failures = [x for m in st["mailboxes"].values() for x in m["failures"]]
    res.check(len(failures) == 1, "failed item", "one failure in the state file: %r" % failures)
    check_server("failed item", ex, fman, fman["items"] - 1)
    srv.shutdown()


def test_failed_parent(d):
    """An item the server refuses: its attachments are reported (NoMaster),
    never sent; the other items' attachments are uploaded."""
    bundle = os.path.join(d, "bundle-parent")
    r = mfe2e.run_mf(["convert", os.path.join(mfe2e.TESTDATA, "ews", "attachments.ics"), "-o",
                      bundle, "--to", "ews", "--batch-bytes", "50000"])
    mfe2e.check_run_sane(res, "parent bundle", r)
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        pman = json.load(f)
    ex = Exchange()
    ex.fail_subject = "Big file"
    srv, url = serve(ex)
    state = os.path.join(d, "state-parent.json")
    r = upload(bundle, url, state)
    res.check(r.returncode == 1, "failed parent", "exit 1 (rc %d)" % r.returncode)
    with open(state, encoding="utf-8") as f:
        st = json.load(f)
    codes = sorted(x["code"] for m in st["mailboxes"].values() for x in m["failures"])
    res.check(codes == ["ErrorInvalidPropertyValue", "NoMaster", "NoMaster"], "failed parent",
              "the item and its two files reported: %r" % codes)
    want = sum(r["items"] for r in attachment_requests(pman)) - 2
    res.check(len(ex.attachments) == want, "failed parent", "the other %d files uploaded (%d)"
              % (want, len(ex.attachments)))
    before = len(ex.requests)
    upload(bundle, url, state)
    res.check(len(ex.requests) == before, "failed parent", "a re-run sends nothing again")
    srv.shutdown()


def test_placeholder_refused(bundle):
    r = subprocess.run([sys.executable, UPLOADER, bundle, "--url", "http://127.0.0.1:9/"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    res.check(r.returncode == 2 and b"--mailbox" in r.stderr, "placeholder",
              "a bundle without a mailbox needs --mailbox (rc %d)" % r.returncode)


def main():
    mfe2e.require_binary(res)
    d, bundle, man = make_bundle()
    res.check(occurrence_requests(man) > 0 and man["items"] > 4, "bundle",
              "bundle has several requests and occurrence requests")
    res.check(len(attachment_requests(man)) > 1, "bundle", "bundle has CreateAttachment requests")
    test_placeholder_refused(bundle)
    test_full_and_rerun(d, bundle, man)
    test_kill_and_resume(d, bundle, man)
    test_kill_in_attachments(d, bundle, man)
    test_busy(d, bundle, man)
    test_failed_item(d, man)
    test_failed_parent(d)
    res.finish()


if __name__ == "__main__":
    main()
