/* Outlook recurrence blobs -> RRULE / EXDATE / overridden occurrences.
 * Pure: bytes in, values out; no libpff.
 *
 *   RecurrencePattern ([MS-OXOCAL] 2.2.1.44.1): PidLidTaskRecurrence and the
 *   first part of
 *   AppointmentRecurrencePattern ([MS-OXOCAL] 2.2.1.44.5): PidLidAppointmentRecur,
 *   with ExceptionInfo (2.2.1.44.2) and ExtendedException (2.2.1.44.3).
 *
 * All dates and times in the blob are minutes since 1601-01-01 00:00 in the
 * series' own time zone (wall clock). RRULE mapping follows [MS-OXCICAL]
 * 2.1.3.2.2 (templates for daily/weekly/monthly/yearly recurrences); months
 * of non-Gregorian calendars are counted with RFC 7529 RSCALE.
 */
#ifndef MAILFERRY_PST_RECUR_H
#define MAILFERRY_PST_RECUR_H

#include "pst-tz.h"

#include <glib.h>
#include <libical/ical.h>

enum {
	MFI_RECUR_FREQ_DAILY = 0x200a,
	MFI_RECUR_FREQ_WEEKLY = 0x200b,
	MFI_RECUR_FREQ_MONTHLY = 0x200c,
	MFI_RECUR_FREQ_YEARLY = 0x200d,

	MFI_RECUR_PATTERN_DAY = 0x0000,
	MFI_RECUR_PATTERN_WEEK = 0x0001,
	MFI_RECUR_PATTERN_MONTH = 0x0002,
	MFI_RECUR_PATTERN_MONTH_NTH = 0x0003,
	MFI_RECUR_PATTERN_MONTH_END = 0x0004,

	MFI_RECUR_END_DATE = 0x2021,
	MFI_RECUR_END_COUNT = 0x2022,
	MFI_RECUR_END_NEVER = 0x2023,

	/* ExceptionInfo OverrideFlags */
	MFI_ARO_SUBJECT = 0x0001,
	MFI_ARO_MEETINGTYPE = 0x0002,
	MFI_ARO_REMINDERDELTA = 0x0004,
	MFI_ARO_REMINDER = 0x0008,
	MFI_ARO_LOCATION = 0x0010,
	MFI_ARO_BUSYSTATUS = 0x0020,
	MFI_ARO_ATTACHMENT = 0x0040,
	MFI_ARO_SUBTYPE = 0x0080,
	MFI_ARO_APPTCOLOR = 0x0100,
	MFI_ARO_EXCEPTIONAL_BODY = 0x0200,
};

/* Minutes since 1601 (wall clock) <-> local seconds on the Unix scale. */
#define MFI_MINUTES_1601_TO_LOCAL(m) ((gint64)(m) * 60 - G_GINT64_CONSTANT(11644473600))

/* One modified occurrence (ExceptionInfo + its ExtendedException). */
typedef struct mfi_pst_exception {
	guint32 start;          /* new start, minutes since 1601 (local) */
	guint32 end;
	guint32 original_start; /* the occurrence it replaces */
	guint16 flags;          /* MFI_ARO_* */
	char *subject;          /* UTF-8 when MFI_ARO_SUBJECT, else NULL */
	char *location;         /* UTF-8 when MFI_ARO_LOCATION, else NULL */
	guint32 meeting_type, reminder_delta, reminder_set, busy_status;
	guint32 attachment, subtype, color;
} mfi_pst_exception;

typedef struct mfi_pst_recur {
	guint16 frequency;      /* MFI_RECUR_FREQ_* */
	guint16 pattern;        /* MFI_RECUR_PATTERN_* (0x000a.. Hijri variants) */
	guint16 calendar_type;  /* CAL_* ([MS-OXOCAL] 2.2.1.44.1); 0 Gregorian */
	guint32 first_date_time;
	guint32 period;         /* minutes (daily), weeks, or months */
	guint32 sliding;        /* tasks: non-zero when regenerating ([MS-OXOTASK] 3.1.4.6.2) */
	guint32 days;           /* day-of-week bits, bit 0 = Sunday (Week, MonthNth) */
	guint32 day_of_month;   /* Month, MonthEnd */
	guint32 nth;            /* MonthNth: 1..4, 5 = last */
	guint32 end_type;
	guint32 occurrence_count;
	guint32 first_dow;      /* 0 = Sunday */
	GArray *deleted;        /* guint32 minutes: original dates (midnight) deleted or modified */
	GArray *modified;       /* guint32 minutes: dates (midnight) of modified instances */
	guint32 start_date;     /* midnight of the first occurrence */
	guint32 end_date;       /* midnight of the last occurrence */

	/* AppointmentRecurrencePattern only */
	gboolean appointment;
	guint32 writer_version2;
	guint32 start_offset;   /* minutes after midnight */
	guint32 end_offset;
	GPtrArray *exceptions;  /* mfi_pst_exception* */
} mfi_pst_recur;

/* Parses a RecurrencePattern (`appointment` FALSE) or an
 * AppointmentRecurrencePattern (TRUE). 8-bit exception subjects/locations are
 * read in Windows code page `codepage` unless the Unicode copies exist.
 * NULL with *error (G_IO_ERROR_INVALID_DATA) naming the field that is
 * truncated or invalid. */
mfi_pst_recur *mfi_pst_recur_parse(const guint8 *data, gsize len, gboolean appointment,
                                   int codepage, GError **error);
void mfi_pst_recur_free(mfi_pst_recur *r);

/* Local seconds of the first occurrence's start (start_date + start_offset). */
gint64 mfi_pst_recur_first_start(const mfi_pst_recur *r);

/* The RRULE property (caller frees), or NULL with *why_r (static text) when
 * the pattern cannot be expressed in iCalendar (unknown calendar or pattern
 * types, calendars without an RFC 7529 RSCALE, zero period). `tz` (may be NULL:
 * floating) converts UNTIL to UTC; for `all_day` (DATE-valued DTSTART) UNTIL is
 * a DATE. Monthly and yearly patterns in a non-Gregorian calendar (Hijri,
 * Hebrew, Chinese and Korean lunar, Saka, Um al-Qura) count its months with
 * RSCALE; daily and weekly ones are plain rules in every calendar. */
icalproperty *mfi_pst_recur_rrule(const mfi_pst_recur *r, const mfi_pst_tz *tz,
                                  gboolean all_day, const char **why_r);

/* The non-Gregorian calendar whose months the RRULE counts, as Outlook names
 * it ("Hijri", "Hebrew", ...), and its RSCALE ("ISLAMIC-CIVIL", ...); NULL when
 * the pattern's dates are Gregorian ones (daily and weekly patterns always) or
 * the calendar has no RSCALE. */
const char *mfi_pst_recur_calendar_name(const mfi_pst_recur *r);
const char *mfi_pst_recur_rscale(const mfi_pst_recur *r);

/* Original starts (local seconds) of the deleted occurrences: deleted dates
 * that no exception replaces, at the series' start time. Sorted. */
GArray *mfi_pst_recur_exdates(const mfi_pst_recur *r);

/* The exception replacing the occurrence whose original start day (local) is
 * that of `original_local`, or NULL. */
const mfi_pst_exception *mfi_pst_recur_find_exception(const mfi_pst_recur *r,
                                                      gint64 original_local);

#endif
