#!/usr/bin/python3
"""(Re)generates the MDaemon stores under testdata/mdaemon/ (see README.md).

Standard library only. The binary IMAP.MRK files follow
../shared/docs/formats.md D.3 (36-byte header and records, 32-bit
little-endian); HIWATER.MRK follows D.4 (Windows INI, CRLF). Everything is
deterministic: fixed message text, fixed dates, fixed file mtimes, so running
this again gives byte-identical files.

    python3 testdata/mdaemon/make_stores.py        # rewrites testdata/mdaemon/Users

The groupware fixtures of testdata/mdaemon/groupware/ (Calendar.mrk,
AddrBook.mrk, Tasks.mrk, Notes.mrk; see the README there) are copied into
alice's Calendar.IMAP and bob's Contacts.IMAP, Tasks.IMAP and Sticky.IMAP;
a missing fixture leaves its folder with only its HIWATER.MRK.
"""

import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
USERS = os.path.join(HERE, "Users")
GROUPWARE = os.path.join(HERE, "groupware")

# IMAP.MRK flag byte (formats.md D.3)
SEEN, ANSWERED, FLAGGED, DELETED, DRAFT, RECENT = 32, 16, 8, 4, 2, 1

BASE_DATE = 1700000000  # 2023-11-14T22:13:20Z; record dates count up from here
FILE_MTIME = 1600000000  # every file's mtime (git does not keep mtimes anyway)


def mrk_bytes(records, uid_validity=1700000000, uid_next=None):
    """IMAP.MRK: header (version 1, UIDVALIDITY, UIDNEXT, change counter,
    4 reserved words, CRLF) + one 36-byte record per (name, flags, uid, size, date)."""
    if uid_next is None:
        uid_next = max([r[2] for r in records] + [0]) + 1
    out = struct.pack("<4I16s4s", 1, uid_validity, uid_next, len(records), b"\0" * 16, b"\r\n\0\0")
    for name, flags, uid, size, date in records:
        raw = name.encode("ascii")
        assert len(raw) <= 23
        out += struct.pack("<23sB3I", raw, flags, uid, size, date)
    return out


def message(n, subject, frm="Carol Sender <carol@example.net>", to="alice@example.com",
            body=None, crlf=True, date="Tue, 14 Nov 2023 10:00:00 +0100", extra=()):
    """One RFC 5322 message as MDaemon stores it (its Received: and X-MD headers)."""
    lines = [
        "Return-Path: <%s>" % frm.split("<")[-1].rstrip(">"),
        "Received: from mail.example.net by mail.example.com (MDaemon PRO v23.0.1)",
        "\twith ESMTP id md5%010d.msg; %s" % (n, date),
        "X-MDaemon-Deliver-To: %s" % to,
        "X-MDRemoteIP: 192.0.2.%d" % (n % 250 + 1),
        "X-Return-Path: %s" % frm.split("<")[-1].rstrip(">"),
        "From: %s" % frm,
        "To: %s" % to,
        "Subject: %s" % subject,
        "Date: %s" % date,
        "Message-ID: <mdaemon-test-%d@example.net>" % n,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ] + list(extra) + ["", body or "Message %d: %s.\nSecond line.\n-- \nCarol" % (n, subject)]
    text = "\n".join(lines) + "\n"
    return text.replace("\n", "\r\n").encode("utf-8") if crlf else text.encode("utf-8")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (FILE_MTIME, FILE_MTIME))


def folder(path, msgs, records=None, missing=()):
    """Writes messages {file name: bytes} and an IMAP.MRK with `records`
    {file name as recorded: flags} (uids in sorted name order, size of the
    file, dates BASE_DATE + uid * 3600) plus records for `missing` names
    (no file). records=None: no IMAP.MRK at all."""
    os.makedirs(path, exist_ok=True)
    for name, data in msgs.items():
        write(os.path.join(path, name), data)
    if records is None:
        return
    sizes = {k.lower(): len(v) for k, v in msgs.items()}
    rows = []
    names = sorted(list(records) + list(missing), key=str.lower)
    for uid, name in enumerate(names, start=1):
        flags = records.get(name, 0)
        rows.append((name, flags, uid, sizes.get(name.lower(), 1234), BASE_DATE + uid * 3600))
    write(os.path.join(path, "IMAP.MRK"), mrk_bytes(rows))


def hiwater(path, text):
    write(os.path.join(path, "HIWATER.MRK"), text.replace("\n", "\r\n").encode("ascii"))


def groupware_folder(path, folder_class, fixture):
    """A folder with a HIWATER.MRK [Groupware] FolderClass and, when the
    groupware fixture exists, its file copied in."""
    os.makedirs(path, exist_ok=True)
    hiwater(path, "[Groupware]\nFolderClass=%s\n" % folder_class)
    src = os.path.join(GROUPWARE, fixture)
    if os.path.isfile(src):
        with open(src, "rb") as f:
            write(os.path.join(path, fixture), f.read())


def md(n):
    return "md5%010d.msg" % n


def alice(root):
    inbox_flags = [0, SEEN, ANSWERED, FLAGGED, DELETED, DRAFT, RECENT, SEEN | ANSWERED,
                   SEEN | FLAGGED | DELETED, SEEN | ANSWERED | FLAGGED | DELETED | DRAFT | RECENT]
    msgs, records = {}, {}
    for i, fl in enumerate(inbox_flags, start=1):
        msgs[md(i)] = message(i, "inbox flags %d" % fl)
        records[md(i)] = fl
    # file name in upper case on disk, lower case in the index: joined ignoring case
    msgs["MD50000000011.MSG"] = message(11, "upper-case file name, seen draft")
    records[md(11)] = SEEN | DRAFT
    # no IMAP.MRK record: must come out unseen
    msgs[md(12)] = message(12, "no index record", date="Wed, 15 Nov 2023 08:30:00 +0000")
    folder(root, msgs, records)
    hiwater(root, "[IMAPSubscribed]\nSent=1\nArchive=1\nArchive/2024=1\n")
    write(os.path.join(root, "notes.txt"), b"a stray file the admin left here\r\n")
    write(os.path.join(root, "WC", "messages.idx"),
          b"\x01".join([b"Inbox", b"1700000000", b"2", b"alice@example.com",
                        b"carol@example.net", b"inbox flags 32", b"1700007200", b"2"]) + b"\r\n")

    sent = os.path.join(root, "Sent.IMAP")
    folder(sent, {md(20): message(20, "sent one", frm="Alice <alice@example.com>", to="dan@example.net"),
                  md(21): message(21, "sent two", frm="Alice <alice@example.com>", to="dan@example.net")},
           {md(20): SEEN, md(21): SEEN | ANSWERED}, missing=[md(22)])

    archive = os.path.join(root, "Archive.IMAP")
    folder(archive, {md(30): message(30, "archived")}, {md(30): SEEN})
    folder(os.path.join(archive, "2024.IMAP"), {md(31): message(31, "archived 2024")}, {md(31): SEEN | FLAGGED})

    drafts = os.path.join(root, "Entw\u00fcrfe.IMAP")
    folder(drafts, {md(40): message(40, "Entwurf mit \u00dcmlaut", frm="Alice <alice@example.com>")},
           {md(40): DRAFT | SEEN})

    # groupware: the class from HIWATER.MRK; an Outlook Connector style .msg
    # item next to Calendar.mrk (still a message); a file nobody knows
    cal = os.path.join(root, "Calendar.IMAP")
    groupware_folder(cal, "IPF.Appointment", "Calendar.mrk")
    folder(cal, {md(50): message(50, "meeting request kept as a message")}, {md(50): SEEN})
    write(os.path.join(cal, "Calendar.mrk.bak"), b"<Calendar NextID=\"1\"/>\r\n")
    # a documents folder (D.1, D.4): its files are not items, each is listed
    docs = os.path.join(root, "Documents.IMAP")
    groupware_folder(docs, "IPF.Document", "none")
    write(os.path.join(docs, "minutes.txt"), b"Minutes of the meeting.\r\n")


def bob(root):
    # LF line ends for one message, CRLF for the other
    folder(root, {md(1): message(101, "bob lf", to="bob@example.com", crlf=False),
                  md(2): message(102, "bob crlf", to="bob@example.com")},
           {md(1): SEEN, md(2): 0})
    # a folder without IMAP.MRK: every message unseen
    folder(os.path.join(root, "Work.IMAP"), {md(5): message(105, "work, no index", to="bob@example.com")})
    groupware_folder(os.path.join(root, "Contacts.IMAP"), "IPF.Contact", "AddrBook.mrk")
    groupware_folder(os.path.join(root, "Tasks.IMAP"), "IPF.Task", "Tasks.mrk")
    # a notes folder under a name that is not well known: the class says what it is
    groupware_folder(os.path.join(root, "Sticky.IMAP"), "IPF.StickyNote", "Notes.mrk")


def carol(root):
    folder(root, {md(1): message(201, "carol at example.org", to="carol@example.org")}, {md(1): SEEN})


def main():
    if os.path.isdir(USERS):
        shutil.rmtree(USERS)
    alice(os.path.join(USERS, "example.com", "alice"))
    bob(os.path.join(USERS, "example.com", "bob"))
    carol(os.path.join(USERS, "example.org", "carol"))
    for dirpath, _dirs, _files in os.walk(USERS):
        os.utime(dirpath, (FILE_MTIME, FILE_MTIME))
    print("wrote %s" % USERS, file=sys.stderr)


if __name__ == "__main__":
    main()
