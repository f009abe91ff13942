/* calendarserver driver: pg_dump output (plain SQL or -Ft tar) of the Apple
 * CalendarServer database, schema versions 3 ... 66 (formats.md A.2-A.13).
 *
 * Reading is two passes over the dump: the first indexes the small tables
 * (homes, binds, calendar metadata, display names, attachments, address book
 * homes) and remembers where the calendar_object and addressbook_object rows
 * are; the second streams those rows one at a time, so memory follows the largest row, not the dump. The dump is read
 * through zlib, so a gzip-compressed dump (pg_dump | gzip) reads the same;
 * offsets are in the uncompressed data. */
#ifndef MAILFERRY_CALENDARSERVER_H
#define MAILFERRY_CALENDARSERVER_H

#include "mailferry/driver.h"

#include <zlib.h>

/* ---- calendarserver-copy.c: COPY text format (PostgreSQL docs, COPY, "Text Format") */

/* Parses "COPY [schema.]table (col, ...) FROM stdin;" (or FROM '$$PATH$$/N.dat';
 * as in a tar dump's restore.sql). Names come back lower case without quotes.
 * `from_r` gets the file named after FROM (NULL for stdin). FALSE when the
 * line is not a COPY header. */
gboolean mfc_copy_parse_header(const char *line, char **table_r, char ***columns_r,
                               char **from_r);
/* One field of a data row, backslash escapes undone; NULL for the NULL marker
 * \N. `len_r` (may be NULL) gets the length (the value may hold NUL bytes). */
char *mfc_copy_unescape(const char *field, gsize len, gsize *len_r);
/* A data row split at TABs and unescaped: char* per column, NULL for NULL. */
GPtrArray *mfc_copy_split_row(const char *line, gsize len);
/* Index of `name` in the NULL-terminated `columns`, or -1. */
int mfc_column(char *const *columns, const char *name);
/* The row's value of `name` (NULL when the column or the value is missing). */
const char *mfc_row_get(const GPtrArray *row, char *const *columns, const char *name);

/* ---- calendarserver-tar.c: ustar members of a pg_dump -Ft archive */

typedef struct mfc_tar_member {
	char *name;
	guint64 offset; /* of the member's data in the archive */
	guint64 size;
} mfc_tar_member;

/* TRUE for a tar archive whose first member is pg_dump's toc.dat ("PGDMP"). */
gboolean mfc_tar_is_pgdump(const guint8 *head, gsize len);
/* Lists the regular-file members (mfc_tar_member*), in archive order. */
GPtrArray *mfc_tar_list(gzFile gz, const char *path, GError **error);
void mfc_tar_member_free(gpointer member);

/* ---- calendarserver-dump.c: COPY blocks of a dump, line reading in a region */

/* The rows of one table: bytes [start, end) of the dump, in COPY text format
 * up to a "\." line or the end of the region. */
typedef struct mfc_block {
	char *table;
	char **columns;
	guint64 start, end;
	gboolean indexed; /* its rows went to the index while the dump was scanned */
} mfc_block;

/* Buffered line reading in bytes [start, end) of a file. */
typedef struct mfc_region {
	gzFile gz;
	guint64 pos;      /* offset of the next line */
	guint64 fill, end;/* offset after the buffered bytes; end of the region */
	guint8 *buf;
	gsize buf_len, buf_off;
} mfc_region;

void mfc_region_open(mfc_region *r, gzFile gz, guint64 start, guint64 end);
void mfc_region_close(mfc_region *r);
/* Reads one line (without its LF, and without a CR before it) into `line`;
 * FALSE at the end of the region or on a read error (mfc_read_failed tells). */
gboolean mfc_region_line(mfc_region *r, GString *line);
/* TRUE when reading failed (an I/O error or corrupt compressed data; a
 * truncated file is not a failure: its data just ends). */
gboolean mfc_read_failed(gzFile gz);
/* Every COPY block of the dump at `gz`: a plain SQL script or a tar archive.
 * The rows of a plain script's small tables go to `index` as they are read
 * (block->indexed); a tar archive's are read by mfc_index_block later. */
struct mfc_index;
GPtrArray *mfc_dump_blocks(gzFile gz, const char *path, gboolean tar, struct mfc_index *index,
                           GError **error);
void mfc_block_free(gpointer block);

/* ---- calendarserver-index.c: the small tables */

typedef struct mfc_home {
	char *uid;
	int status;        /* HOME_STATUS, 0 = normal */
	gint64 trash;      /* calendar id of the home's trash collection, or 0 */
	gint64 store;      /* address book homes: ADDRESSBOOK_PROPERTY_STORE_ID, or 0 */
} mfc_home;

typedef struct mfc_calendar {
	gint64 id;
	gint64 home;       /* owner home (the BIND_MODE 0 row), 0 when none */
	char *bind_name;   /* the owner's CALENDAR_RESOURCE_NAME */
	char *display;     /* DAV:displayname, owner's view preferred */
	gboolean display_is_owners;
	int child_type;    /* 0 normal, 1 inbox, 2 trash (v54+) */
	gboolean in_trash;
	guint sharees;     /* other binds */
	char *folder;      /* the folder segment for its items */
	const char *skip;  /* why its objects are not exported, or NULL */
	guint skipped, trashed; /* objects not exported */
} mfc_calendar;

typedef struct mfc_attachment {
	gint64 id;         /* 0 before schema v13 */
	char *dropbox_id;  /* "." for managed attachments */
	char *path;        /* file (disposition) name */
	char *content_type;
} mfc_attachment;

typedef struct mfc_index {
	int version;          /* CALENDARSERVER VERSION, 0 when not in the dump */
	GHashTable *homes;    /* gint64* id -> mfc_home* */
	GHashTable *calendars;/* gint64* id -> mfc_calendar* */
	GHashTable *names;    /* gint64* calendar id -> GPtrArray (viewer, name, ...) */
	GPtrArray *attachments;       /* mfc_attachment*, owned */
	GHashTable *attachment_ids;   /* "<id>" -> mfc_attachment* */
	GHashTable *dropbox;  /* "<dropbox id>/<path>" -> mfc_attachment* */
	GHashTable *managed;  /* "<object id>/<managed id>" -> "<attachment id>" */
	GHashTable *abook_homes;/* gint64* id -> mfc_home* (ADDRESSBOOK_HOME) */
	GHashTable *books;    /* gint64* id -> mfc_calendar*: address books (v20+: one per
	                       * home, keyed by the home id; v3-v19: ADDRESSBOOK ids) */
} mfc_index;

mfc_index *mfc_index_new(void);
void mfc_index_free(mfc_index *index);
/* TRUE for the tables the index reads. */
gboolean mfc_index_wants(const char *table);
/* One data row (COPY text) of the small table `block`. */
void mfc_index_row(mfc_index *index, const mfc_block *block, const char *line, gsize len);
/* Reads the rows of one small table into the index; tables it does not need
 * are left alone. */
gboolean mfc_index_block(mfc_index *index, gzFile gz, const mfc_block *block, GError **error);
/* calendarserver-calendars.c: after every block, folder names and skip
 * reasons; lookups. */
void mfc_index_finish(mfc_index *index);
mfc_calendar *mfc_index_calendar(mfc_index *index, gint64 id);
const mfc_home *mfc_index_home(mfc_index *index, gint64 id);
/* Why the data of a home in HOME_STATUS `status` (not 0) is not exported. */
const char *mfc_home_status_reason(int status);
/* The attachment an object's ATTACH names: by MANAGED-ID, else by dropbox
 * id and file name; NULL when the dump has no row for it. */
const mfc_attachment *mfc_index_attachment(mfc_index *index, gint64 object_id,
                                           const char *managed_id, const char *dropbox_id,
                                           const char *name);
/* A decimal id; FALSE when `text` is not one. */
gboolean mfc_parse_id(const char *text, gint64 *id_r);
/* The (first) text node of the XML property value <x>text</x>; NULL when none. */
char *mfc_xml_text(const char *xml);

/* ---- calendarserver-peruser.c: per-user data and hidden instances (A.7) */

/* Rebuilds `owner`'s view of the stored VCALENDAR: that user's
 * X-CALENDARSERVER-PERUSER data goes back into the components, every other
 * user's is removed; hidden instances become EXDATEs. */
void mfc_peruser_apply(icalcomponent *vcal, const char *owner);

/* ---- calendarserver-address.c: CalendarServer artefacts (A.7, A.8, A.9, B) */

/* urn:x-uid:/urn:uuid:/principal addresses with an EMAIL parameter become
 * mailto:; attendee comments go into DESCRIPTION; X-CALENDARSERVER-ACCESS
 * becomes CLASS; server bookkeeping parameters are removed; VTIMEZONEs are
 * added for Olson TZIDs that lack one. */
void mfc_clean_calendar(icalcomponent *vcal);

/* ---- calendarserver-attach.c: --attachments DIR (A.10) */

/* Embeds the ATTACH files found under `dir` (NULL: none), appends to
 * `ignored` a line for each one left as a link. */
void mfc_attach_resolve(icalcomponent *vcal, mfc_index *index, gint64 object_id,
                        const char *dir, const char *locator, GPtrArray *ignored);
/* The file of an attachment under `dir` (A.10 layouts); caller frees. */
char *mfc_attach_file(const char *dir, const mfc_attachment *att);

/* ---- calendarserver-read.c */

int mfc_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfc_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfc_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfc_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfc_ignored(mf_reader *reader);
void mfc_close(mf_reader *reader);

/* ---- calendarserver-object.c: one calendar_object row -> item */

typedef struct mfc_object_ctx {
	const char *path;       /* the dump */
	mfc_index *index;
	const char *attachments;/* --attachments DIR or NULL */
	GPtrArray *ignored;
} mfc_object_ctx;

mf_next_result mfc_object_item(const mfc_object_ctx *ctx, const GPtrArray *row,
                               char *const *columns, mf_item **item_r, GError **error);
/* "2026-11-21 15:23:23.349451" (UTC wall time) -> seconds; 0 when unknown. */
gint64 mfc_timestamp(const char *text);

/* ---- calendarserver-contacts.c: address books (A.3, A.12) */

/* After indexing (before mfc_index_finish, which drops the display names):
 * the address books of the dump, with owner home, folder and skip reason. */
void mfc_books_finish(mfc_index *index);
/* One ADDRESSBOOK_OBJECT row -> a contact or distribution list item. */
mf_next_result mfc_contact_item(const mfc_object_ctx *ctx, const GPtrArray *row,
                                char *const *columns, mf_item **item_r, GError **error);
/* Appends one ignored line per address book with skipped or trashed cards. */
void mfc_books_summarize(mfc_index *index, GPtrArray *ignored);

#endif
