"""Apple CalendarServer dump -> ICS, through a real PostgreSQL 15 (issue 6).

For Apple's real schema files (../shared/docs/samples/ccs_schema_*.sql:
current v66 and the older v58, v28, v3) the test starts PostgreSQL 15 as the
`postgres` user on a Unix socket in a temporary directory, loads the schema,
inserts two homes with calendars (display names in RESOURCE_PROPERTY), a
calendar shared from one home to the other, a scheduling inbox, a trash
collection with a trashed object (v54+), a corrupt row (v66), and objects
whose iCalendar text comes from ../shared/corpus/apple and ../shared/corpus/ics
plus a few made here for what the corpus lacks: per-user data for two users
(X-CALENDARSERVER-PERUSER, like samples/ccs_peruser_two_users.ics), urn:x-uid
attendees with EMAIL parameters and an attendee comment, a time zone stored by
reference (no VTIMEZONE), managed and dropbox attachments. It dumps the
database with pg_dump (plain, plain gzip-compressed, and -Ft tar), converts them with
`mailferry convert DUMP -o OUT --to ics --report R --attachments DIR` and checks:

* per calendar: the output file holds exactly the UIDs inserted for it minus
  the skipped ones (inbox, trash, corrupt), the report row's read/written
  match, invariant_ok, the inbox and trash are listed under "ignored";
* the shared calendar appears once, under its owner;
* the owner's PERUSER alarm and TRANSP are back, the other user's are not;
  no X-CALENDARSERVER-PERUSER/PERINSTANCE/ACCESS is left;
* urn:x-uid addresses with EMAIL became mailto:, the attendee comment is in
  DESCRIPTION, ACCESS became CLASS, the Olson TZID got its VTIMEZONE;
* the attachment whose file is there is embedded (bytes equal), the missing
  one stays a link and is listed;
* every output file parses with python3-icalendar and passes libical's
  restriction check; plain, gzip and tar dumps give byte-identical output;
* a custom-format dump (pg_dump -Fc) and a directory dump (-Fd) exit 3 with
  the pg_restore command that makes plain SQL, an --inserts dump exits 3
  saying so;
* the dumps and the attachment store are unchanged;
* address books (every schema: ADDRESSBOOK_HOME/ADDRESSBOOK_OBJECT of v20+,
  ADDRESSBOOK/ADDRESSBOOK_BIND before): the cards written here (a person,
  a folded one, a group, another home's card in a named address book, a
  trashed card on v54+, a broken row) converted with --to vcf and
  --to maildir (contacts as companion .vcf) are all in
  OUTDIR/<owner>/<address book>.vcf, vCard 3.0, read with python3-vobject;
  the group is a distribution list, the trashed card is listed under
  "ignored", the broken row is quarantined with its raw text.
PostgreSQL is stopped at the end, also on failure.
"""

import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import icalendar
import vobject

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libical_check  # noqa: E402
import mfe2e  # noqa: E402

res = mfe2e.Results("test_calendarserver")
mfe2e.require_binary(res)

PGBIN = "/usr/lib/postgresql/15/bin"
SAMPLES = os.path.join(mfe2e.PROJECT, "..", "shared", "docs", "samples")
SCHEMAS = [("v66", "ccs_schema_current_v66.sql"), ("v58", "ccs_schema_v58.sql"),
           ("v28", "ccs_schema_v28.sql"), ("v3", "ccs_schema_v3.sql")]

ALICE = "10000000-0000-0000-0000-0000000000a1"
BOB = "10000000-0000-0000-0000-0000000000b2"
CAROL = "10000000-0000-0000-0000-0000000000c3"  # attendee without EMAIL, not a home

# Corpus objects per calendar (one UID each; see MANIFEST.tsv).
CORPUS_WORK = ["apple/ccs/OneEvent.ics", "apple/ccs/AnotherEvent.ics",
               "apple/ccs/ThirdEvent.ics", "apple/ccs/PayDay.ics",
               "apple/ccs/Holidays_collection/C3184A66-1ED0-11D9-A5E0-000A958A3252.ics",
               "ics/node-ical/event-with-valarm.ics",
               "ics/node-ical/daily-count-exdate-recurrence-id.ics",
               "ics/icaljs/samples_minimal.ics"]
CORPUS_TASKS = ["ics/aspose/VtodoTask.ics", "ics/libical/3.ics"]
CORPUS_BOB = ["apple/ccs/Holidays_collection/C3184D26-1ED0-11D9-A5E0-000A958A3252.ics",
              "ics/node-ical/meetup-timed-tz.ics"]
CORPUS_INBOX = ["ics/libical/0.ics", "ics/libical/2.ics"]
CORPUS_TRASH = ["ics/libical/6.ics"]

ATTACHMENT_BYTES = b"minutes of the meeting\n"
DROPBOX_BYTES = b"dropbox file\n"


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


PERUSER_EVENT = crlf("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//CALENDARSERVER.ORG//NONSGML Version 1//EN
BEGIN:VEVENT
UID:peruser-two-users
DTSTART:20080601T120000Z
DTEND:20080601T130000Z
ATTENDEE:mailto:user1@example.com
ATTENDEE:mailto:user2@example.com
DTSTAMP:20080601T120000Z
ORGANIZER;CN=User 01:mailto:user1@example.com
SUMMARY:Per-user data
END:VEVENT
BEGIN:X-CALENDARSERVER-PERUSER
UID:peruser-two-users
X-CALENDARSERVER-PERUSER-UID:%(alice)s
BEGIN:X-CALENDARSERVER-PERINSTANCE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Test01
TRIGGER;RELATED=START:-PT10M
END:VALARM
TRANSP:OPAQUE
END:X-CALENDARSERVER-PERINSTANCE
END:X-CALENDARSERVER-PERUSER
BEGIN:X-CALENDARSERVER-PERUSER
UID:peruser-two-users
X-CALENDARSERVER-PERUSER-UID:%(bob)s
BEGIN:X-CALENDARSERVER-PERINSTANCE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Test02
TRIGGER;RELATED=START:-PT10M
END:VALARM
TRANSP:TRANSPARENT
END:X-CALENDARSERVER-PERINSTANCE
END:X-CALENDARSERVER-PERUSER
END:VCALENDAR
""" % {"alice": ALICE, "bob": BOB})

MEETING_EVENT = crlf("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//Mac OS X 10.11.6//EN
CALSCALE:GREGORIAN
X-CALENDARSERVER-ACCESS:CONFIDENTIAL
BEGIN:VEVENT
UID:urn-meeting-1
DTSTART;TZID=Europe/Berlin:20160301T090000
DTEND;TZID=Europe/Berlin:20160301T100000
DTSTAMP:20160220T120000Z
SUMMARY:Planning\\, Q2
DESCRIPTION:Agenda
ORGANIZER;CN=Alice;EMAIL=alice@example.com:urn:x-uid:%(alice)s
ATTENDEE;CN=Alice;EMAIL=alice@example.com;PARTSTAT=ACCEPTED:urn:x-uid:%(alice)s
ATTENDEE;CN=Bob;EMAIL=bob@example.com;PARTSTAT=ACCEPTED;SCHEDULE-STATUS=2.0;X-CALENDARSERVER-DTSTAMP=20160220T120000Z:urn:x-uid:%(bob)s
ATTENDEE;CN=Carol;PARTSTAT=NEEDS-ACTION:urn:x-uid:%(carol)s
X-CALENDARSERVER-ATTENDEE-COMMENT;X-CALENDARSERVER-ATTENDEE-REF="urn:x-uid:%(bob)s";X-CALENDARSERVER-DTSTAMP=20160225T080000Z:I will be late
RRULE:FREQ=MONTHLY;BYDAY=SU,SA;BYSETPOS=1;COUNT=6
LOCATION:Room 1\\nInfinite Loop 1
X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-APPLE-ABUID=ab\\://Work;X-TITLE="10
 XX S. XXX Dr.\\nSuite XXX\\nXX XX XXXXX\\nUnited States":"geo:11.111111,
 -11.111111"
END:VEVENT
BEGIN:X-CALENDARSERVER-PERUSER
UID:urn-meeting-1
X-CALENDARSERVER-PERUSER-UID:%(alice)s
BEGIN:X-CALENDARSERVER-PERINSTANCE
TRANSP:OPAQUE
X-APPLE-TRAVEL-DURATION;VALUE=DURATION:PT30M
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder
TRIGGER:-PT15M
END:VALARM
END:X-CALENDARSERVER-PERINSTANCE
END:X-CALENDARSERVER-PERUSER
END:VCALENDAR
""" % {"alice": ALICE, "bob": BOB, "carol": CAROL})

MANAGED_EVENT = crlf("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//Mac OS X 10.11.6//EN
BEGIN:VEVENT
UID:attachment-managed-1
DTSTART:20160302T090000Z
DTEND:20160302T100000Z
DTSTAMP:20160220T120000Z
SUMMARY:With attachments
ATTACH;MANAGED-ID=MID-0001;FMTTYPE=text/plain;FILENAME=minutes.txt;SIZE=23:https://cal.example.com:8443/calendars/__uids__/%(alice)s/dropbox/attachment-managed-1.dropbox/minutes-MID-0001.txt
ATTACH;MANAGED-ID=MID-0002;FMTTYPE=text/plain;FILENAME=lost.txt;SIZE=4:https://cal.example.com:8443/calendars/__uids__/%(alice)s/dropbox/attachment-managed-1.dropbox/lost-MID-0002.txt
END:VEVENT
END:VCALENDAR
""" % {"alice": ALICE})

DROPBOX_EVENT = crlf("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//iCal 4.0.1//EN
BEGIN:VEVENT
UID:uid1
DTSTART:20090324T191500Z
DTEND:20090324T194500Z
DTSTAMP:20090326T145447Z
X-APPLE-DROPBOX:/calendars/__uids__/%(alice)s/dropbox/uid1.dropbox
ATTACH;VALUE=URI:/calendars/__uids__/%(alice)s/dropbox/uid1.dropbox/test.txt
SUMMARY:CalDAV protocol updates
END:VEVENT
END:VCALENDAR
""" % {"alice": ALICE})

CORRUPT_TEXT = "this row was damaged\r\nnot iCalendar at all\r\n"

CARD_CAROL = crlf("""BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//Mac OS X 10.11.6//EN
UID:card-carol
N:Jones;Carol;;;
FN:Carol Jones
ORG:Example Corp;
EMAIL;type=INTERNET;type=WORK;type=pref:carol@example.com
TEL;type=CELL;type=VOICE;type=pref:+1 555 0100
NOTE:Met at the conference\\, 2015
END:VCARD
""")

CARD_DAVE = crlf("""BEGIN:VCARD
VERSION:3.0
UID:card-dave
N:Miller;Dave;;;
FN:Dave Miller
ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United Stat
 es
END:VCARD
""")

CARD_GROUP = crlf("""BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//AddressBook 9.0//EN
UID:group-friends
N:Friends;;;;
FN:Friends
X-ADDRESSBOOKSERVER-KIND:group
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:card-carol
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:card-dave
END:VCARD
""")

CARD_ERIN = crlf("""BEGIN:VCARD
VERSION:3.0
UID:card-erin
N:Stone;Erin;;;
FN:Erin Stone
EMAIL;type=INTERNET:erin@example.com
END:VCARD
""")

CARD_TRASHED = crlf("""BEGIN:VCARD
VERSION:3.0
UID:card-trashed
N:Gone;Frank;;;
FN:Frank Gone
END:VCARD
""")

CARD_BROKEN = "card row was damaged\r\nno vCard here\r\n"


# --------------------------------------------------------------------------
# PostgreSQL


class Postgres:
    """A throw-away cluster owned by the postgres user, on a Unix socket."""

    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "db")
        self.sock = root
        self.started = False
        self.as_user = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres", "postgres")

    def _run(self, argv, user=False, **kw):
        argv = (self.as_user if user else []) + argv
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=120, **kw)

    def start(self):
        p = self._run([os.path.join(PGBIN, "initdb"), "-D", self.data, "-A", "trust",
                       "-U", "postgres", "-E", "UTF8", "--locale=C"], user=True)
        if p.returncode != 0:
            raise RuntimeError("initdb failed: %s" % p.stderr.decode(errors="replace"))
        opts = "-k %s -c listen_addresses= -c fsync=off -c full_page_writes=off" % self.sock
        p = self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-o", opts, "-w",
                       "-l", os.path.join(self.root, "server.log"), "start"], user=True)
        if p.returncode != 0:
            raise RuntimeError("pg_ctl start failed: %s" % p.stderr.decode(errors="replace"))
        self.started = True

    def stop(self):
        if self.started:
            self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", "immediate",
                       "-w", "stop"], user=True)
            self.started = False

    def psql(self, db, sql_file=None, sql=None):
        argv = [os.path.join(PGBIN, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                self.sock, "-U", "postgres", "-d", db, "-At"]
        argv += ["-f", sql_file] if sql_file else ["-c", sql]
        p = self._run(argv)
        if p.returncode != 0:
            raise RuntimeError("psql failed on %s: %s" % (db, p.stderr.decode(errors="replace")[-2000:]))
        return p.stdout.decode()

    def dump(self, db, out, fmt, *extra):
        p = self._run([os.path.join(PGBIN, "pg_dump"), "-h", self.sock, "-U", "postgres",
                       "-F", fmt, "-f", out] + list(extra) + [db])
        if p.returncode != 0:
            raise RuntimeError("pg_dump -F%s failed: %s" % (fmt, p.stderr.decode(errors="replace")))


def sql_str(value):
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


class Db:
    """Builds the INSERTs for one schema version, using the columns it has."""

    def __init__(self, columns):
        self.columns = columns  # table -> set of columns
        self.lines = []
        self.next_id = 100
        self.expected = {}     # (home uid, folder) -> set of UIDs
        self.skipped = {}      # calendar id -> count
        self.quarantined = 0
        self.cards = {}        # (home uid, folder) -> set of card UIDs
        self.groups = set()    # UIDs of the group cards
        self.cards_broken = 0
        self.cards_trashed = 0

    def has(self, table, column=None):
        cols = self.columns.get(table)
        return cols is not None and (column is None or column in cols)

    def insert(self, table, row):
        row = {k: v for k, v in row.items() if self.has(table, k)}
        self.lines.append("insert into %s (%s) values (%s);" % (
            table, ", ".join(row), ", ".join(sql_str(v) for v in row.values())))

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def home(self, uid):
        hid = self.new_id()
        self.insert("calendar_home", {"resource_id": hid, "owner_uid": uid, "status": 0})
        if self.has("calendar_home_metadata"):
            self.insert("calendar_home_metadata", {"resource_id": hid})
        return hid

    def calendar(self, home, name, display=None, owner_uid=None, child_type=0):
        cid = self.new_id()
        self.insert("calendar", {"resource_id": cid})
        if self.has("calendar_metadata"):
            self.insert("calendar_metadata", {"resource_id": cid, "child_type": child_type})
        self.bind(home, cid, name, 0)
        if display:
            xml = "<?xml version='1.0' encoding='UTF-8'?>\n<displayname xmlns='DAV:'>%s</displayname>" % display
            self.insert("resource_property", {"resource_id": cid, "name": "{DAV:}displayname",
                                              "value": xml, "viewer_uid": owner_uid})
        return cid

    def bind(self, home, cid, name, mode):
        self.insert("calendar_bind", {
            "calendar_home_resource_id": home, "calendar_resource_id": cid,
            "calendar_resource_name": name, "bind_mode": mode, "bind_status": 1,
            "seen_by_owner": "t", "seen_by_sharee": "t", "message": None})

    def obj(self, cid, text, expect=None, trashed=False):
        oid = self.new_id()
        cal = icalendar.Calendar.from_ical(text) if expect is not False else None
        comps = [c for c in cal.walk() if c.name in ("VEVENT", "VTODO", "VJOURNAL")] if cal else []
        uid = str(comps[0].get("UID")) if comps else "corrupt-%d" % oid
        self.insert("calendar_object", {
            "resource_id": oid, "calendar_resource_id": cid, "resource_name": "%s.ics" % uid,
            "icalendar_text": text, "icalendar_uid": uid,
            "icalendar_type": comps[0].name if comps else "VEVENT",
            "md5": hashlib.md5(text.encode()).hexdigest(),
            "trashed": "2016-03-01 10:00:00" if trashed else None,
            "original_collection": None})
        if expect:
            self.expected.setdefault(expect, set()).add(uid)
        elif expect is None:
            self.skipped[cid] = self.skipped.get(cid, 0) + 1
        else:
            self.quarantined += 1
        return oid, uid


    def abook(self, uid, display=None):
        """An address book home (v20+: the address book) or, before v20, an
        ADDRESSBOOK bound to the home; returns (book id, owner, folder)."""
        hid = self.new_id()
        store = self.new_id()
        self.insert("addressbook_home", {"resource_id": hid, "owner_uid": uid, "status": 0,
                                         "addressbook_property_store_id": store})
        if self.has("addressbook_home_metadata"):
            self.insert("addressbook_home_metadata", {"resource_id": hid})
        book = prop = hid
        if self.has("addressbook_home", "addressbook_property_store_id"):
            prop = store
        if self.has("addressbook_bind"):  # before v20
            book = prop = self.new_id()
            self.insert("addressbook", {"resource_id": book})
            self.insert("addressbook_bind", {
                "addressbook_home_resource_id": hid, "addressbook_resource_id": book,
                "addressbook_resource_name": "addressbook", "bind_mode": 0, "bind_status": 1,
                "seen_by_owner": "t", "seen_by_sharee": "t", "message": None})
        if display:
            xml = "<?xml version='1.0' encoding='UTF-8'?>\n<displayname xmlns='DAV:'>%s</displayname>" % display
            self.insert("resource_property", {"resource_id": prop, "name": "{DAV:}displayname",
                                              "value": xml, "viewer_uid": uid})
        return book, uid, display or "Contacts"

    def card(self, book, text, uid, kind=0, broken=False, trashed=False):
        bid, owner, folder = book
        self.insert("addressbook_object", {
            "resource_id": self.new_id(), "addressbook_home_resource_id": bid,
            "addressbook_resource_id": bid, "resource_name": "%s.vcf" % uid,
            "vcard_text": text, "vcard_uid": uid, "kind": kind,
            "md5": hashlib.md5(text.encode()).hexdigest(),
            "trashed": "2016-03-01 10:00:00" if trashed else None})
        if broken:
            self.cards_broken += 1
        elif trashed:
            self.cards_trashed += 1
        else:
            self.cards.setdefault((owner, folder), set()).add(uid)
            if kind == 1 or "KIND:group" in text:
                self.groups.add(uid)


def fill_cards(db):
    """Address books: Alice's unnamed one, Bob's named one."""
    if not db.has("addressbook_object"):
        return
    alice = db.abook(ALICE)
    bob = db.abook(BOB, "Bob Cards")
    db.card(alice, CARD_CAROL, "card-carol")
    db.card(alice, CARD_DAVE, "card-dave")
    db.card(alice, CARD_GROUP, "group-friends", kind=1)
    db.card(bob, CARD_ERIN, "card-erin")
    db.card(alice, CARD_BROKEN, "card-broken", broken=True)
    if db.has("addressbook_object", "trashed"):  # v54+
        db.card(alice, CARD_TRASHED, "card-trashed", trashed=True)


def corpus_text(rel):
    with open(os.path.join(mfe2e.CORPUS, rel), "rb") as f:
        return crlf(f.read().decode("utf-8"))


def attachment_file(store, key, name=None):
    h = hashlib.md5(key.encode()).hexdigest()
    d = os.path.join(store, h[:2], h[2:4])
    os.makedirs(d, exist_ok=True)
    if name is None:
        return os.path.join(d, h)
    os.makedirs(os.path.join(d, h), exist_ok=True)
    return os.path.join(d, h, name)


def fill(db, version, store):
    """The rows of the scenario; returns the sql text."""
    alice = db.home(ALICE)
    bob = db.home(BOB)
    work = db.calendar(alice, "calendar", "Work", ALICE)
    tasks = db.calendar(alice, "tasks")  # no display name: the bind name is the folder
    inbox = db.inbox = db.calendar(alice, "inbox", child_type=1)
    bob_cal = db.calendar(bob, "calendar", "Bob Home", BOB)
    db.bind(bob, work, "6F0F7C2A-1D2B-4C61-9C2E-2B9B7B2B0001", 1)  # Alice shares Work with Bob
    for rel in CORPUS_WORK:
        db.obj(work, corpus_text(rel), (ALICE, "Work"))
    db.obj(work, PERUSER_EVENT, (ALICE, "Work"))
    db.obj(work, MEETING_EVENT, (ALICE, "Work"))
    for rel in CORPUS_TASKS:
        db.obj(tasks, corpus_text(rel), (ALICE, "tasks"))
    for rel in CORPUS_BOB:
        db.obj(bob_cal, corpus_text(rel), (BOB, "Bob Home"))
    for rel in CORPUS_INBOX:
        db.obj(inbox, corpus_text(rel), None)
    # attachments: dropbox (every version), managed (v13+)
    oid, _ = db.obj(work, DROPBOX_EVENT, (ALICE, "Work"))
    if db.has("attachment", "attachment_id"):
        db.insert("attachment", {"attachment_id": 1, "calendar_home_resource_id": alice,
                                 "dropbox_id": "uid1.dropbox", "content_type": "text/plain",
                                 "size": len(DROPBOX_BYTES), "md5": "0" * 32, "path": "test.txt"})
    else:
        db.insert("attachment", {"calendar_home_resource_id": alice, "dropbox_id": "uid1.dropbox",
                                 "content_type": "text/plain", "size": len(DROPBOX_BYTES),
                                 "md5": "0" * 32, "path": "test.txt"})
    with open(attachment_file(store, "uid1.dropbox", "test.txt"), "wb") as f:
        f.write(DROPBOX_BYTES)
    if db.has("attachment_calendar_object"):
        oid, _ = db.obj(work, MANAGED_EVENT, (ALICE, "Work"))
        for att_id, mid in ((2, "MID-0001"), (3, "MID-0002")):
            db.insert("attachment", {"attachment_id": att_id, "calendar_home_resource_id": alice,
                                     "dropbox_id": ".", "content_type": "text/plain", "size": 4,
                                     "md5": "0" * 32, "path": "f%d.txt" % att_id})
            db.insert("attachment_calendar_object", {"attachment_id": att_id, "managed_id": mid,
                                                     "calendar_object_resource_id": oid})
        with open(attachment_file(store, "2"), "wb") as f:
            f.write(ATTACHMENT_BYTES)  # attachment 3's file is missing on purpose
    if db.has("calendar_metadata", "child_type"):  # v54+: trash
        trash = db.calendar(alice, "0C0FFEE0-0000-4000-8000-000000000001", child_type=2)
        db.lines.append("update calendar_home_metadata set trash = %d where resource_id = %d;"
                        % (trash, alice))
        for rel in CORPUS_TRASH:
            db.obj(trash, corpus_text(rel), None, trashed=True)
        db.obj(bob_cal, corpus_text("ics/vobject/radicale-0816.ics"), None, trashed=True)
    if version == "v66":
        db.obj(bob_cal, CORRUPT_TEXT, False)
    fill_cards(db)
    return "\n".join(db.lines) + "\n"


# --------------------------------------------------------------------------
# checks of the converted output


def output_calendars(out):
    """{(mailbox dir, file stem): (bytes, icalendar.Calendar or exception)}"""
    found = {}
    for path in sorted(glob.glob(os.path.join(out, "*", "*.ics"))):
        mailbox = os.path.basename(os.path.dirname(path))
        if mailbox == "quarantine":
            continue
        with open(path, "rb") as f:
            data = f.read()
        try:
            cal = icalendar.Calendar.from_ical(data)
        except Exception as ex:  # noqa: BLE001
            cal = ex
        found[(mailbox, os.path.splitext(os.path.basename(path))[0])] = (data, cal)
    return found


def components(cal):
    return [c for c in cal.walk() if c.name in ("VEVENT", "VTODO", "VJOURNAL")]


def by_uid(cal, uid):
    return [c for c in components(cal) if str(c.get("UID")) == uid]


def check_calendars(item, db, found):
    for key, (data, cal) in found.items():
        if not res.check(not isinstance(cal, Exception), item, "%s parses with python3-icalendar: %s" % (key, cal)):
            continue
        errs = libical_check.restriction_errors(data)
        res.check(not errs, item, "%s passes libical's restriction check: %s" % (key, errs[:3]))
        res.check(b"X-CALENDARSERVER-PERUSER" not in data and b"PERINSTANCE" not in data
                  and b"X-CALENDARSERVER-ACCESS" not in data, item,
                  "%s: no CalendarServer storage artefacts left" % (key,))
    for (uid_home, folder), uids in db.expected.items():
        got = found.get((uid_home, folder))
        if not res.check(got is not None, item, "output file for %s/%s (have %s)" % (uid_home, folder, sorted(found))):
            continue
        cal = got[1]
        if isinstance(cal, Exception):
            continue
        have = {str(c.get("UID")) for c in components(cal)
                if "TravelTime" not in str(c.get("CATEGORIES", ""))
                and not (c.get("CATEGORIES") and "TravelTime" in str(c.get("CATEGORIES").cats))}
        res.check(have == uids, item, "%s/%s holds exactly the inserted UIDs minus skipped "
                  "(missing %s, extra %s)" % (uid_home, folder, sorted(uids - have), sorted(have - uids)))
    # a shared calendar is written once, under its owner
    bob_files = [k for k in found if k[0] == BOB]
    res.check(all(k[1] != "Work" for k in bob_files), item, "shared calendar not exported under the sharee")


def check_semantics(item, found, managed):
    data, cal = found.get((ALICE, "Work"), (b"", None))
    if cal is None or isinstance(cal, Exception):
        res.fail(item, "no readable Work calendar")
        return
    ev = by_uid(cal, "peruser-two-users")
    if res.check(len(ev) == 1, item, "per-user event present"):
        alarms = [str(a.get("DESCRIPTION")) for a in ev[0].walk("VALARM")]
        res.check(alarms == ["Test01"], item, "owner's PERUSER alarm is back, the other user's is not (%s)" % alarms)
        res.check(str(ev[0].get("TRANSP")) == "OPAQUE", item, "owner's TRANSP is back (%s)" % ev[0].get("TRANSP"))
    ev = by_uid(cal, "urn-meeting-1")
    if res.check(len(ev) == 1, item, "urn meeting present"):
        e = ev[0]
        org = str(e.get("ORGANIZER"))
        atts = [str(a) for a in (e.get("ATTENDEE") if isinstance(e.get("ATTENDEE"), list) else [e.get("ATTENDEE")])]
        res.check(org.lower() == "mailto:alice@example.com", item, "ORGANIZER urn:x-uid -> mailto (%s)" % org)
        res.check("mailto:bob@example.com" in [a.lower() for a in atts], item, "ATTENDEE urn:x-uid with EMAIL -> mailto (%s)" % atts)
        res.check(("urn:x-uid:" + CAROL) in atts, item, "ATTENDEE without EMAIL kept for --map (%s)" % atts)
        desc = str(e.get("DESCRIPTION"))
        res.check("Agenda" in desc and "Bob" in desc and "I will be late" in desc, item,
                  "attendee comment in DESCRIPTION with the attendee's name (%r)" % desc)
        res.check(str(e.get("CLASS")) == "CONFIDENTIAL", item, "ACCESS -> CLASS (%s)" % e.get("CLASS"))
        res.check([str(a.get("DESCRIPTION")) for a in e.walk("VALARM")] == ["Reminder"], item, "owner's alarm on the meeting")
        res.check(b"BYSETPOS=1" in data, item, "first-weekend-day rule kept")
        res.check(b"X-CALENDARSERVER-DTSTAMP" not in data, item, "server bookkeeping parameters removed")
        unfolded = re.sub(rb"\r\n[ \t]", b"", data)
        loc = re.search(rb"^X-APPLE-STRUCTURED-LOCATION[^\r\n]*", unfolded, re.M)
        res.check(loc is not None and b"geo:11.111111,-11.111111" in loc.group(0), item,
                  "structured location (caldavtester errors/43 quoting) kept, not per-user (%r)"
                  % (loc.group(0) if loc else None))
    res.check(b"TZID:Europe/Berlin" in data, item, "VTIMEZONE added for the Olson TZID stored by reference")
    travel = [c for c in components(cal) if "Travel" in str(c.get("SUMMARY", ""))]
    res.check(len(travel) >= 1, item, "travel-time appointment made by the calendar transforms, in the owner's tree")
    ev = by_uid(cal, "uid1")
    if res.check(len(ev) == 1, item, "dropbox attachment event present"):
        att = ev[0].get("ATTACH")
        att = att if isinstance(att, list) else [att]
        bins = [a for a in att if getattr(a, "params", {}).get("VALUE") == "BINARY"]
        res.check(len(bins) == 1 and bins[0].params.get("X-FILENAME") == "test.txt", item,
                  "dropbox attachment embedded with its name (%s)" % [dict(a.params) for a in att])
        if bins:
            res.check(icalendar.vBinary.from_ical(bins[0]) == DROPBOX_BYTES, item, "dropbox attachment bytes")
    if managed:
        ev = by_uid(cal, "attachment-managed-1")
        if res.check(len(ev) == 1, item, "managed attachment event present"):
            att = ev[0].get("ATTACH")
            att = att if isinstance(att, list) else [att]
            bins = [a for a in att if getattr(a, "params", {}).get("VALUE") == "BINARY"]
            links = [str(a) for a in att if getattr(a, "params", {}).get("VALUE") != "BINARY"]
            res.check(len(bins) == 1 and icalendar.vBinary.from_ical(bins[0]) == ATTACHMENT_BYTES,
                      item, "managed attachment embedded, bytes equal")
            res.check(len(links) == 1 and "lost-MID-0002" in links[0], item, "missing attachment kept as link (%s)" % links)


def check_report_rows(item, db, rep, ignored_expect):
    rows = {r["folder"]: r for r in rep.get("folders", [])}
    for (home, folder), uids in db.expected.items():
        key = "%s/%s" % (home, folder)
        r = rows.get(key)
        n = len(uids)
        if key == "%s/Bob Home" % BOB:
            n += db.quarantined
        if res.check(r is not None, item, "report row %s (rows %s)" % (key, sorted(rows))):
            kinds = [x for x in rep["folders"] if x["folder"] == key]
            read = sum(x["read"] for x in kinds)
            res.check(read == n, item, "report %s read %d == inserted %d minus skipped" % (key, read, n))
    ign = " | ".join(rep["sources"][0].get("ignored", []))
    for text in ignored_expect:
        res.check(text in ign, item, "ignored list mentions %r (%s)" % (text, ign[:600]))
    bad = db.quarantined + db.cards_broken
    res.check(rep["totals"]["quarantined"] == bad, item,
              "quarantined %d == corrupt rows %d" % (rep["totals"]["quarantined"], bad))


def convert(item, dump, out, store, expect_rc, to="ics"):
    report = out + ".json"
    r = mfe2e.run_mf(["convert", dump, "-o", out, "--to", to, "--report", report,
                      "--attachments", store], timeout=120)
    ok = mfe2e.check_run_sane(res, item, r, allowed=(expect_rc,))
    rep = mfe2e.load_report(res, item, report)
    mfe2e.check_report(res, item, rep, rc=r.rc)
    if rep:
        res.check(rep["sources"][0]["format"] == "calendarserver", item, "detected as calendarserver")
    return ok, rep


def check_cards(pg_item, db, dump, out, store, to):
    """Every card inserted is in OUTDIR/<owner>/<address book>.vcf."""
    item = "%s --to %s" % (pg_item, to)
    bad = db.quarantined + db.cards_broken
    ok, rep = convert(item, dump, out, store, 1 if bad else 0, to)
    if not rep:
        return
    for (owner, folder), uids in db.cards.items():
        path = os.path.join(out, owner, folder + ".vcf")
        if not res.check(os.path.isfile(path), item, "%s exists (%s)" % (path, sorted(glob.glob(os.path.join(out, "*", "*.vcf"))))):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            cards = list(vobject.readComponents(text))
        except Exception as ex:  # noqa: BLE001
            res.fail(item, "%s does not parse with vobject: %s" % (path, ex))
            continue
        have = {c.uid.value for c in cards if hasattr(c, "uid")}
        res.check(have == uids, item, "%s/%s holds exactly the inserted cards (missing %s, extra %s)"
                  % (owner, folder, sorted(uids - have), sorted(have - uids)))
        res.check(all(c.version.value == "3.0" and hasattr(c, "fn") for c in cards), item,
                  "%s/%s: vCard 3.0 with FN" % (owner, folder))
        for c in cards:
            uid = c.uid.value if hasattr(c, "uid") else None
            if uid == "card-carol":
                res.check(c.email.value == "carol@example.com" and c.fn.value == "Carol Jones"
                          and c.note.value == "Met at the conference, 2015", item,
                          "Carol's card kept its values")
            if uid == "card-dave":
                res.check(c.adr.value.country == "United States", item,
                          "folded ADR unfolded (%r)" % c.adr.value.country)
        rows = [r for r in rep.get("folders", []) if r["folder"] == "%s/%s" % (owner, folder)]
        read = sum(r["read"] for r in rows)
        want = len(uids) + (db.cards_broken if owner == ALICE else 0)
        res.check(read == want, item, "report %s/%s read %d == cards %d (+ broken)" % (owner, folder, read, want))
        lists = sum(r["written"] for r in rows if r.get("kind") == "distlist")
        res.check(lists == len(uids & db.groups), item, "%s/%s: %d distlist(s) written, groups %d (rows %r)"
                  % (owner, folder, lists, len(uids & db.groups), rows))
    res.check(rep["totals"]["quarantined"] == bad, item,
              "quarantined %d == broken rows %d" % (rep["totals"]["quarantined"], bad))
    q = glob.glob(os.path.join(out, "quarantine", "*.vcf"))
    res.check(db.cards_broken == 0 or any(b"card row was damaged" in open(p, "rb").read() for p in q),
              item, "broken card's raw text kept under quarantine/ (%s)" % q)
    ign = " | ".join(rep["sources"][0].get("ignored", []))
    res.check("addressbook_object" not in ign or "not converted" not in ign, item,
              "no 'not converted' line for address books (%s)" % ign[:300])
    if db.cards_trashed:
        res.check("1 trashed card skipped (in the trash)" in ign, item,
                  "trashed card listed under ignored (%s)" % ign[:600])


def tree_bytes(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def check_map(item, tmp, dump, store):
    """--map names the owner's tree by address and maps urn addresses without EMAIL."""
    item += " --map"
    mapfile = os.path.join(tmp, "users.txt")
    with open(mapfile, "w") as f:
        f.write("# CalendarServer owner UIDs and addresses without EMAIL\n"
                "%s alice@example.com\nurn:x-uid:%s carol@example.com\n" % (ALICE, CAROL.upper()))
    out = os.path.join(tmp, "out-map")
    r = mfe2e.run_mf(["convert", dump, "-o", out, "--to", "ics", "--map", mapfile,
                      "--attachments", store])
    mfe2e.check_run_sane(res, item, r, allowed=(1,))
    path = os.path.join(out, "alice@example.com", "Work.ics")
    if not res.check(os.path.isfile(path), item, "owner tree named by --map (%s)" % os.listdir(out)):
        return
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    ev = by_uid(cal, "urn-meeting-1")
    atts = [str(a).lower() for a in ev[0].get("ATTENDEE")] if ev else []
    res.check("mailto:carol@example.com" in atts, item, "urn:x-uid without EMAIL mapped by --map (%s)" % atts)


def run_version(pg, tmp, version, schema):
    item = "schema %s" % version
    db_name = "caldav_" + version
    pg.psql("postgres", sql="create database %s" % db_name)
    pg.psql(db_name, sql_file=os.path.join(SAMPLES, schema))
    cols = {}
    for line in pg.psql(db_name, sql="select table_name, column_name from information_schema.columns "
                                     "where table_schema = 'public'").splitlines():
        t, c = line.split("|")
        cols.setdefault(t, set()).add(c)
    db = Db(cols)
    store = os.path.join(tmp, "attachments-" + version)
    os.makedirs(store)
    script = os.path.join(tmp, "data-%s.sql" % version)
    with open(script, "w", encoding="utf-8") as f:
        f.write(fill(db, version, store))
    pg.psql(db_name, sql_file=script)
    plain = os.path.join(tmp, "%s.sql" % version)
    tar = os.path.join(tmp, "%s.tar" % version)
    custom = os.path.join(tmp, "%s.dump" % version)
    pg.dump(db_name, plain, "p")
    pg.dump(db_name, tar, "t")
    pg.dump(db_name, custom, "c")
    directory = os.path.join(tmp, "%s.dir" % version)
    pg.dump(db_name, directory, "d")
    plain_gz = plain + ".gz"  # pg_dump | gzip, as admins keep them
    with open(plain, "rb") as f, gzip.open(plain_gz, "wb") as g:
        shutil.copyfileobj(f, g)
    inserts = os.path.join(tmp, "%s-inserts.sql" % version)
    pg.dump(db_name, inserts, "p", "--inserts")
    sources = [plain, plain_gz, tar, custom, directory, inserts, store]
    before = mfe2e.hash_sources(sources)
    expect_rc = 1 if db.quarantined + db.cards_broken else 0
    trees = {}
    for kind, dump in (("plain", plain), ("tar", tar), ("gzip", plain_gz)):
        out = os.path.join(tmp, "out-%s-%s" % (version, kind))
        ok, rep = convert("%s %s" % (item, kind), dump, out, store, expect_rc)
        found = output_calendars(out)
        check_calendars("%s %s" % (item, kind), db, found)
        check_semantics("%s %s" % (item, kind), found, db.has("attachment_calendar_object"))
        ignored = ["calendar 'inbox' (id %d): 2 objects skipped (scheduling inbox)" % db.inbox]
        if db.has("attachment_calendar_object"):
            ignored.append("lost-MID-0002.txt not embedded (file not found under --attachments DIR)")
        if db.has("calendar_metadata", "child_type"):
            ignored += ["1 object skipped (trash collection)", "1 trashed object skipped"]
        if db.cards_trashed:
            ignored += ["1 trashed card skipped (in the trash)"]
        if rep:
            check_report_rows("%s %s" % (item, kind), db, rep, ignored)
        trees[kind] = tree_bytes(out)
        if db.quarantined + db.cards_broken:
            q = glob.glob(os.path.join(out, "quarantine", "*"))
            res.check(len(q) == db.quarantined + db.cards_broken
                      and any(b"damaged" in open(p, "rb").read() for p in q),
                      item, "corrupt row's raw text kept under quarantine/ (%s)" % q)
    a = trees["plain"]
    for kind in ("tar", "gzip"):
        b = trees[kind]
        res.check(a == b, item, "plain and %s dumps give byte-identical output (differ: %s)"
                  % (kind, sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))[:5]))
    if version == "v66":
        check_map(item, tmp, plain, store)
    if db.has("addressbook_object"):
        for to in ("vcf", "maildir"):
            check_cards(item, db, plain, os.path.join(tmp, "out-%s-%s" % (version, to)), store, to)
    for kind, dump in (("custom", custom), ("directory", directory)):
        r = mfe2e.run_mf(["convert", dump, "-o", os.path.join(tmp, "out-%s-%s" % (kind, version)),
                          "--to", "ics"])
        hint = ("pg_restore -f %s.sql %s" % (dump, dump)).encode()
        res.check(r.rc == 3 and hint in r.err, item, "%s format: exit 3 with the pg_restore "
                  "command (rc %d, %s)" % (kind, r.rc, r.short_err(300)))
    r = mfe2e.run_mf(["convert", inserts, "-o", os.path.join(tmp, "out-inserts-" + version),
                      "--to", "ics"])
    res.check(r.rc == 3 and b"pg_dump --inserts" in r.err, item,
              "INSERT dump: exit 3 saying why (rc %d, %s)" % (r.rc, r.short_err(300)))
    res.check(mfe2e.hash_sources(sources) == before, item, "dumps and attachment store unchanged")


def main():
    if not os.path.isfile(os.path.join(PGBIN, "initdb")):
        res.fail("postgresql", "%s/initdb missing: run scripts/setup (postgresql-15)" % PGBIN)
        res.finish()
    tmp = mfe2e.mktemp("mfe2e-ccs-")
    os.chmod(tmp, 0o755)
    pgroot = os.path.join(tmp, "pg")
    os.makedirs(pgroot)
    pg = Postgres(pgroot)
    # a ctest timeout sends SIGTERM: leave through `finally`, which stops PostgreSQL
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        pg.start()
        for version, schema in SCHEMAS:
            try:
                run_version(pg, tmp, version, schema)
            except Exception as ex:  # noqa: BLE001 - one version failing is reported, the others run
                res.fail("schema %s" % version, "setup failed: %s" % ex)
    except Exception as ex:  # noqa: BLE001
        res.fail("postgresql", str(ex))
    finally:
        pg.stop()
    res.finish()


if __name__ == "__main__":
    main()
