/* Private to the MDaemon groupware decoders (mdaemon-groupware.c, mdaemon-gw-xml.c,
 * mdaemon-calendar.c, mdaemon-recurrence.c, mdaemon-contacts.c, mdaemon-pim.c).
 * The reader sees only mdaemon.h. Formats: ../shared/docs/formats.md D.6, D.7. */
#ifndef MAILFERRY_FORMATS_MDAEMON_GW_H
#define MAILFERRY_FORMATS_MDAEMON_GW_H

#include "mdaemon.h"

#include <libxml/tree.h>

/* One groupware file being decoded. */
typedef struct mfi_mdgw_file {
	const char *path;  /* as given to mfi_mdaemon_groupware_read */
	char *name;        /* base name, for locators ("Calendar.mrk") */
	GArray *errs;      /* mfi_mdgw_xml_error: what libxml2 recovered from */
	GPtrArray *entries;/* mfi_mdaemon_entry*, the caller's array */
	char *data;        /* the file's bytes while it is decoded (NUL-terminated) */
	gsize len;
} mfi_mdgw_file;

typedef struct mfi_mdgw_xml_error {
	int line;          /* where it belongs: the start of an unclosed tag, else where seen */
	char *msg;         /* "line 12: Opening and ending tag mismatch: ..." */
	gboolean root_unclosed; /* the root element was never closed (truncated file) */
	gboolean claimed;  /* reported as the problem of an element */
} mfi_mdgw_xml_error;

/* ---- mdaemon-gw-xml.c: the XML layer (libxml2, recovery, no network) ---- */

/* Parses the file with recovery; NULL with *error when nothing usable is in
 * it (unreadable, empty, no root element). Invalid UTF-8 is read as
 * Windows-1252. Errors libxml2 recovered from are kept in f. */
xmlDoc *mfi_mdgw_load(mfi_mdgw_file *f, GError **error);
/* NULL, or the libxml2 errors inside the element (truncated, malformed):
 * "line 12: Premature end of data ...", marked claimed. Caller frees. */
char *mfi_mdgw_node_error(mfi_mdgw_file *f, xmlNode *n);
/* The source lines of element n as they are in the file (for a damaged
 * element: what libxml2 could not read is kept there), at most 64 KiB,
 * converted to UTF-8 when it is not. Caller frees. */
char *mfi_mdgw_node_source(const mfi_mdgw_file *f, xmlNode *n);
/* The errors no element claimed, joined; NULL when none. Caller frees. */
char *mfi_mdgw_unclaimed_errors(const mfi_mdgw_file *f);
void mfi_mdgw_file_clear(mfi_mdgw_file *f);
/* TRUE when n is an element named `name` (ASCII case-insensitive). */
gboolean mfi_mdgw_is(const xmlNode *n, const char *name);
/* The first child element named `name`, or NULL. */
xmlNode *mfi_mdgw_child(const xmlNode *n, const char *name);
/* Text content of an element (CDATA included); NULL for NULL. Caller frees. */
char *mfi_mdgw_text(const xmlNode *n);
/* Text of child `name`, stripped; NULL when absent or empty. Caller frees. */
char *mfi_mdgw_child_text(const xmlNode *n, const char *name);
/* Attribute value (case-insensitive name), or NULL. Caller frees. */
char *mfi_mdgw_attr(const xmlNode *n, const char *name);
/* Attribute as integer; `dflt` when absent or not a number. */
gint64 mfi_mdgw_attr_int(const xmlNode *n, const char *name, gint64 dflt);
/* "X-MDAEMON-" + the name upper-cased, characters outside [A-Z0-9-] -> '-'. */
char *mfi_mdgw_xname(const char *name);
/* The element as XML text (for an unknown element with children). */
char *mfi_mdgw_node_xml(xmlNode *n);
/* What to keep of an unknown element: its text, or its XML when it has
 * attributes or child elements. Caller frees. */
char *mfi_mdgw_node_value(xmlNode *n);
/* "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DD" -> floating date-time; FALSE when
 * it is not a valid date. */
gboolean mfi_mdgw_time(const char *text, struct icaltimetype *t_r);

/* ---- mdaemon-groupware.c ---- */

/* Appends an entry; takes item (may be NULL) and problem (may be NULL). */
void mfi_mdgw_add(mfi_mdgw_file *f, mf_item *item, char *problem);
/* "Calendar.mrk Event ID=7" (or "Calendar.mrk Event #3" without an ID). */
char *mfi_mdgw_locator(const mfi_mdgw_file *f, xmlNode *n, guint position);
/* A deterministic UID when the item has none: hex digest of path + locator. */
char *mfi_mdgw_fallback_uid(const mfi_mdgw_file *f, const char *locator);

/* ---- mdaemon-gw-ical.c: iCalendar pieces shared by events, tasks, notes ---- */

void mfi_mdgw_add_x(icalcomponent *comp, const char *name, const char *value);
/* Attributes and child elements of n not in the NULL-terminated lists (ASCII
 * case-insensitive) become X-MDAEMON-<prefix><NAME> properties: the value of
 * an attribute, the text of a child, or the XML of a child with elements. */
void mfi_mdgw_keep_unknown(icalcomponent *comp, xmlNode *n, const char *prefix,
                           const char *const *known_attrs, const char *const *known_children);
/* "name=value;..." of all attributes of n, for an X- property; "" when none. */
char *mfi_mdgw_attrs_string(xmlNode *n);
/* ORGANIZER or ATTENDEE from an RFC 5322 mailbox ("Name" <a@b>, a@b, Name):
 * CN + mailto:, "invalid:nomail" (Outlook's form) when there is no address. */
icalproperty *mfi_mdgw_person(const char *mailbox, gboolean organizer);
/* Outlook busy status 0..4 -> X-MICROSOFT-CDO-BUSYSTATUS + TRANSP. */
void mfi_mdgw_set_busy(icalcomponent *comp, gint64 status, gboolean intended);
/* Outlook importance 0 low / 1 normal / 2 high -> PRIORITY 9 / none / 1 (as the
 * PST reader does) + X-MICROSOFT-CDO-IMPORTANCE. */
void mfi_mdgw_set_importance(icalcomponent *comp, gint64 importance);
/* CATEGORIES from a ',' or ';' separated list; also into item->categories. */
void mfi_mdgw_set_categories(icalcomponent *comp, mf_item *item, const char *list);
/* A DISPLAY VALARM `minutes` before the start. */
icalcomponent *mfi_mdgw_valarm(gint64 minutes, const char *text);
/* Removes every property of `kind` (ICAL_X_PROPERTY: those named `xname`). */
void mfi_mdgw_remove(icalcomponent *comp, icalproperty_kind kind, const char *xname);
/* VCALENDAR 2.0 with PRODID. */
icalcomponent *mfi_mdgw_vcalendar(void);

/* ---- mdaemon-calendar.c: Calendar.mrk Event -> VEVENT ---- */
void mfi_mdgw_calendar(mfi_mdgw_file *f, xmlNode *root);

/* ---- mdaemon-recurrence.c: Recurrence, TimeZone -> RRULE, EXDATE, overrides ---- */

/* The event's time frame, shared by calendar and recurrence code. */
typedef struct mfi_mdgw_times {
	gboolean all_day;
	gboolean has_zone;
	int bias;        /* Windows bias in minutes: UTC = local + bias */
	char *tzid;      /* "MDaemon UTC+07:00" when has_zone */
} mfi_mdgw_times;

/* Reads Recurrence/TimeZone into t (no zone when absent or unusable). */
void mfi_mdgw_times_init(mfi_mdgw_times *t, xmlNode *event);
void mfi_mdgw_times_clear(mfi_mdgw_times *t);
/* A DTSTART/DTEND/RECURRENCE-ID/EXDATE-style property from a local time:
 * VALUE=DATE when all-day, else with TZID when a zone is known, else floating. */
icalproperty *mfi_mdgw_time_prop(const mfi_mdgw_times *t,
                                 icalproperty *(*make)(struct icaltimetype),
                                 struct icaltimetype local);
/* A local wall time to UTC with the zone's bias (unchanged, marked UTC, without). */
struct icaltimetype mfi_mdgw_to_utc(const mfi_mdgw_times *t, struct icaltimetype local);
/* The fixed-offset VTIMEZONE for t->tzid. */
icalcomponent *mfi_mdgw_vtimezone(const mfi_mdgw_times *t);
/* Adds RRULE + EXDATEs to the master (whose DTSTART/DTEND the caller set from
 * series_start/duration) and appends one RECURRENCE-ID VEVENT per changed
 * occurrence to cal. Unknown pieces go into X-MDAEMON-* properties; FALSE
 * (with *why_r) when the pattern has no RRULE form. */
gboolean mfi_mdgw_recurrence(xmlNode *recur, const mfi_mdgw_times *t, icalcomponent *cal,
                             icalcomponent *master, struct icaltimetype series_start,
                             int duration_secs, char **why_r);
/* The Recurrence's first occurrence (Recurrence/Start), FALSE when absent. */
gboolean mfi_mdgw_recurrence_start(xmlNode *recur, struct icaltimetype *start_r);

/* ---- mdaemon-contacts.c: AddrBook.mrk -> vCard 3.0 ---- */
void mfi_mdgw_contacts(mfi_mdgw_file *f, xmlNode *root);

/* ---- mdaemon-pim.c: Tasks.mrk -> VTODO, Notes.mrk -> VJOURNAL (names unconfirmed) ---- */
void mfi_mdgw_tasks(mfi_mdgw_file *f, xmlNode *root);
void mfi_mdgw_notes(mfi_mdgw_file *f, xmlNode *root);

#endif
