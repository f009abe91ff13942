"""How python3-icalendar reads the recurrences the PST reader writes, run by
tests/test_pst_recur.c (not a test by itself):

  rscale_check.py FILE.ics...

Each file must parse; every VEVENT and VTODO has UID and DTSTAMP and every
TZID it uses is defined in the file. For each one without RECURRENCE-ID one
line is printed:

  UID|RRULE|X-MAILFERRY-REGENERATE|last paragraph of DESCRIPTION

with the RRULE as python3-icalendar parsed it (its parts sorted by name), "-"
for what is not there, and "ERROR" for a rule it could not parse.
"""
import sys

import icalendar


def rule_text(comp):
    if any(name == "RRULE" for name, _ in getattr(comp, "errors", [])):
        return "ERROR"
    r = comp.get("RRULE")
    if r is None:
        return "-"
    parts = []
    for key in sorted(r):
        vals = r[key] if isinstance(r[key], list) else [r[key]]
        parts.append("%s=%s" % (key, ",".join(
            v.to_ical().decode() if hasattr(v, "to_ical") else str(v) for v in vals)))
    return ";".join(parts)


def main():
    for path in sys.argv[1:]:
        cal = icalendar.Calendar.from_ical(open(path, "rb").read())
        tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        for c in cal.walk():
            if c.name not in ("VEVENT", "VTODO"):
                continue
            assert "UID" in c and "DTSTAMP" in c, path
            for k in ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE"):
                p = c.get(k)
                for q in p if isinstance(p, list) else [p]:
                    if q is not None and "TZID" in q.params:
                        assert q.params["TZID"] in tzids, (path, k)
            if "RECURRENCE-ID" in c:
                continue
            desc = str(c.get("DESCRIPTION", "-")).split("\n\n")[-1]
            print("%s|%s|%s|%s" % (c["UID"], rule_text(c), c.get("X-MAILFERRY-REGENERATE", "-"),
                                   desc))


if __name__ == "__main__":
    main()
