/* Private to formats/mdaemon: MDaemon user mail stores (../shared/docs/formats.md
 * Part D). Nothing outside formats/mdaemon/ and its unit test includes this file. */
#ifndef MAILFERRY_FORMATS_MDAEMON_H
#define MAILFERRY_FORMATS_MDAEMON_H

#include <glib.h>
#include "mailferry/driver.h"

/* ---- mdaemon-mrk.c: IMAP.MRK, the per-folder binary index (D.3); pure ---- */

#define MFI_MDAEMON_MRK_HEADER 36
#define MFI_MDAEMON_MRK_RECORD 36
#define MFI_MDAEMON_MRK_NAME 23

/* IMAP.MRK flag byte (D.3). */
enum {
	MFI_MRK_RECENT = 1, MFI_MRK_DRAFT = 2, MFI_MRK_DELETED = 4,
	MFI_MRK_FLAGGED = 8, MFI_MRK_ANSWERED = 16, MFI_MRK_SEEN = 32,
};

typedef struct mfi_mdaemon_mrk_record {
	char name[MFI_MDAEMON_MRK_NAME + 1]; /* NUL-terminated; "" when the name was empty */
	guint8 raw_flags;
	guint32 uid;
	guint32 size;
	guint32 date; /* time_t, 32-bit */
} mfi_mdaemon_mrk_record;

typedef struct mfi_mdaemon_mrk {
	guint32 version, uid_validity, uid_next;
	GArray *records;  /* mfi_mdaemon_mrk_record, file order */
	gsize trailing;   /* bytes after the last whole record (a truncated record) */
	guint bad_names;  /* records skipped: empty name or non-printable bytes */
} mfi_mdaemon_mrk;

/* Parses IMAP.MRK bytes. FALSE (and *mrk_r untouched) when shorter than the
 * header. Never reads outside data[0..len). Free with mfi_mdaemon_mrk_free. */
gboolean mfi_mdaemon_mrk_parse(const guint8 *data, gsize len, mfi_mdaemon_mrk *mrk_r);
void mfi_mdaemon_mrk_clear(mfi_mdaemon_mrk *mrk);
/* IMAP.MRK flag byte -> mf_flag bits. */
guint mfi_mdaemon_mrk_flags(guint8 raw);


/* ---- mdaemon-groupware.c (+ mdaemon-calendar.c, mdaemon-contacts.c, ...):
 * the groupware files of one folder (formats.md D.6, D.7) ---- */

typedef struct mfi_mdaemon_entry {
	/* kind, ical or vcard, locator ("Calendar.mrk Event ID=7"); folder, source and
	 * mailbox are left to the caller (the reader) */
	mf_item *item;
	/* non-NULL: the item is broken and is quarantined with this reason; item may
	 * still hold what could be recovered (or be NULL) */
	char *problem;
} mfi_mdaemon_entry;

/* Whether `name` (a file directly in a folder directory) is a groupware file
 * this reader decodes (Calendar.mrk, AddrBook.mrk, ...; case-insensitive). */
gboolean mfi_mdaemon_is_groupware_file(const char *name);
/* Decodes one groupware file, appending mfi_mdaemon_entry* (free each with
 * mfi_mdaemon_entry_free) to `entries` in file order. FALSE with *error when
 * the file cannot be read or parsed at all (the caller quarantines the file). */
gboolean mfi_mdaemon_groupware_read(const char *path, GPtrArray *entries, GError **error);
void mfi_mdaemon_entry_free(gpointer entry);


/* ---- mdaemon-names.c: names of files and directories in a store (D.1, D.2,
 * D.4); pure ---- */

#define MFI_MDAEMON_INDEX_FILE "IMAP.MRK"
#define MFI_MDAEMON_HIWATER_FILE "HIWATER.MRK"
#define MFI_MDAEMON_FOLDER_SUFFIX ".IMAP"

typedef enum {
	MFI_MD_CLASS_MAIL = 0, MFI_MD_CLASS_CALENDAR, MFI_MD_CLASS_CONTACTS,
	MFI_MD_CLASS_TASKS, MFI_MD_CLASS_NOTES, MFI_MD_CLASS_DOCUMENTS,
} mfi_mdaemon_class;

/* ASCII case-insensitive equality (Windows file names). */
gboolean mfi_mdaemon_name_is(const char *name, const char *want);
/* "*.msg" in any case. */
gboolean mfi_mdaemon_is_msg_name(const char *name);
/* The MDaemon message file name pattern: "md"/"pd" + 11 digits + ".msg" (D.2),
 * any case. The probe's strongest hint after IMAP.MRK. */
gboolean mfi_mdaemon_is_md_name(const char *name);
/* A file or directory name as UTF-8: as it is when valid UTF-8, else read as
 * Windows-1252 (a store copied off Windows in the ANSI code page). Caller frees. */
char *mfi_mdaemon_name_utf8(const char *name, gssize len);
/* "X.IMAP" (suffix in any case) -> folder segment "X" as UTF-8 (Windows-1252
 * names that are not UTF-8 are converted); NULL when `dirname` is not a folder
 * directory name or the segment would be empty. Caller frees. */
char *mfi_mdaemon_folder_segment(const char *dirname);
/* Folder class from HIWATER.MRK [Groupware] FolderClass ("IPF.Appointment",
 * sub-classes "IPF.Contact.X" too); MAIL for NULL, "IPF.Note" or unknown. */
mfi_mdaemon_class mfi_mdaemon_class_parse(const char *folder_class);
/* Folder class from a well-known folder segment ("Calendar", "Contacts", ...). */
mfi_mdaemon_class mfi_mdaemon_class_from_segment(const char *segment);
/* The item kind a groupware folder holds (MESSAGE for mail and documents). */
mf_kind mfi_mdaemon_class_kind(mfi_mdaemon_class cls);
const char *mfi_mdaemon_class_name(mfi_mdaemon_class cls);

/* ---- mdaemon-hiwater.c: HIWATER.MRK, Windows INI text (D.4); pure ---- */

/* The value of `key` in `[section]` (both ASCII case-insensitive, as Windows'
 * GetPrivateProfileString), trimmed; NULL when absent. ';' and '#' lines are
 * comments; lines that are neither sections nor key=value are skipped; NUL
 * bytes end the text. Caller frees. */
char *mfi_mdaemon_ini_get(const char *text, gsize len, const char *section, const char *key);
/* The folder class a HIWATER.MRK text gives ([Groupware] FolderClass). */
mfi_mdaemon_class mfi_mdaemon_hiwater_class(const char *text, gsize len);

/* ---- mdaemon-walk.c: finding mailboxes and folders (D.1) ---- */

typedef enum {
	MFI_MD_LAYOUT_NONE = 0,
	MFI_MD_LAYOUT_MAILBOX, /* one mail directory: root = inbox */
	MFI_MD_LAYOUT_DOMAIN,  /* Users/<domain>: children are mailboxes */
	MFI_MD_LAYOUT_SERVER,  /* Users: children are domains */
	MFI_MD_LAYOUT_ROOT,    /* the MDaemon directory: Users/ and Public Folders/ */
} mfi_mdaemon_layout;

#define MFI_MDAEMON_USERS_DIR "Users"
#define MFI_MDAEMON_PUBLIC_DIR "Public Folders" /* D.9: mailbox "Public Folders" */

typedef struct mfi_mdaemon_box {
	char *rel;     /* relative to the source root; "" for a single mailbox */
	char *address; /* "mailbox@domain" (UTF-8), NULL for a single mailbox */
} mfi_mdaemon_box;

typedef struct mfi_mdaemon_folder {
	char *rel;       /* relative to the source root ("example.com/jo/Sent.IMAP") */
	char **segments; /* UTF-8 folder path, NULL-terminated; empty = inbox */
} mfi_mdaemon_folder;

void mfi_mdaemon_box_free(gpointer box);
void mfi_mdaemon_folder_free(gpointer folder);

/* Sorted (byte order) entry names of a directory; NULL with errno set. */
GPtrArray *mfi_mdaemon_list_dir(const char *dir);
/* "a/b" from a relative path ("" allowed) and a name. Caller frees. */
char *mfi_mdaemon_rel_join(const char *rel, const char *name);
/* How sure we are that `dir` is a mail directory: MF_PROBE_SURE with IMAP.MRK,
 * HIWATER.MRK or an md*.msg file, LIKELY with only *.IMAP sub-directories, NO
 * for a Maildir (cur/ or new/) or anything else. */
int mfi_mdaemon_mailbox_score(const char *dir);
/* The layout of `path` and its probe confidence in *score_r. */
mfi_mdaemon_layout mfi_mdaemon_detect_layout(const char *path, int *score_r);
/* The mailboxes of a source (mfi_mdaemon_box*, sorted by domain then mailbox;
 * for the MDaemon directory also "Public Folders"); what is neither a domain
 * nor a mailbox directory goes to `ignored`. */
GPtrArray *mfi_mdaemon_find_boxes(const char *root, mfi_mdaemon_layout layout,
                                  GPtrArray *ignored);
/* The folders of one mailbox (mfi_mdaemon_folder*): the inbox first, then each
 * *.IMAP directory followed by its own sub-folders, siblings sorted. Symbolic
 * links are never followed; they and other directories go to `ignored`. */
GPtrArray *mfi_mdaemon_find_folders(const char *root, const mfi_mdaemon_box *box,
                                    GPtrArray *ignored);

/* ---- mdaemon-folder.c: what one folder directory holds ---- */

typedef enum { MFI_MD_FILE_MESSAGE, MFI_MD_FILE_GROUPWARE } mfi_mdaemon_file_kind;

typedef struct mfi_mdaemon_file {
	char *name;
	mfi_mdaemon_file_kind kind;
	guint64 size;
	gint64 mtime;
	const mfi_mdaemon_mrk_record *record; /* into the folder's mrk; NULL: none */
} mfi_mdaemon_file;

typedef struct mfi_mdaemon_contents {
	mfi_mdaemon_class cls;  /* from HIWATER.MRK, else from the folder name */
	GArray *files;          /* mfi_mdaemon_file, sorted by name */
	mfi_mdaemon_mrk mrk;    /* records (empty when the folder has no IMAP.MRK) */
	guint64 bytes;          /* sum of the files' sizes */
} mfi_mdaemon_contents;

/* Lists folder directory `dir` (named `rel` in messages): messages and
 * groupware files, IMAP.MRK joined by name (case-insensitive), HIWATER.MRK
 * read. Everything else, records without a file and index damage go to
 * `ignored` as "rel/name: why". */
void mfi_mdaemon_contents_load(mfi_mdaemon_contents *c, const char *dir, const char *rel,
                               const char *segment, GPtrArray *ignored);
void mfi_mdaemon_contents_clear(mfi_mdaemon_contents *c);
/* Reads a regular file whole, without following a symbolic link; at most
 * `max` bytes (more is an error). NULL with *error saying why (without the
 * path: callers name the file and item). */
GBytes *mfi_mdaemon_read_file(const char *path, gsize max, GError **error);

/* ---- mdaemon-read.c: the driver slots (table in mdaemon-driver.c) ---- */

int mfi_mdaemon_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_mdaemon_reader_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_mdaemon_reader_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_mdaemon_reader_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_mdaemon_reader_ignored(mf_reader *reader);
void mfi_mdaemon_reader_close(mf_reader *reader);

#endif
