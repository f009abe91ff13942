/* The one internal item model every reader produces and every writer consumes.
 *
 * Content is always in a standard representation:
 *   messages                     -> RFC 5322 / MIME bytes   (item->mime)
 *   events, tasks, notes         -> an iCalendar VCALENDAR  (item->ical) holding the
 *                                   master component, its RECURRENCE-ID overrides and
 *                                   the VTIMEZONEs they use
 *   contacts, distribution lists -> vCard 3.0 text          (item->vcard)
 *
 * Memory: an item owns everything it points to; mf_item_free() releases it all.
 */
#ifndef MAILFERRY_ITEM_H
#define MAILFERRY_ITEM_H

#include <glib.h>
#include <libical/ical.h>

typedef enum {
	MF_KIND_MESSAGE = 0,
	MF_KIND_EVENT,    /* appointment or meeting */
	MF_KIND_TASK,
	MF_KIND_NOTE,
	MF_KIND_CONTACT,
	MF_KIND_DISTLIST,
	MF_KIND_COUNT
} mf_kind;

#define MF_KIND_BIT(k) (1u << (k))
#define MF_KINDS_MAIL MF_KIND_BIT(MF_KIND_MESSAGE)
#define MF_KINDS_CALENDAR \
	(MF_KIND_BIT(MF_KIND_EVENT) | MF_KIND_BIT(MF_KIND_TASK) | MF_KIND_BIT(MF_KIND_NOTE))
#define MF_KINDS_CARDS (MF_KIND_BIT(MF_KIND_CONTACT) | MF_KIND_BIT(MF_KIND_DISTLIST))

/* Message state, in IMAP/Maildir terms. */
typedef enum {
	MF_FLAG_SEEN      = 1 << 0, /* Maildir S, mbox Status: R        */
	MF_FLAG_ANSWERED  = 1 << 1, /* Maildir R, mbox X-Status: A      */
	MF_FLAG_FLAGGED   = 1 << 2, /* Maildir F, mbox X-Status: F      */
	MF_FLAG_DELETED   = 1 << 3, /* Maildir T, mbox X-Status: D      */
	MF_FLAG_DRAFT     = 1 << 4, /* Maildir D, mbox X-Status: T      */
	MF_FLAG_FORWARDED = 1 << 5, /* Maildir P ("passed"), $Forwarded */
	MF_FLAG_RECENT    = 1 << 6, /* Maildir new/, mbox without Status: O */
} mf_flag;

typedef struct mf_item {
	mf_kind kind;

	/* Folder path as UTF-8 segments, NULL-terminated; an empty vector is the
	 * source's root (the inbox for mail stores). Never a filesystem path. */
	char **folder;

	/* Provenance: the source file and where in it the item was found
	 * ("offset 1234", "cur/1220863042.12663_1.mindcrime!2,S", "node 2097188"). */
	char *source;
	char *locator;

	guint flags;          /* mf_flag bits */
	GPtrArray *keywords;  /* char*, IMAP keywords (Maildir lower-case letters) */
	GPtrArray *categories;/* char*, Outlook categories */
	GPtrArray *repair_tags;/* char*, e.g. "Meetings_MissingOrganizer" */

	gint64 internal_date; /* seconds since the epoch (UTC); 0 when unknown */
	char *envelope_sender;/* mbox From_ line sender, or NULL */

	/* Multi-user sources (an MDaemon server, a CalendarServer dump): the address
	 * or id of the mailbox the item belongs to. The pipeline gives each mailbox
	 * its own output tree, OUTDIR/<mailbox after --map>/. NULL for one-mailbox
	 * sources. */
	char *mailbox;

	GBytes *mime;               /* MF_KIND_MESSAGE */
	icalcomponent *ical;        /* VCALENDAR for events, tasks, notes */
	char *vcard;                /* contacts and distribution lists */
} mf_item;

mf_item *mf_item_new(mf_kind kind, const char *source, const char *locator);
/* A new item made from `origin` (by a transform): the same source, folder and
 * mailbox, so it lands beside it. */
mf_item *mf_item_new_from(const mf_item *origin, mf_kind kind, const char *locator);
void mf_item_free(mf_item *item);

/* Takes a copy of the segments. */
void mf_item_set_folder(mf_item *item, const char *const *segments);
/* Adds to keywords/categories/repair_tags unless already present. */
void mf_item_add_keyword(mf_item *item, const char *keyword);
void mf_item_add_category(mf_item *item, const char *category);
void mf_item_add_repair_tag(mf_item *item, const char *tag);

/* Takes ownership of `bytes`. */
void mf_item_take_mime(mf_item *item, GBytes *bytes);

/* "a/b/c" for display and matching; "" for the root. Caller frees. */
char *mf_folder_to_string(const char *const *segments);
/* The reverse: splits on '/', dropping empty segments. Caller frees (g_strfreev). */
char **mf_folder_from_string(const char *path);
/* The item's folder behind its mailbox for a multi-user source
 * (["jdoe@example.com", "Calendar"]), else a copy of its folder: how the
 * report and inspect list it. Caller frees (g_strfreev). */
char **mf_item_listed_folder(const mf_item *item);

const char *mf_kind_name(mf_kind kind); /* "message", "event", ... */

/* The best date for a message when no internal date is known: its Date:
 * header, parsed with GMime. 0 when absent or unparseable. */
gint64 mf_mime_date(GBytes *mime);

#endif
