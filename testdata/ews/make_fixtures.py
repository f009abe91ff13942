#!/usr/bin/env python3
"""Writes attachments.ics and photo.vcf (tests/e2e/test_ews.py, test_ews_upload.py).

attachments.ics: a weekly event with five inline files (a PDF-like blob, UTF-8
text, the same bytes under two names, an e-mail as message/rfc822) and one
ATTACH by URI, plus a modified occurrence holding a copy of the PDF and a file
of its own; an event with a 60000-byte file (over --batch-bytes 50000) and a
1x1 PNG; a task with a file and a URI; a note (VJOURNAL) with the PNG.
photo.vcf: a card with an inline PNG PHOTO, ROLE and X-MS-SPOUSE, and a card
with a PHOTO by URI. Deterministic: run it again to get the same bytes.
"""
import base64
import os


def fold(line):
    out, b = [], line.encode()
    while len(b) > 75:
        out.append(b[:75].decode())
        b = b" " + b[75:]
    out.append(b.decode())
    return "\r\n".join(out)


def attach(data, fmttype, name):
    return fold("ATTACH;VALUE=BINARY;ENCODING=BASE64;FMTTYPE=%s;X-FILENAME=%s:%s"
                % (fmttype, name, base64.b64encode(data).decode()))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    txt = "Agenda: caf\u00e9 \u2615\r\nline 2\r\n".encode()
    same = b"same bytes, two names\n"
    eml = (b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\n"
           b"Subject: Minutes\r\nDate: Mon, 8 Jan 2024 10:00:00 +0100\r\n"
           b"Message-ID: <minutes-1@example.org>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe minutes.\r\n")
    own = b"only on the moved occurrence\n"
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    big = bytes((i * 7 + 3) % 251 for i in range(60000))
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mailferry tests//ews attachments//EN",
        "BEGIN:VEVENT", "UID:attach-weekly@example.org", "DTSTAMP:20240101T120000Z",
        "DTSTART:20240108T090000Z", "DTEND:20240108T093000Z", "RRULE:FREQ=WEEKLY;COUNT=4",
        "SUMMARY:Weekly with files", "DESCRIPTION:See the files.",
        attach(pdf, "application/pdf", "report.pdf"), attach(txt, "text/plain", "agenda.txt"),
        attach(same, "text/plain", "copy-a.txt"),
        attach(same, "application/octet-stream", "copy-b.bin"),
        attach(eml, "message/rfc822", "Minutes.eml"),
        "ATTACH;FMTTYPE=application/pdf:https://files.example.org/handbook.pdf",
        "END:VEVENT",
        "BEGIN:VEVENT", "UID:attach-weekly@example.org", "DTSTAMP:20240101T120000Z",
        "RECURRENCE-ID:20240115T090000Z", "DTSTART:20240115T100000Z", "DTEND:20240115T103000Z",
        "SUMMARY:Weekly with files (moved)", attach(pdf, "application/pdf", "report.pdf"),
        attach(own, "text/plain", "moved-only.txt"), "END:VEVENT",
        "BEGIN:VEVENT", "UID:attach-big@example.org", "DTSTAMP:20240101T120000Z",
        "DTSTART:20240110T090000Z", "DTEND:20240110T100000Z", "SUMMARY:Big file",
        attach(big, "application/octet-stream", "big.bin"), attach(png, "image/png", "dot.png"),
        "END:VEVENT",
        "BEGIN:VTODO", "UID:attach-task@example.org", "DTSTAMP:20240101T120000Z",
        "DUE:20240120T170000Z", "SUMMARY:Task with a file", attach(txt, "text/plain", "todo.txt"),
        "ATTACH:https://files.example.org/spec.html", "END:VTODO",
        "BEGIN:VJOURNAL", "UID:attach-note@example.org", "DTSTAMP:20240101T120000Z",
        "DTSTART;VALUE=DATE:20240102", "SUMMARY:Note with a picture", "DESCRIPTION:A dot.",
        attach(png, "image/png", "dot.png"), "END:VJOURNAL",
        "END:VCALENDAR"]
    with open(os.path.join(here, "attachments.ics"), "w", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")
    cards = [
        "BEGIN:VCARD", "VERSION:3.0", "N:Photo;Pat;;;", "FN:Pat Photo",
        "EMAIL;TYPE=INTERNET:pat@example.org",
        fold("PHOTO;ENCODING=b;TYPE=PNG:" + base64.b64encode(png).decode()),
        "ROLE:Photographer", "X-MS-SPOUSE:Sam", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "N:Link;Lee;;;", "FN:Lee Link",
        "PHOTO;VALUE=uri:https://photos.example.org/lee.jpg", "END:VCARD"]
    with open(os.path.join(here, "photo.vcf"), "w", newline="") as f:
        f.write("\r\n".join(cards) + "\r\n")


if __name__ == "__main__":
    main()
