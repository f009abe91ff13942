/* Outlook time zone blobs -> time zone rules, conversions and VTIMEZONE.
 * Pure: bytes in, values out; no libpff.
 *
 *   PidLidTimeZoneStruct ([MS-OXOCAL] 2.2.1.39): one rule, 48 bytes.
 *   PidLidAppointmentTimeZoneDefinitionStartDisplay/EndDisplay/Recur
 *   ([MS-OXOCAL] 2.2.1.41, TimeZoneDefinition + TZRule): a key name and a
 *   list of rules, each effective from its wYear on.
 *
 * "Local" times here are wall-clock seconds counted like Unix time (as if the
 * wall clock were UTC); UTC = local + (bias + standard or daylight bias) min.
 */
#ifndef MAILFERRY_PST_TZ_H
#define MAILFERRY_PST_TZ_H

#include <glib.h>
#include <libical/ical.h>

/* A Windows SYSTEMTIME used as a transition rule: wYear 0 means "the wDay-th
 * (5 = last) wDayOfWeek (0 = Sunday) of wMonth, every year"; wMonth 0 means no
 * transition (no daylight saving time). */
typedef struct mfi_pst_systime {
	guint16 year, month, dow, day, hour, minute, second;
} mfi_pst_systime;

typedef struct mfi_pst_tzrule {
	int year;               /* first year the rule applies (the first rule: all earlier years too) */
	gint32 bias;            /* minutes; UTC = local + bias + std_bias/dst_bias */
	gint32 std_bias;
	gint32 dst_bias;
	mfi_pst_systime std_date; /* change to standard time (local daylight time) */
	mfi_pst_systime dst_date; /* change to daylight time (local standard time) */
} mfi_pst_tzrule;

typedef struct mfi_pst_tz {
	char *tzid;   /* TZID for iCalendar */
	guint n_rules;
	mfi_pst_tzrule *rules; /* ascending year */
} mfi_pst_tz;

/* NULL when the blob is too short or not this structure. `name` (may be NULL)
 * becomes the TZID; default "Custom Time Zone". */
mfi_pst_tz *mfi_pst_tz_from_struct(const guint8 *data, gsize len, const char *name);
/* NULL when malformed or without rules. The TZID is the KeyName, else `name`. */
mfi_pst_tz *mfi_pst_tz_from_definition(const guint8 *data, gsize len, const char *name);
/* A zone with a fixed offset (UTC = local + bias minutes), no DST; TZID like "UTC+01:00". */
mfi_pst_tz *mfi_pst_tz_fixed(gint32 bias);
void mfi_pst_tz_free(mfi_pst_tz *tz);

/* Offset in minutes (UTC = local + offset) in effect at a local / UTC time. */
gint32 mfi_pst_tz_offset_at_local(const mfi_pst_tz *tz, gint64 local);
gint32 mfi_pst_tz_offset_at_utc(const mfi_pst_tz *tz, gint64 utc);
gint64 mfi_pst_tz_local_to_utc(const mfi_pst_tz *tz, gint64 local);
gint64 mfi_pst_tz_utc_to_local(const mfi_pst_tz *tz, gint64 utc);

/* The VTIMEZONE ([MS-OXCICAL] 2.1.3.1.1.19 style: STANDARD/DAYLIGHT with yearly
 * RRULEs, the first rule from 1601). Caller frees. */
icalcomponent *mfi_pst_tz_to_vtimezone(const mfi_pst_tz *tz);

/* Local seconds -> a floating icaltimetype (or a DATE when `date_only`). */
struct icaltimetype mfi_pst_local_icaltime(gint64 local, gboolean date_only);

#endif
