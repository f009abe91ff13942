"""libical through ctypes, for the end-to-end tests (not a test by itself).

restriction_errors(): libical's RFC 5545 restriction check of one VCALENDAR;
expansions(): occurrence starts of recurring VEVENTs (icalcomponent_foreach_recurrence);
split_vcalendars(), unfold(): text helpers. Moved here from
test_calendar_rescue.py so other tests use the same checks.
"""

import ctypes
import re


def unfold(data):
    return re.sub(rb"\r?\n[ \t]", b"", data)


# --- libical through ctypes ---------------------------------------------------

class IcalTime(ctypes.Structure):
    _fields_ = [("year", ctypes.c_int), ("month", ctypes.c_int), ("day", ctypes.c_int),
                ("hour", ctypes.c_int), ("minute", ctypes.c_int), ("second", ctypes.c_int),
                ("is_date", ctypes.c_int), ("is_daylight", ctypes.c_int),
                ("zone", ctypes.c_void_p)]


class IcalSpan(ctypes.Structure):
    _fields_ = [("start", ctypes.c_long), ("end", ctypes.c_long), ("is_busy", ctypes.c_int)]


SPAN_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(IcalSpan), ctypes.c_void_p)
lib = ctypes.CDLL("libical.so.3")
lib.icalparser_parse_string.restype = ctypes.c_void_p
lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
lib.icalcomponent_as_ical_string_r.restype = ctypes.c_void_p
lib.icalcomponent_as_ical_string_r.argtypes = [ctypes.c_void_p]
lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
lib.icalcomponent_get_first_component.restype = ctypes.c_void_p
lib.icalcomponent_get_first_component.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.icalcomponent_get_next_component.restype = ctypes.c_void_p
lib.icalcomponent_get_next_component.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.icalcomponent_get_dtstart.restype = IcalTime
lib.icalcomponent_get_dtstart.argtypes = [ctypes.c_void_p]
lib.icalcomponent_get_uid.restype = ctypes.c_char_p
lib.icalcomponent_get_uid.argtypes = [ctypes.c_void_p]
lib.icaltime_add.restype = IcalTime
lib.icaltime_add.argtypes = [IcalTime, ctypes.c_byte * 64]
lib.icalcomponent_foreach_recurrence.argtypes = [ctypes.c_void_p, IcalTime, IcalTime,
                                                 SPAN_CB, ctypes.c_void_p]
lib.icalerror_set_errors_are_fatal.argtypes = [ctypes.c_int]
lib.icalerror_set_errors_are_fatal(0)
lib.icalcomponent_get_first_property.restype = ctypes.c_void_p
lib.icalcomponent_get_first_property.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.icalcomponent_remove_property.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
lib.icalproperty_free.argtypes = [ctypes.c_void_p]
lib.icalproperty_string_to_kind.restype = ctypes.c_int
lib.icalproperty_string_to_kind.argtypes = [ctypes.c_char_p]
ICAL_ANY_COMPONENT, ICAL_VEVENT_COMPONENT = 1, 4
ICAL_METHOD_PROPERTY = lib.icalproperty_string_to_kind(b"METHOD")


def restriction_errors(data):
    """libical's RFC 5545 restriction check of one VCALENDAR, METHOD removed.

    The writer puts METHOD:PUBLISH in every file (issue 2). With a METHOD,
    icalrestriction_check applies iTIP's rules for that method (RFC 5546
    3.2.1: a PUBLISH message has one ORGANIZER and no ATTENDEE, ...). Those
    rules are for scheduling messages sent between calendar users, not for a
    published calendar file: Google and Outlook exports carry METHOD:PUBLISH
    with attendees, and migrated meetings must keep theirs. Without METHOD
    libical checks the RFC 5545 rules for stored components, which is what
    the output must meet."""
    comp = lib.icalparser_parse_string(data)
    if not comp:
        return ["libical could not parse it"]
    method = lib.icalcomponent_get_first_property(comp, ICAL_METHOD_PROPERTY)
    while method:
        lib.icalcomponent_remove_property(comp, method)
        lib.icalproperty_free(method)
        method = lib.icalcomponent_get_first_property(comp, ICAL_METHOD_PROPERTY)
    lib.icalrestriction_check(comp)
    ptr = lib.icalcomponent_as_ical_string_r(comp)
    text = ctypes.string_at(ptr).decode("utf-8", "replace")
    lib.icalcomponent_free(comp)
    return [l for l in unfold(text.encode()).decode("utf-8", "replace").splitlines()
            if l.startswith("X-LIC-ERROR")]


def expansions(data, uids):
    """UID -> sorted occurrence starts over five years, for VEVENT masters in uids."""
    out = {}
    comp = lib.icalparser_parse_string(data)
    if not comp:
        return out
    ev = lib.icalcomponent_get_first_component(comp, ICAL_VEVENT_COMPONENT)
    while ev:
        uid = (lib.icalcomponent_get_uid(ev) or b"").decode("utf-8", "replace")
        if uid in uids and uid not in out:
            start = lib.icalcomponent_get_dtstart(ev)
            end = IcalTime(start.year + 5, start.month, min(start.day, 28), 0, 0, 0, 0, 0,
                           start.zone)
            found = []
            cb = SPAN_CB(lambda c, span, d: found.append((span.contents.start,
                                                          span.contents.end)))
            lib.icalcomponent_foreach_recurrence(ev, start, end, cb, None)
            out[uid] = sorted(found)
        ev = lib.icalcomponent_get_next_component(comp, ICAL_VEVENT_COMPONENT)
    lib.icalcomponent_free(comp)
    return out


def split_vcalendars(data):
    out, cur = [], []
    for line in data.splitlines(keepends=True):
        cur.append(line)
        if line.strip().upper() == b"END:VCALENDAR":
            out.append(b"".join(cur))
            cur = []
    return out
