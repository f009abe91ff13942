#!/usr/bin/python3
"""Writes the Apple calendar store fixtures in this directory (see README.md).

Standard library only. Every iCalendar text below was written for these
fixtures (no third-party data). Re-running gives byte-identical files:
    /usr/bin/python3 testdata/apple/make_fixtures.py [OUTDIR]
OUTDIR defaults to the directory of this script. Existing fixture trees
(Calendars/, Archive.icbu/, ccs-documents/, ccs-users/) are replaced.
"""

import os
import plistlib
import shutil
import sys

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
TREES = ("Calendars", "Archive.icbu", "ccs-documents", "ccs-users")

PRODID_APP = "-//Apple Inc.//Mac OS X 10.13.1//EN"
PRODID_CCS = "-//Apple Inc.//iCal 3.0//EN"

BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE"""


def vcal(body, prodid=PRODID_APP):
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:%s\nCALSCALE:GREGORIAN\n%s\nEND:VCALENDAR\n" % (prodid, body.strip("\n"))
    return text.replace("\n", "\r\n").encode("utf-8")


def event(uid, summary, start, end, extra="", tz="Europe/Berlin"):
    return """BEGIN:VEVENT
UID:%s
DTSTAMP:20240101T090000Z
CREATED:20240101T090000Z
SUMMARY:%s
DTSTART;TZID=%s:%s
DTEND;TZID=%s:%s
SEQUENCE:0
%s
END:VEVENT""" % (uid, summary, tz, start, tz, end, extra.strip("\n"))


TRAVEL = event(
    "A1000001-TRAVEL", "Dentist", "20240312T100000", "20240312T110000", """
LOCATION:Praxis Dr. Weiss\\nHauptstr. 5\\, 10115 Berlin
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
X-APPLE-TRAVEL-DURATION;VALUE=DURATION:PT30M
X-APPLE-TRAVEL-RETURN-DURATION;VALUE=DURATION:PT15M
X-APPLE-TRAVEL-START;ROUTING=CAR;VALUE=URI;X-ADDRESS=Home;X-TITLE=Home:geo:52.52,13.40
X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS="Hauptstr. 5, 10115 Berlin";X-APPLE-RADIUS=70;X-TITLE="Praxis Dr. Weiss":geo:52.5301,13.3849
BEGIN:VALARM
X-WR-ALARMUID:A1000001-ALARM
UID:A1000001-ALARM
TRIGGER;X-APPLE-RELATED-TRAVEL=-PT30M:-PT45M
ACTION:DISPLAY
DESCRIPTION:Reminder
END:VALARM""")

WEEKEND = event(
    "A1000002-WEEKEND", "Market (first weekend day)", "20240106T090000", "20240106T110000", """
RRULE:FREQ=MONTHLY;COUNT=12;BYDAY=SU,SA;BYSETPOS=1;WKST=SU""")

SERIES = event(
    "A1000003-SERIES", "Team sync", "20240108T093000", "20240108T100000", """
RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO""") + "\n" + event(
    "A1000003-SERIES", "Team sync (moved)", "20240116T093000", "20240116T100000", """
RECURRENCE-ID;TZID=Europe/Berlin:20240115T093000""")

WORK_EVENT = event("B2000001-REVIEW", "Quarterly review", "20240320T140000", "20240320T153000", """
DESCRIPTION:Numbers\\, plans and the usual.""")

WORK_TASK = """BEGIN:VTODO
UID:B2000002-TASK
DTSTAMP:20240101T090000Z
CREATED:20240101T090000Z
SUMMARY:Send the report
DUE;VALUE=DATE:20240322
STATUS:NEEDS-ACTION
END:VTODO"""

OLD_WORK = event("B2000003-OLD", "Old work calendar entry", "20230601T080000", "20230601T090000")

FAMILY = event("C3000001-BIRTHDAY", "Grandma's birthday", "20240505T150000", "20240505T180000", """
X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-APPLE-RADIUS=100;X-TITLE=Cafe Rosa:geo:48.137,11.575""")

INVITE = """METHOD:REQUEST
BEGIN:VEVENT
UID:C3000002-INVITE
DTSTAMP:20240101T090000Z
SUMMARY:Invitation still in the inbox
DTSTART:20240601T100000Z
DTEND:20240601T110000Z
ORGANIZER:mailto:boss@example.com
ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com
END:VEVENT"""

ARCHIVE_ALLDAY = """BEGIN:VEVENT
UID:D4000001-HOLIDAY
DTSTAMP:20240101T090000Z
SUMMARY:Holiday
DTSTART;VALUE=DATE:20240801
DTEND;VALUE=DATE:20240815
TRANSP:TRANSPARENT
END:VEVENT"""


# As a CalendarServer 3.x file store keeps a shared meeting: access class at
# VCALENDAR level, CUAs as urn:uuid: with EMAIL, and each user's alarms and
# transparency in an X-CALENDARSERVER-PERUSER block (formats.md A.7, A.8).
PERUSER = """X-CALENDARSERVER-ACCESS:PRIVATE
BEGIN:VEVENT
UID:F6000001-PERUSER
DTSTAMP:20240101T090000Z
SUMMARY:Budget meeting
DTSTART;TZID=Europe/Berlin:20240410T140000
DTEND;TZID=Europe/Berlin:20240410T150000
ORGANIZER;CN=Pat Owner;EMAIL=pat@example.com:urn:uuid:20000000-0000-4000-8000-000000000002
ATTENDEE;CN=Pat Owner;EMAIL=pat@example.com;PARTSTAT=ACCEPTED:urn:uuid:20000000-0000-4000-8000-000000000002
ATTENDEE;CN=Sam Guest;EMAIL=sam@example.com;PARTSTAT=NEEDS-ACTION:urn:uuid:10000000-0000-4000-8000-000000000001
END:VEVENT
BEGIN:X-CALENDARSERVER-PERUSER
UID:F6000001-PERUSER
X-CALENDARSERVER-PERUSER-UID:20000000-0000-4000-8000-000000000002
BEGIN:X-CALENDARSERVER-PERINSTANCE
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Owner's reminder
TRIGGER:-PT10M
END:VALARM
END:X-CALENDARSERVER-PERINSTANCE
END:X-CALENDARSERVER-PERUSER
BEGIN:X-CALENDARSERVER-PERUSER
UID:F6000001-PERUSER
X-CALENDARSERVER-PERUSER-UID:10000000-0000-4000-8000-000000000001
BEGIN:X-CALENDARSERVER-PERINSTANCE
TRANSP:TRANSPARENT
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Guest's reminder
TRIGGER:-PT1H
END:VALARM
END:X-CALENDARSERVER-PERINSTANCE
END:X-CALENDARSERVER-PERUSER"""


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def plist(path, value, binary=False):
    fmt = plistlib.FMT_BINARY if binary else plistlib.FMT_XML
    write(path, plistlib.dumps(value, fmt=fmt, sort_keys=True))


def calendar_dir(path, info, events, binary=False):
    """<UUID>.calendar/Info.plist + Events/<name>.ics."""
    plist(os.path.join(path, "Info.plist"), info, binary)
    for name, data in events:
        write(os.path.join(path, "Events", name), data)


def local_info(key, title, color, order):
    return {"AlarmsDisabled": False, "Checked": 1, "Color": color, "Key": key,
            "Order": order, "Title": title, "Type": "Local"}


def make_calendars(root):
    calendar_dir(os.path.join(root, "0A1B2C3D-0000-4000-8000-000000000001.calendar"),
                 local_info("0A1B2C3D-0000-4000-8000-000000000001", "Home", "#492BA1FF", 1),
                 [("A1000001-TRAVEL.ics", vcal(BERLIN + "\n" + TRAVEL)),
                  ("A1000002-WEEKEND.ics", vcal(BERLIN + "\n" + WEEKEND)),
                  ("A1000003-SERIES.ics", vcal(BERLIN + "\n" + SERIES))])
    calendar_dir(os.path.join(root, "0A1B2C3D-0000-4000-8000-000000000002.calendar"),
                 local_info("0A1B2C3D-0000-4000-8000-000000000002", "Work", "#1BADF8FF", 2),
                 [("B2000001-REVIEW.ics", vcal(BERLIN + "\n" + WORK_EVENT)),
                  ("B2000002-TASK.ics", vcal(WORK_TASK))], binary=True)
    # a second calendar titled "Work": becomes folder "Work (2)"
    calendar_dir(os.path.join(root, "0A1B2C3D-0000-4000-8000-000000000003.calendar"),
                 local_info("0A1B2C3D-0000-4000-8000-000000000003", "Work", "#FF2968FF", 3),
                 [("B2000003-OLD.ics", vcal(BERLIN + "\n" + OLD_WORK))])
    account = os.path.join(root, "5E6F7A8B-0000-4000-8000-00000000000A.caldav")
    plist(os.path.join(account, "Info.plist"),
          {"Enabled": True, "Login": "me@example.com", "Order": 4, "Title": "iCloud",
           "PrincipalURL": "https://caldav.example.com/123/principal/", "Type": "CalDAV"},
          binary=True)
    calendar_dir(os.path.join(account, "9C9C9C9C-0000-4000-8000-000000000004.calendar"),
                 {"Title": "Family", "CalendarPath": "/123/calendars/family/",
                  "OwnerDisplayName": "Me", "Order": 1},
                 [("C3000001-BIRTHDAY.ics", vcal(BERLIN + "\n" + FAMILY))])
    calendar_dir(os.path.join(account, "inbox.calendar"), {"Title": "Inbox"},
                 [("C3000002-INVITE.ics", vcal(INVITE))])
    write(os.path.join(root, "Calendar Cache"), b"SQLite format 3\x00" + b"\x00" * 84)
    write(os.path.join(root, ".DS_Store"), b"\x00\x00\x00\x01Bud1" + b"\x00" * 24)
    write(os.path.join(root, "Calendar Sync Changes", "changes.plist"),
          plistlib.dumps({"Changes": []}, fmt=plistlib.FMT_XML))


def make_archive(root):
    plist(os.path.join(root, "Info.plist"),
          {"ArchiveVersion": 1, "CreatedBy": "make_fixtures.py"})
    calendar_dir(os.path.join(root, "11111111-0000-4000-8000-000000000001.calendar"),
                 local_info("11111111-0000-4000-8000-000000000001", "Holidays", "#63DA38FF", 1),
                 [("D4000001-HOLIDAY.ics", vcal(ARCHIVE_ALLDAY))], binary=True)
    calendar_dir(os.path.join(root, "11111111-0000-4000-8000-000000000002.calendar"),
                 local_info("11111111-0000-4000-8000-000000000002", "Home", "#492BA1FF", 2),
                 [("A1000001-TRAVEL.ics", vcal(BERLIN + "\n" + TRAVEL)),
                  ("A1000002-WEEKEND.ics", vcal(BERLIN + "\n" + WEEKEND))])


PRINCIPAL_1 = "10000000-0000-4000-8000-000000000001"
PRINCIPAL_2 = "20000000-0000-4000-8000-000000000002"


def home_dir(root, uid):
    return os.path.join(root, "calendars", "__uids__", uid[0:2], uid[2:4], uid)


def index_db(path):
    """A stand-in for the per-collection .db.sqlite index (not a real database)."""
    write(os.path.join(path, ".db.sqlite"), b"SQLite format 3\x00" + b"\x00" * 84)


def make_ccs(root):
    h1 = home_dir(root, PRINCIPAL_1)
    write(os.path.join(h1, "calendar", "A1000001-TRAVEL.ics"), vcal(BERLIN + "\n" + TRAVEL, PRODID_CCS))
    write(os.path.join(h1, "calendar", "A1000003-SERIES.ics"), vcal(BERLIN + "\n" + SERIES, PRODID_CCS))
    index_db(os.path.join(h1, "calendar"))
    write(os.path.join(h1, "work", "B2000001-REVIEW.ics"), vcal(BERLIN + "\n" + WORK_EVENT, PRODID_CCS))
    write(os.path.join(h1, "work", "B2000002-TASK.ics"), vcal(WORK_TASK, PRODID_CCS))
    write(os.path.join(h1, "work", "A1000002-WEEKEND.ics"), vcal(BERLIN + "\n" + WEEKEND, PRODID_CCS))
    index_db(os.path.join(h1, "work"))
    write(os.path.join(h1, "inbox", "C3000002-INVITE.ics"), vcal(INVITE, PRODID_CCS))
    index_db(os.path.join(h1, "inbox"))
    index_db(os.path.join(h1, "outbox"))
    write(os.path.join(h1, "dropbox", "A1000001-TRAVEL.dropbox", "agenda.txt"), "Agenda\n")
    h2 = home_dir(root, PRINCIPAL_2)
    write(os.path.join(h2, "calendar", "C3000001-BIRTHDAY.ics"), vcal(BERLIN + "\n" + FAMILY, PRODID_CCS))
    write(os.path.join(h2, "calendar", "D4000001-HOLIDAY.ics"), vcal(ARCHIVE_ALLDAY, PRODID_CCS))
    write(os.path.join(h2, "calendar", "F6000001-PERUSER.ics"), vcal(BERLIN + "\n" + PERUSER, PRODID_CCS))
    index_db(os.path.join(h2, "calendar"))
    write(os.path.join(h2, "inbox", "C3000002-INVITE.ics"), vcal(INVITE, PRODID_CCS))
    index_db(os.path.join(h2, "outbox"))
    book = os.path.join(root, "addressbooks", "__uids__", PRINCIPAL_1[0:2], PRINCIPAL_1[2:4],
                        PRINCIPAL_1, "addressbook")
    write(os.path.join(book, "E5000001.vcf"),
          "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:E5000001\r\nFN:Dr. Weiss\r\nN:Weiss;;;Dr.;\r\n"
          "EMAIL;TYPE=INTERNET:weiss@example.com\r\nEND:VCARD\r\n")


def make_ccs_users(root):
    """CalendarServer 1.x before upgrade_to_1: calendars/users/<shortname>/."""
    home = os.path.join(root, "calendars", "users", "alice")
    write(os.path.join(home, "calendar", "B2000001-REVIEW.ics"), vcal(BERLIN + "\n" + WORK_EVENT, PRODID_CCS))
    index_db(os.path.join(home, "calendar"))
    write(os.path.join(home, "inbox", "C3000002-INVITE.ics"), vcal(INVITE, PRODID_CCS))
    index_db(os.path.join(home, "outbox"))


def main():
    for t in TREES:
        shutil.rmtree(os.path.join(OUT, t), ignore_errors=True)
    make_calendars(os.path.join(OUT, "Calendars"))
    make_archive(os.path.join(OUT, "Archive.icbu"))
    make_ccs(os.path.join(OUT, "ccs-documents"))
    make_ccs_users(os.path.join(OUT, "ccs-users"))


if __name__ == "__main__":
    main()
