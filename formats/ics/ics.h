/* ics driver: iCalendar files (RFC 5545), parsed and serialized by libical. */
#ifndef MAILFERRY_ICS_H
#define MAILFERRY_ICS_H

#include "mailferry/driver.h"

#include <stdio.h>

/* One result waiting to be handed out by next(). */
typedef struct mfi_ics_result {
	mf_next_result result; /* MF_NEXT_ITEM or MF_NEXT_BROKEN */
	mf_item *item;         /* owned; may be NULL for BROKEN */
	GError *error;         /* owned; set for BROKEN */
} mfi_ics_result;

/* Where a top-level component came from, for items and messages. */
typedef struct mfi_ics_origin {
	const char *path;          /* source file */
	const char *const *folder; /* folder for its items */
	guint vcal_no;             /* 1-based number of the top-level component in the file */
} mfi_ics_origin;

/* ics-read.c */
int mfi_ics_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_ics_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_ics_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_ics_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_ics_ignored(mf_reader *reader);
void mfi_ics_close(mf_reader *reader);
/* Called with each top-level component a reader opened by mfi_ics_open()
 * parsed, before it is split into items: a reader built on this one (the
 * CalendarServer file store, formats/calstore) adjusts the stored
 * VCALENDAR as a whole there. */
typedef void (*mfi_ics_top_hook)(icalcomponent *top, gpointer data);
void mfi_ics_set_top_hook(mf_reader *reader, mfi_ics_top_hook hook, gpointer data);

/* ics-split.c: turns one parsed top-level component (normally a VCALENDAR; a
 * bare VEVENT/VTODO/VJOURNAL is accepted too) into items, one per UID and
 * component type, appended to `results` as mfi_ics_result*. Takes ownership
 * of `top`. Components that are neither calendar items nor VTIMEZONEs are
 * named in `ignored`. */
void mfi_ics_split(icalcomponent *top, const mfi_ics_origin *origin, GQueue *results,
                   GPtrArray *ignored);
void mfi_ics_result_free(mfi_ics_result *res);

/* ics-component.c: helpers shared by reader and writer. */
gboolean mfi_ics_is_item_kind(icalcomponent_kind kind);
/* Appends to `tzids` (char*, owned) each TZID parameter value used in `comp`
 * and its subcomponents that is not already listed. */
void mfi_ics_collect_tzids(icalcomponent *comp, GPtrArray *tzids);
/* The first X-LIC-ERROR text libical left in `comp` or below, or NULL. */
const char *mfi_ics_first_parse_error(icalcomponent *comp);
/* Removes the X-LIC-ERROR notes libical adds when it drops a property whose
 * value is empty (nothing of the item is lost); returns how many. */
guint mfi_ics_drop_empty_value_notes(icalcomponent *comp);
/* Replaces each date or date-time value libical accepted but that is out of
 * range (a negative year, month 13...) in `comp` and below (not in
 * VTIMEZONEs) by the X-LIC-ERROR note libical gives a value it cannot parse,
 * with the original text; returns how many. */
guint mfi_ics_flag_bad_times(icalcomponent *comp);
/* Turns libical's X-LIC-ERROR notes (in `comp` and below) into
 * X-MAILFERRY-UNPARSED properties with the same text, so written output never
 * reads as a parse error; returns how many. The repair transforms normally
 * did this already (tag Items_InvalidProperty); the writer does it again. */
guint mfi_ics_keep_unparsed(icalcomponent *comp);
/* Adds a DTSTAMP derived from the component's own dates when it has none. */
void mfi_ics_ensure_dtstamp(icalcomponent *comp);
/* `text` as a paragraph at the end of DESCRIPTION (added when there is none). */
void mfi_ics_append_description(icalcomponent *comp, const char *text);
/* A deep copy that keeps every value (see the libical note there). */
icalcomponent *mfi_ics_clone(icalcomponent *comp);
/* Appends the component's iCalendar text: CRLF line ends, folded at 75 octets. */
void mfi_ics_append_serialized(GString *out, icalcomponent *comp);
/* A VTIMEZONE for an Olson TZID from libical's built-in database, with its
 * TZID set to `tzid`; NULL when libical does not know it. Caller frees. */
icalcomponent *mfi_ics_builtin_vtimezone(const char *tzid);

/* ics-vcal1.c: vCalendar 1.0 -> iCalendar 2.0, one logical line at a time. */
/* The next logical line (folds and quoted-printable soft breaks joined), no
 * line end; NULL at end of file. Caller frees. */
char *mfi_vcal1_read_line(FILE *fp);
/* Appends the iCalendar 2.0 line(s) for one vCalendar 1.0 line to `out` (char*). */
void mfi_vcal1_upgrade_line(const char *line, GPtrArray *out);
/* TRUE when the first bytes of a calendar file declare VERSION:1.0. */
gboolean mfi_vcal1_sniff(const guint8 *head, gsize len);

/* ics-write.c */
mf_writer *mfi_ics_writer_open(const char *outdir, const mf_options *opts, GError **error);
gboolean mfi_ics_put(mf_writer *writer, const mf_item *item, GError **error);
gboolean mfi_ics_writer_close(mf_writer *writer, GError **error);

/* An ATTACH with the bytes inline (RFC 5545 3.8.1.1: ENCODING=BASE64;
 * VALUE=BINARY), FMTTYPE and the file name in X-FILENAME as Outlook and Apple
 * write it (each left out when NULL or empty). For readers that carry
 * attachments into iCalendar (PST, CalendarServer). */
icalproperty *mfi_ics_binary_attach(const void *data, gsize len, const char *type,
                                    const char *filename);

#endif
