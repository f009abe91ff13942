/* Options that reach drivers and transforms. Filled by the CLI; drivers only read. */
#ifndef MAILFERRY_OPTIONS_H
#define MAILFERRY_OPTIONS_H

#include <glib.h>

typedef enum {
	MF_MBOX_RD = 0, /* default: ">From " quoting is reversible */
	MF_MBOX_O,
	MF_MBOX_CL2,
} mf_mbox_format;

typedef enum {
	MF_TRAVEL_APPOINTMENTS = 0, /* default: extra "Travel: …" appointments */
	MF_TRAVEL_KEEP,             /* keep the X-APPLE-TRAVEL-* properties only */
	MF_TRAVEL_DROP,             /* remove them */
} mf_travel_time;

typedef struct mf_options {
	const char *from_format;   /* --from: force a reader by name, or NULL to detect */
	const char *to_format;     /* --to */
	const char *outdir;        /* -o */
	mf_mbox_format mbox_format;
	gboolean dry_run;
	gboolean fsync_items;      /* --fsync: fsync every item before rename */
	gboolean progress;         /* --progress, or stderr is a TTY */
	gboolean verbose;
	gboolean pst_recover;      /* --recover: PST/OST orphan and deleted items too */
	guint jobs;                /* --jobs: threads converting items in parallel (PST/OST),
	                            * 0 = one per processor for files of 384 KiB or more */
	const char *attachments_dir; /* --attachments DIR: a CalendarServer AttachmentsRoot;
	                              * ATTACH links found there are embedded */

	/* folder selection (src/transform/folder-filter.c, folder-rename.c) */
	GPtrArray *include;        /* GRegex* */
	GPtrArray *exclude;        /* GRegex* */
	gboolean exclude_system;
	GPtrArray *renames;        /* mf_rename* */

	/* calendar rescue (src/transform/user-map.c, repair-*.c, travel-time.c,
	 * meetings-flat.c) */
	const char *owner;         /* --owner ADDR: organizer for meetings that lost theirs */
	GHashTable *user_map;      /* --map FILE: lower-case old address -> new address */
	GHashTable *user_map_domains; /* "@domain" of the map's old addresses (a set) */
	mf_travel_time travel_time;/* --travel-time */
	gboolean meetings_flat;    /* --meetings flat */

	/* every SOURCE of the run, in order, NULL-terminated (writers that list their
	 * sources, e.g. the ews bundle manifest); may be NULL */
	const char *const *sources;

	/* --to ews (formats/ews/) */
	const char *mailbox;       /* --mailbox ADDR: target mailbox (mapped with --map) */
	const char *ews_version;   /* --ews-version: RequestServerVersion, NULL = Exchange2013_SP1 */
	guint batch_items;         /* --batch-items: items per request, 0 = 50 */
	guint64 batch_bytes;       /* --batch-bytes: bytes of item XML per request, 0 = 25 MiB */
} mf_options;

#endif
