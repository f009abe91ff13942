/* PST/OST items other than messages -> iCalendar / vCard ([MS-OXCICAL],
 * [MS-OXVCARD]):
 *
 *   IPM.Appointment*   -> VEVENT (+ RRULE/EXDATE, RECURRENCE-ID overrides,
 *                         VTIMEZONE, ORGANIZER/ATTENDEE, VALARM)  pst-calendar.c
 *   IPM.Task*          -> VTODO                                   pst-task.c
 *   IPM.StickyNote*,
 *   IPM.Activity*      -> VJOURNAL (notes, journal entries)       pst-task.c
 *   IPM.Contact*       -> vCard 3.0                               pst-contact.c
 *   IPM.DistList*      -> vCard 3.0 group: X-ADDRESSBOOKSERVER-KIND:group and one
 *                         X-ADDRESSBOOKSERVER-MEMBER;X-CN="name":mailto:addr per
 *                         member of PidLidDistributionListOneOffMembers, the
 *                         vCard 3.0 form Apple Contacts and CardDAV servers use
 *                         for groups (vCard 4.0 KIND:group/MEMBER is the same
 *                         model); the vcf reader maps it back to MF_KIND_DISTLIST
 *                                                                 pst-contact.c
 * Meeting requests/responses (IPM.Schedule.Meeting.*) and everything else stay
 * messages (pst-mime.c); mfi_pst_build_vcalendar() gives their text/calendar.
 *
 * Named properties (PidLid*) are looked up by property set GUID and LID
 * (pst-named.c): a LID alone is ambiguous (e.g. 0x0003 is PidLidGlobalObjectId
 * in PSETID_Meeting and something else in other sets).
 */
#ifndef MAILFERRY_PST_ITEMS_H
#define MAILFERRY_PST_ITEMS_H

#include "pst.h"
#include "pst-recur.h"
#include "pst-tz.h"
#include "pst-vevent.h"

/* The kind an item of each message class becomes is mfi_pst_class_kind()'s
 * (pst.h): MF_KIND_MESSAGE for anything not listed above, including NULL. */

/* Converts one item of that kind (dispatches on `kind`). The item is not
 * given a folder. NULL with *error (MF_ERROR) naming pf->path and `locator`
 * when the item cannot be converted at all; smaller losses become repair tags
 * ("PST_RecurrenceUnreadable", "PST_RecurrenceUnsupported", ...). */
mf_item *mfi_pst_item_convert(const mfi_pst_file *pf, libpff_item_t *item, mf_kind kind,
                              const char *locator, GError **error);

mf_item *mfi_pst_item_to_event(const mfi_pst_file *pf, libpff_item_t *item,
                               const char *locator, GError **error);
mf_item *mfi_pst_item_to_task(const mfi_pst_file *pf, libpff_item_t *item,
                              const char *locator, GError **error);
mf_item *mfi_pst_item_to_note(const mfi_pst_file *pf, libpff_item_t *item,
                              const char *locator, GError **error);
mf_item *mfi_pst_item_to_contact(const mfi_pst_file *pf, libpff_item_t *item,
                                 const char *locator, GError **error);
mf_item *mfi_pst_item_to_distlist(const mfi_pst_file *pf, libpff_item_t *item,
                                  const char *locator, GError **error);

/* The VCALENDAR (VTIMEZONE + VEVENT master + overrides, no METHOD) of an
 * appointment or a meeting request/response/cancellation; the caller may add
 * METHOD (mfi_pst_itip_method). For responses the ORGANIZER is the recipient
 * and the sender the replying ATTENDEE; cancellations get STATUS:CANCELLED.
 * `tags` (may be NULL) receives repair tags (char*, static strings). */
icalcomponent *mfi_pst_build_vcalendar(const mfi_pst_file *pf, libpff_item_t *item,
                                       const char *locator, GPtrArray *tags, GError **error);

/* ---- pst-named.c: named properties by (property set, LID) ---------------- */

typedef enum {
	MFI_PSET_APPOINTMENT, /* {00062002-0000-0000-C000-000000000046} */
	MFI_PSET_TASK,        /* {00062003-0000-0000-C000-000000000046} */
	MFI_PSET_ADDRESS,     /* {00062004-0000-0000-C000-000000000046} */
	MFI_PSET_COMMON,      /* {00062008-0000-0000-C000-000000000046} */
	MFI_PSET_LOG,         /* {0006200A-0000-0000-C000-000000000046} */
	MFI_PSET_NOTE,        /* {0006200E-0000-0000-C000-000000000046} */
	MFI_PSET_MEETING,     /* {6ED8DA90-450B-101B-98DA-00AA003F1305} */
	MFI_PSET_COUNT
} mfi_pset;

/* An item's named numeric properties, indexed once. */
typedef struct mfi_pst_named mfi_pst_named;

/* Never NULL (empty when the item's properties cannot be read). */
mfi_pst_named *mfi_pst_named_load(libpff_item_t *item);
void mfi_pst_named_free(mfi_pst_named *named);
/* FALSE when the item's property record set could not be read at all. */
gboolean mfi_pst_named_readable(const mfi_pst_named *named);
/* 1 found, 0 absent, -1 unreadable (like pst.h's helpers). */
int mfi_pst_named_int(mfi_pst_named *named, mfi_pset set, guint32 lid, gint64 *value_r);
int mfi_pst_named_double(mfi_pst_named *named, mfi_pset set, guint32 lid, double *value_r);
/* FILETIME as Unix seconds (UTC). */
int mfi_pst_named_time(mfi_pst_named *named, mfi_pset set, guint32 lid, gint64 *unix_r);
/* NULL when absent/unreadable; caller frees / unrefs. */
char *mfi_pst_named_string(mfi_pst_named *named, mfi_pset set, guint32 lid, int codepage);
GBytes *mfi_pst_named_binary(mfi_pst_named *named, mfi_pset set, guint32 lid);
/* Multi-valued binary (PtypMultipleBinary), NULL when absent; GBytes* elements. */
GPtrArray *mfi_pst_named_binaries(mfi_pst_named *named, mfi_pset set, guint32 lid);

/* ---- shared between pst-calendar.c and pst-task.c ----------------------- */

/* A new item of `kind` with source/locator, dates and categories filled in. */
mf_item *mfi_pst_item_new(const mfi_pst_file *pf, libpff_item_t *item, mf_kind kind,
                          const char *locator, int codepage);
/* A VCALENDAR holding `comp` (and `vtz` when not NULL); takes both. */
icalcomponent *mfi_pst_vcalendar_wrap(icalcomponent *comp, icalcomponent *vtz);
/* UID, DTSTAMP, CREATED, LAST-MODIFIED, SUMMARY, DESCRIPTION, CLASS, PRIORITY,
 * CATEGORIES common to events, tasks and notes. */
void mfi_pst_add_common_props(const mfi_pst_file *pf, libpff_item_t *item,
                              mfi_pst_named *named, icalcomponent *comp, int codepage);
/* The UID: from PidLidGlobalObjectId per [MS-OXCICAL] 2.1.3.1.1.20.26, else
 * derived from the search key / node id. Caller frees. */
char *mfi_pst_item_uid(const mfi_pst_file *pf, libpff_item_t *item, mfi_pst_named *named);
/* UID text from a GlobalObjectId blob (pure; exposed for tests). NULL when
 * the blob is not one. Caller frees. */
char *mfi_pst_goid_to_uid(const guint8 *data, gsize len);
/* pst-attendees.c: ORGANIZER and ATTENDEEs of `msg` (its recipient table and
 * sender) onto `comp`; the organizer only when `meeting` or there are
 * attendees. Returns the number of ATTENDEEs added. */
int mfi_pst_add_attendees(icalcomponent *comp, libpff_item_t *msg, int codepage,
                          gboolean meeting);
/* A meeting response's calendar users ([MS-OXCICAL] METHOD:REPLY): the
 * recipient is the ORGANIZER, the sender the ATTENDEE with `partstat`. */
void mfi_pst_add_reply_people(icalcomponent *comp, libpff_item_t *msg, int codepage,
                              icalparameter_partstat partstat);
/* iTIP method for a message class: "REQUEST" (IPM.Schedule.Meeting.Request),
 * "REPLY" (...Resp.*), "CANCEL" (...Canceled), "PUBLISH" otherwise. */
const char *mfi_pst_itip_method(const char *message_class);

/* pst-card-attach.c: the attachments of a contact or distribution list as
 * vCard 3.0 lines. With `photo` (not NULL), the first readable by-value
 * attachment flagged PidTagAttachmentContactPhoto becomes the PHOTO line there;
 * every other one, embedded messages as message/rfc822, an X-MAILFERRY-ATTACHMENT
 * line onto `files` (and "PST_ContactAttachments" into `tags`). One that cannot
 * be read becomes a line of `notes` (for NOTE) and "PST_AttachmentUnreadable".
 * `tags` gets static strings, each once. */
void mfi_pst_card_attachments(const mfi_pst_file *pf, libpff_item_t *item, GString *photo,
                              GString *files, GString *notes, GPtrArray *tags);

/* pst-contact.c: a one-off EntryID ([MS-OXCDATA] 2.2.5.1, as in
 * PidLidDistributionListOneOffMembers) -> display name, address type, address
 * (UTF-8, caller frees). FALSE when the bytes are not a one-off EntryID. */
gboolean mfi_pst_parse_one_off(const guint8 *data, gsize len, char **name_r, char **type_r,
                               char **addr_r);

#endif
