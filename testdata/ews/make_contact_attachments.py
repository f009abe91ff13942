#!/usr/bin/env python3
"""Writes contact-attachments.vcf (tests/e2e/test_pst_contact_attach.py).

Cards in the form the PST reader gives contacts and distribution lists with
files attached (X-MAILFERRY-ATTACHMENT;ENCODING=b;TYPE=<MIME type>;
X-FILENAME=<name>, README "PST/OST"), written here by hand:
* "Ada Files": a PDF-like blob before the PHOTO (the PHOTO is still the photo),
  an inline PNG PHOTO, a file whose name needs quoting (';', ',', non-ASCII),
  an e-mail as message/rfc822, an empty file, and one by URI;
* "Team Files": a distribution list (X-ADDRESSBOOKSERVER-KIND:group) with two
  members and one file;
* "Old Style": a vCard 2.1 card whose file is ENCODING=BASE64 folded with bare
  whitespace, as 2.1 writers do.
Deterministic: run it again to get the same bytes.
"""
import base64
import os


def fold(line):
    out, b = [], line.encode()
    while len(b) > 75:
        cut = 75
        while cut > 1 and (b[cut] & 0xC0) == 0x80:
            cut -= 1  # never inside a UTF-8 character
        out.append(b[:cut].decode())
        b = b" " + b[cut:]
    out.append(b.decode())
    return "\r\n".join(out)


def attachment(data, mime, name):
    quoted = '"%s"' % name if any(c in name for c in ",:;") else name
    return fold("X-MAILFERRY-ATTACHMENT;ENCODING=b;TYPE=%s;X-FILENAME=%s:%s"
                % (mime, quoted, base64.b64encode(data).decode()))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 12 + b"\n%%EOF\n"
    notes = "Notes for Ada \u2013 caf\u00e9 menu\r\n".encode() * 20
    eml = (b"From: Ada <ada@example.org>\r\nTo: Bob <bob@example.net>\r\n"
           b"Subject: Contract\r\nDate: Tue, 9 Jan 2024 10:00:00 +0100\r\n"
           b"Message-ID: <contract-1@example.org>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe contract.\r\n")
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    team = bytes((i * 13 + 5) % 256 for i in range(3000))
    old = b"version 2.1 file\n" * 10
    b64old = base64.b64encode(old).decode()
    cards = [
        "BEGIN:VCARD", "VERSION:3.0", "N:Files;Ada;;;", "FN:Ada Files",
        "EMAIL;TYPE=INTERNET:ada@example.org",
        attachment(pdf, "application/pdf", "report.pdf"),
        fold("PHOTO;ENCODING=b;TYPE=PNG:" + base64.b64encode(png).decode()),
        attachment(notes, "application/octet-stream", "notes; caf\u00e9, v2.txt"),
        attachment(eml, "message/rfc822", "Contract.eml"),
        attachment(b"", "application/octet-stream", "empty.bin"),
        "X-MAILFERRY-ATTACHMENT;VALUE=uri;X-FILENAME=handbook.pdf:"
        "https://files.example.org/handbook.pdf",
        "NOTE:Has files.", "CATEGORIES:PST_ContactAttachments", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "N:Team Files;;;;", "FN:Team Files",
        "X-ADDRESSBOOKSERVER-KIND:group",
        'X-ADDRESSBOOKSERVER-MEMBER;X-CN="Ada Files":mailto:ada@example.org',
        'X-ADDRESSBOOKSERVER-MEMBER;X-CN="Bob":mailto:bob@example.net',
        attachment(team, "application/zip", "team.zip"),
        "CATEGORIES:PST_ContactAttachments", "END:VCARD",
        "BEGIN:VCARD", "VERSION:2.1", "N:Style;Old", "FN:Old Style",
        "X-MAILFERRY-ATTACHMENT;ENCODING=BASE64;TYPE=text/plain;X-FILENAME=old.txt:",
    ] + ["    " + b64old[i:i + 60] for i in range(0, len(b64old), 60)] + [
        "", "END:VCARD"]
    with open(os.path.join(here, "contact-attachments.vcf"), "w", newline="",
              encoding="utf-8") as f:
        f.write("\r\n".join(cards) + "\r\n")


if __name__ == "__main__":
    main()
