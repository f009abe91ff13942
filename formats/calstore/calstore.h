/* Private to formats/calstore: Apple calendar stores read from a directory tree
 * (../shared/docs/formats.md A.14 and Part C):
 *
 *   * the file-based store of CalendarServer 1.x/2.x (DocumentRoot/calendars/
 *     __uids__/XX/YY/<UID>/<collection>/<name>.ics, older calendars/users/<name>/...):
 *     one mailbox per home, one folder per calendar collection, one resource
 *     per .ics file; address books (addressbooks/...) likewise with .vcf;
 *   * macOS Calendar.app data (~/Library/Calendars with <UUID>.calendar/
 *     Info.plist + Events/<name>.ics, accounts <UUID>.caldav/ ...), and Calendar
 *     archives (.icbu directories), which hold the same tree.
 *
 * The resources themselves are decoded by the ics (or vcf) reader, opened on
 * one file at a time: this driver only finds them, names their folders and
 * owners, and lists everything else it saw as ignored.
 * Nothing outside formats/calstore/ and its unit test includes this file. */
#ifndef MAILFERRY_FORMATS_CALSTORE_H
#define MAILFERRY_FORMATS_CALSTORE_H

#include <glib.h>
#include "mailferry/driver.h"

/* ---- calstore-plist.c (XML) + calstore-bplist.c (binary "bplist00"):
 * property lists, as Info.plist files hold them ---- */

#define MFI_PLIST_MAX_BYTES (4u << 20)  /* larger Info.plist files are refused */
#define MFI_PLIST_MAX_DEPTH 64          /* nesting of arrays/dicts */
#define MFI_PLIST_MAX_NODES 200000      /* values built from one file */

typedef enum {
	MFI_PLIST_STRING,  /* string (UTF-8) */
	MFI_PLIST_INTEGER, /* integer */
	MFI_PLIST_REAL,    /* real */
	MFI_PLIST_BOOL,    /* true/false: integer 1/0 */
	MFI_PLIST_DATE,    /* date: real = seconds since 2001-01-01 00:00 UTC */
	MFI_PLIST_DATA,    /* data */
	MFI_PLIST_ARRAY,   /* array (and binary sets) */
	MFI_PLIST_DICT,    /* dict: keys[i] -> items[i] */
	MFI_PLIST_UID,     /* binary-only CF$UID: integer */
	MFI_PLIST_NULL,    /* binary-only null */
} mfi_plist_type;

typedef struct mfi_plist {
	mfi_plist_type type;
	char *string;      /* STRING */
	gint64 integer;    /* INTEGER, BOOL, UID */
	double real;       /* REAL, DATE */
	GBytes *data;      /* DATA */
	GPtrArray *items;  /* ARRAY, DICT: mfi_plist* (owned) */
	GPtrArray *keys;   /* DICT: char* (owned), parallel to items */
} mfi_plist;

/* A value of `type` with nothing in it (empty containers for ARRAY/DICT). */
mfi_plist *mfi_plist_new(mfi_plist_type type);
void mfi_plist_free(mfi_plist *pl);
/* Adds `value` (taken) under `key` (copied) to a DICT. */
void mfi_plist_dict_add(mfi_plist *dict, const char *key, mfi_plist *value);
/* The value under `key` in a DICT, or NULL (also when `dict` is not a DICT). */
const mfi_plist *mfi_plist_get(const mfi_plist *dict, const char *key);
/* The STRING under `key`, or NULL. */
const char *mfi_plist_get_string(const mfi_plist *dict, const char *key);

/* Parses plist bytes, XML or binary (chosen by the "bplist00" magic).
 * `what` names the file in error messages. NULL with *error (MF_ERROR_ITEM)
 * when the bytes are not a well-formed plist within the limits above. */
mfi_plist *mfi_plist_parse(const guint8 *data, gsize len, const char *what, GError **error);
mfi_plist *mfi_plist_parse_xml(const guint8 *data, gsize len, const char *what, GError **error);
/* Reads and parses a plist file (a regular file, not a symbolic link). */
mfi_plist *mfi_plist_load(const char *path, GError **error);

/* calstore-bplist.c: binary property list ("bplist00"). Every offset, count
 * and reference is checked against the buffer; a reference to an object that
 * is being decoded (a cycle) is an error. */
mfi_plist *mfi_plist_parse_binary(const guint8 *data, gsize len, const char *what,
                                  GError **error);

/* ---- calstore-davprops.c: WebDAV properties a CalendarServer file store kept
 * in extended attributes (formats.md A.14) ---- */

/* The DAV:displayname of the file or directory `path`, from its extended
 * attributes ("user.{DAV:}displayname" on Linux, "WebDAV:{DAV:}displayname"
 * on macOS, optionally "<owner_uid>" before the "{"), value zlib-compressed or
 * plain XML. NULL when there is none or it cannot be read (copied dumps often
 * lost their xattrs). Caller frees. */
char *mfi_calstore_dav_displayname(const char *path, const char *owner_uid);
/* The text of the root element of a DAV property value (zlib-compressed or
 * plain XML), trimmed; NULL when it is neither. Caller frees. Pure. */
char *mfi_calstore_dav_value_text(const guint8 *value, gsize len);

/* calstore-appledouble.c: the extended attributes kept in an AppleDouble
 * "._<name>" file. Returns the DAV value text (as mfi_calstore_dav_value_text)
 * of the first attribute whose name `match` accepts, or NULL. Pure. */
char *mfi_calstore_appledouble_find(const guint8 *data, gsize len,
                                    gboolean (*match)(const char *name, gpointer user),
                                    gpointer user);

/* ---- calstore-store.c: what the walkers found ---- */

/* One collection: a directory whose resource files become items. */
typedef struct mfi_calstore_collection {
	char *rel;        /* directory relative to the store root ("" = the root) */
	char **folder;    /* item folder segments */
	char *mailbox;    /* owner for multi-user stores, NULL otherwise */
	const mf_reader_driver *decoder; /* the ics or vcf reader */
	GPtrArray *files; /* resource paths relative to rel, sorted */
} mfi_calstore_collection;

typedef struct mfi_calstore_store {
	char *root;              /* the source path */
	GPtrArray *collections;  /* mfi_calstore_collection*, walk order */
	GPtrArray *ignored;      /* char*: "<rel path> (<why>)" */
	GHashTable *folders;     /* "mailbox\n a/b" of folders handed out, for uniqueness */
	gboolean calendarserver; /* resources are CalendarServer's stored data */
} mfi_calstore_store;

mfi_calstore_store *mfi_calstore_store_new(const char *root);
void mfi_calstore_store_free(mfi_calstore_store *store);
/* Lists `rel` as ignored, with why. */
void mfi_calstore_ignore(mfi_calstore_store *store, const char *rel, const char *why);
/* Lists every file under directory `rel` (recursively; links are not
 * followed) as ignored with why; an empty directory is listed itself. */
void mfi_calstore_ignore_tree(mfi_calstore_store *store, const char *rel, const char *why);
/* Adds a collection for directory `rel`: the regular files ending in `ext`
 * directly in it (or anywhere under it when `recursive`) are its resources;
 * every other entry is listed as ignored (`skip_name`, when not NULL, is
 * already accounted for and not listed). A folder already handed out for the
 * same mailbox gets " (2)", " (3)"... appended to its last segment. */
mfi_calstore_collection *mfi_calstore_add_collection(mfi_calstore_store *store, const char *rel,
                                                     const char *const *folder,
                                                     const char *mailbox, const char *ext,
                                                     gboolean recursive, const char *skip_name);
/* Why a file the walkers do not read is ignored (.DS_Store, ._* sidecars,
 * .db.sqlite indexes, Info.plist, Calendar Cache...). */
const char *mfi_calstore_why(const char *name, gboolean is_reg);
/* The bytes of a regular file (not a link) of at most `max` bytes, with a
 * NUL after them; NULL with *error (MF_ERROR_ITEM, naming the file) else. */
guint8 *mfi_calstore_read_file(const char *path, gsize max, gsize *len_r, GError **error);
/* A file or directory name as folder, owner or report text: valid UTF-8
 * (bad bytes replaced), NFC (macOS stores names decomposed). Caller frees. */
char *mfi_calstore_utf8(const char *name);
/* `rel` joined to `name` ("" + "a" = "a"). Caller frees. */
char *mfi_calstore_join(const char *rel, const char *name);
/* The absolute path of `rel`. Caller frees. */
char *mfi_calstore_path(const mfi_calstore_store *store, const char *rel);

/* One directory entry, as lstat() sees it (links are never followed). */
typedef struct mfi_calstore_entry {
	char *name;
	gboolean is_dir, is_reg; /* neither: a link, a device... */
	gboolean is_link;
} mfi_calstore_entry;
/* The entries of a directory sorted by name (byte order), or NULL when it
 * cannot be listed. Free with g_ptr_array_unref. */
GPtrArray *mfi_calstore_list(const char *dir);
/* mfi_calstore_why() for a directory entry (links and special files included). */
const char *mfi_calstore_entry_why(const mfi_calstore_entry *e);
/* TRUE when `path` is a directory (not a link) holding an entry `name`
 * that is a directory (want_dir) or a regular file. */
gboolean mfi_calstore_has(const char *path, const char *name, gboolean want_dir);

/* ---- calstore-apple.c: Calendar.app ~/Library/Calendars and .icbu ---- */
int mfi_calstore_apple_probe(const char *path, gboolean is_dir, const guint8 *head,
                             gsize head_len);
gboolean mfi_calstore_apple_walk(mfi_calstore_store *store, GError **error);

/* ---- calstore-ccs.c: the CalendarServer 1.x/2.x file store ---- */
int mfi_calstore_ccs_probe(const char *path, gboolean is_dir, const guint8 *head,
                           gsize head_len);
gboolean mfi_calstore_ccs_walk(mfi_calstore_store *store, GError **error);

/* ---- calstore-ccsdata.c: CalendarServer storage artefacts ---- */

/* For each stored VCALENDAR of a CalendarServer resource, before it is split
 * into items (an mfi_ics_top_hook): the owner's (`owner`, the home's UID)
 * per-user data, CUAs, access class and time zones (formats/calendarserver). */
void mfi_calstore_ccs_top_hook(icalcomponent *top, gpointer owner);

/* ---- calstore-read.c: the reader over a walked store ---- */
#define MFI_CALSTORE_KEEP_MAX (8u << 20) /* raw bytes of a broken resource kept up to this */

mf_reader *mfi_calstore_open_apple(const char *path, const mf_options *opts, GError **error);
mf_reader *mfi_calstore_open_ccs(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_calstore_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_calstore_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_calstore_ignored(mf_reader *reader);
void mfi_calstore_close(mf_reader *reader);

/* The readers the resources are decoded with (formats/ics, formats/vcf). */
extern const mf_reader_driver mf_ics_reader, mf_vcf_reader;

#endif
