/* Helpers shared by the calendar repair transforms (src/transform/repair-*.c).
 * Private to src/transform. */
#ifndef MAILFERRY_TRANSFORM_REPAIR_H
#define MAILFERRY_TRANSFORM_REPAIR_H

#include "mailferry/transform.h"

/* Where text libical could not parse is kept (one property per note). */
#define MFR_X_UNPARSED "X-MAILFERRY-UNPARSED"
/* What a repair changed, with the original values (one property per repair). */
#define MFR_X_REPAIR "X-MAILFERRY-REPAIR"

/* TRUE for events, tasks and notes that carry a VCALENDAR. */
gboolean mfr_is_calendar(const mf_item *item);
/* The VEVENT/VTODO/VJOURNAL components of the item, in order (borrowed;
 * free the array with g_ptr_array_unref). */
GPtrArray *mfr_components(const mf_item *item);
/* The component without RECURRENCE-ID (the master), else NULL. */
icalcomponent *mfr_master(const mf_item *item);

/* Marks a repair: the tag in item->repair_tags (counted in the report's
 * "repairs" by the pipeline), the same name in item->categories and in the
 * CATEGORIES of every component, so a person can search for it later. */
void mfr_tag(mf_item *item, const char *tag);
/* Adds `text` as a new paragraph at the end of DESCRIPTION (created if absent). */
void mfr_append_description(icalcomponent *comp, const char *text);
const char *mfr_description(icalcomponent *comp);
/* "Name <mailto:a@b>, OPT-PARTICIPANT (ACCEPTED)" for an ATTENDEE/ORGANIZER. */
char *mfr_person_line(icalproperty *p);
/* Adds an X-MAILFERRY-REPAIR property saying what was changed and from what. */
void mfr_note(icalcomponent *comp, const char *text);

/* Removes libical's X-LIC-ERROR notes about property `name` (e.g. "RRULE")
 * from `comp` and returns the values libical dropped with them (the text
 * after "Removing entire property: "), as char*. Empty when none. */
GPtrArray *mfr_take_parse_errors(icalcomponent *comp, const char *name);

/* A date or date-time salvaged from text libical could not parse
 * ("19970324T1200Z" -> 19970324T120000Z, TZID="Zone:20200609T090000" ->
 * 20200609T090000 in Zone); FALSE when nothing usable is in it. `tzid_r`
 * gets a TZID to set (caller frees) or NULL. */
gboolean mfr_salvage_time(const char *text, struct icaltimetype *t_r, char **tzid_r);

/* A deep copy that keeps every value: a text round trip, because libical
 * 3.0's icalcomponent_new_clone() empties non-standard values of enumerated
 * properties ("STATUS:Needs Action" becomes "STATUS:"). */
icalcomponent *mfr_clone(icalcomponent *comp);

/* The component's iCalendar text on one line, its lines joined by " | ",
 * to keep in a note. Caller frees. */
char *mfr_flat_text(icalcomponent *comp);

/* A stable hex digest of the item's components without the properties that
 * change between copies of one item (DTSTAMP, LAST-MODIFIED, SEQUENCE-less
 * volatile X-props are kept): the basis of derived UIDs and of dedupe. */
char *mfr_content_digest(icalcomponent *comp);

/* --map keys: lower case, blanks and a leading "mailto:" removed. Caller frees. */
char *mfr_address_key(const char *value);
/* user-map-mail.c: --map on a message's From/Sender/To/Cc/Bcc (for --to ews). */
void mfr_map_message_addresses(mf_item *item, GHashTable *map, GHashTable *domains,
                               mf_report *report);

#endif
