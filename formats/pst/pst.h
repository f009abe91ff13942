/* PST/OST driver (libpff): private declarations shared by the pst-*.c files.
 *
 * libpff handles and libpff_error_t chains never leave formats/pst/: every
 * libpff error is turned into text (mfi_pst_error_text) at the place it occurs.
 * Property lookups keep libpff's shape: 1 found, 0 absent, -1 error.
 *
 * pst-driver.c  the driver table
 * pst-read.c    open, probe, folder walk, item iteration (items in walk order)
 * pst-pool.c    item conversions on worker threads, each with its own handle
 * pst-props.c   property access: strings (code pages -> UTF-8), integers, times,
 *               binary, multi-valued strings, named properties
 * pst-mime.c    message -> RFC 5322 / MIME ([MS-OXCMAIL])
 * pst-recipients.c  recipient table and addresses -> To/Cc/Bcc, mailboxes
 * pst-mime-raw.c  attachment bytes base64-encoded outside GMime's filters
 * pst-attach.c  attachments -> MIME parts
 * pst-attach-file.c  one attachment as a file (iCalendar ATTACH, vCard)
 * pst-flags.c   message state and categories -> mf_flag, keywords
 */
#ifndef MAILFERRY_PST_H
#define MAILFERRY_PST_H

#include "mailferry/driver.h"

#include <gmime/gmime.h>
#include <libpff.h>
#include <sys/stat.h>

/* MAPI property tags (entry types) used by the driver, [MS-OXPROPS]. */
enum {
	MFI_PR_IMPORTANCE = 0x0017,
	MFI_PR_MESSAGE_CLASS = 0x001a,
	MFI_PR_PRIORITY = 0x0026,
	MFI_PR_SENSITIVITY = 0x0036,
	MFI_PR_SUBJECT = 0x0037,
	MFI_PR_CLIENT_SUBMIT_TIME = 0x0039,
	MFI_PR_SENT_REPRESENTING_NAME = 0x0042,
	MFI_PR_SENT_REPRESENTING_ADDRTYPE = 0x0064,
	MFI_PR_SENT_REPRESENTING_EMAIL = 0x0065,
	MFI_PR_TRANSPORT_HEADERS = 0x007d,
	MFI_PR_IN_REPLY_TO_ID = 0x1042,
	MFI_PR_INTERNET_REFERENCES = 0x1039,
	MFI_PR_INTERNET_MESSAGE_ID = 0x1035,
	MFI_PR_ICON_INDEX = 0x1080,
	MFI_PR_LAST_VERB_EXECUTED = 0x1081,
	MFI_PR_FLAG_STATUS = 0x1090,
	MFI_PR_RECIPIENT_TYPE = 0x0c15,
	MFI_PR_SENDER_NAME = 0x0c1a,
	MFI_PR_SENDER_ADDRTYPE = 0x0c1e,
	MFI_PR_SENDER_EMAIL = 0x0c1f,
	MFI_PR_DISPLAY_NAME = 0x3001,
	MFI_PR_ADDRTYPE = 0x3002,
	MFI_PR_EMAIL_ADDRESS = 0x3003,
	MFI_PR_SMTP_ADDRESS = 0x39fe,
	MFI_PR_SENDER_SMTP_ADDRESS = 0x5d01,
	MFI_PR_SENT_REPRESENTING_SMTP = 0x5d02,
	MFI_PR_MESSAGE_DELIVERY_TIME = 0x0e06,
	MFI_PR_MESSAGE_FLAGS = 0x0e07,
	MFI_PR_MESSAGE_STATUS = 0x0e17,
	MFI_PR_BODY = 0x1000,
	MFI_PR_HTML = 0x1013,
	MFI_PR_RTF_COMPRESSED = 0x1009,
	MFI_PR_CREATION_TIME = 0x3007,
	MFI_PR_INTERNET_CPID = 0x3fde,
	MFI_PR_MESSAGE_CODEPAGE = 0x3ffd,
	MFI_PR_ATTACH_DATA = 0x3701,
	MFI_PR_ATTACH_FILENAME = 0x3704,
	MFI_PR_ATTACH_METHOD = 0x3705,
	MFI_PR_ATTACH_LONG_FILENAME = 0x3707,
	MFI_PR_ATTACH_MIME_TAG = 0x370e,
	MFI_PR_ATTACH_CONTENT_ID = 0x3712,
	MFI_PR_ATTACH_CONTENT_LOCATION = 0x3713,
	MFI_PR_ATTACH_FLAGS = 0x3714,
	MFI_PR_ATTACH_LONG_PATHNAME = 0x370d,
	MFI_PR_ATTACHMENT_HIDDEN = 0x7ffe,
	MFI_PR_IPM_SUBTREE_ENTRYID = 0x35e0,
	MFI_PID_LID_FLAG_REQUEST = 0x8530, /* PSETID_Common, string */
};

/* PR_MESSAGE_FLAGS bits ([MS-OXCMSG] 2.2.1.6) */
enum {
	MFI_MSGFLAG_READ = 0x0001,
	MFI_MSGFLAG_UNSENT = 0x0008,
	MFI_MSGFLAG_FROMME = 0x0020,
};

/* One opened PST, shared by the helpers (borrowed by them, owned by the reader). */
typedef struct mfi_pst_file {
	libpff_file_t *file;
	const char *path;       /* the source path, for messages */
	int ascii_codepage;     /* the store's code page for 8-bit strings */
	char id_hash[17];       /* 16 hex digits naming the store in generated ids */
	struct stat st;         /* the file as it was opened (pst-pool.c opens it again) */
} mfi_pst_file;

/* pst-read.c */
int mfi_pst_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_pst_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_pst_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_pst_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_pst_ignored(mf_reader *reader);
void mfi_pst_close(mf_reader *reader);
/* The item kind a message class maps to (IPM.Appointment -> MF_KIND_EVENT, ...);
 * meeting requests and everything unknown stay MF_KIND_MESSAGE. */
mf_kind mfi_pst_class_kind(const char *message_class);

/* The folder's display name (valid UTF-8), else "node N". Caller frees. */
char *mfi_pst_folder_name(libpff_item_t *folder);
/* `parent` + the folder's name. Caller frees (g_strfreev). */
char **mfi_pst_sub_folder(char **parent, libpff_item_t *folder);

/* pst-pool.c: conversions on worker threads, each with its own libpff handle */

typedef struct mfi_pst_pool mfi_pst_pool;
/* The start of a job; the reader's job type embeds it first. */
typedef struct mfi_pst_job {
	gboolean done;   /* set by the pool when the work has run */
	gboolean failed; /* set by the pool when a worker could not open the file */
} mfi_pst_job;
/* Runs one job on a worker's handle (`pf`: the reader's, with the worker's file). */
typedef void (*mfi_pst_work_fn)(const mfi_pst_file *pf, mfi_pst_job *job);

/* `workers` threads, each opening main->path again on its thread; NULL when
 * fewer than two could start (the caller then converts on its own handle). A
 * worker that cannot open the file marks its jobs failed instead of running
 * them, and the caller converts those itself. */
mfi_pst_pool *mfi_pst_pool_new(const mfi_pst_file *main, guint workers, mfi_pst_work_fn work);
void mfi_pst_pool_submit(mfi_pst_pool *pool, mfi_pst_job *job);
/* Blocks until `job` has run. */
void mfi_pst_pool_wait(mfi_pst_pool *pool, mfi_pst_job *job);
/* Runs the jobs still queued, then ends the threads and closes their handles. */
void mfi_pst_pool_free(mfi_pst_pool *pool);

/* pst-recover.c: --recover */

typedef struct mfi_pst_lost {
	libpff_item_t *item; /* owned */
	char **folder;       /* owned: "Recovered Items"[/recovered folder names] */
	const char *category;/* "Recovered_Orphan" or "Recovered_Deleted" */
	gboolean listed;     /* listed by a recovered folder: resolved through the live
	                        index, so possibly an item of the folder tree */
} mfi_pst_lost;

/* Orphan items, then the deleted items libpff recovers from unallocated space
 * (messages of recovered folders included), as mfi_pst_lost*. Problems go to
 * `notes` (char*, for the report's ignored list). */
GPtrArray *mfi_pst_lost_items(const mfi_pst_file *pf, GPtrArray *notes);

/* pst-props.c. The item's properties live in its record set 0. */

/* libpff's error text ("func: unable to ..." lines joined by "; "), freeing *error.
 * Never NULL; caller frees. */
char *mfi_pst_error_text(libpff_error_t **error);
/* FILETIME (100 ns since 1601) -> Unix seconds; 0 stays 0. */
gint64 mfi_pst_filetime_to_unix(guint64 filetime);
/* The item's code page for 8-bit strings: PR_MESSAGE_CODEPAGE, else
 * PR_INTERNET_CPID, else `fallback` (the store's). */
int mfi_pst_item_codepage(libpff_item_t *item, int fallback);
/* 8-bit text in Windows code page `codepage` -> valid UTF-8 (invalid bytes
 * replaced). Caller frees. */
char *mfi_pst_cp_to_utf8(const guint8 *data, gsize len, int codepage);

/* String property (PT_UNICODE or PT_STRING8 in `codepage`) as UTF-8; NULL when
 * absent, empty or unreadable. Caller frees. Named numeric properties (PidLid*) are
 * found by their LID through libpff's name-to-id map. */
char *mfi_pst_get_string(libpff_item_t *item, guint32 tag, int codepage);
/* PR_SUBJECT without the "\x01<n>" prefix-length marker some stores keep. */
char *mfi_pst_get_subject(libpff_item_t *item, int codepage);
/* String-named property (PS_PUBLIC_STRINGS "Keywords" ...), same contract. */
char *mfi_pst_get_named_string(libpff_item_t *item, const char *name, int codepage);
/* Multi-valued string property by name (e.g. "Keywords") or by tag when name is
 * NULL; NULL when absent. Caller frees with g_strfreev. */
char **mfi_pst_get_strings(libpff_item_t *item, const char *name, guint32 tag, int codepage);
/* 16/32-bit integer or boolean property. */
int mfi_pst_get_int(libpff_item_t *item, guint32 tag, gint64 *value_r);
/* The same in record set `set` (recipient tables hold one set per row). */
char *mfi_pst_get_string_in(libpff_item_t *item, int set, guint32 tag, int codepage);
int mfi_pst_get_int_in(libpff_item_t *item, int set, guint32 tag, gint64 *value_r);
/* FILETIME property as Unix seconds (0 for zero and the "none" date). */
int mfi_pst_get_time(libpff_item_t *item, guint32 tag, gint64 *unix_r);
/* Binary property; *bytes_r set when 1 (an empty value is absent, 0). */
int mfi_pst_get_binary(libpff_item_t *item, guint32 tag, GBytes **bytes_r);

/* The value decoders behind the getters, for one record entry (pst-named.c
 * finds its entries by property set and LID). Same contracts as above. */
guint32 mfi_pst_entry_type(libpff_record_entry_t *entry);
/* The value bytes (empty for an empty value); NULL when unreadable. */
GBytes *mfi_pst_entry_data(libpff_record_entry_t *entry);
/* PT_UNICODE / PT_STRING8 -> UTF-8; NULL for other types, empty or unreadable. */
char *mfi_pst_entry_string(libpff_record_entry_t *entry, int codepage);
/* Little-endian integer (16/32-bit sign-extended) or boolean (0/1); 1, or -1. */
int mfi_pst_entry_int(libpff_record_entry_t *entry, gint64 *value_r);
/* PT_SYSTIME as Unix seconds: 1; 0 for zero and Outlook's "none" date
 * (4501-01-01); -1 when not a FILETIME or unreadable. */
int mfi_pst_entry_time(libpff_record_entry_t *entry, gint64 *unix_r);

/* pst-mime.c */

/* State of one message conversion, shared with pst-attach.c. */
typedef struct mfi_pst_build {
	const mfi_pst_file *pf; /* borrowed */
	const char *locator;    /* "node 2097188", for notes */
	char *seed;             /* owned: store hash + node id, seeds the boundaries */
	guint boundaries;       /* boundaries made so far */
	guint depth;            /* embedded message nesting */
	GPtrArray *damaged;     /* borrowed: char* notes on unreadable attachments */
	GPtrArray *tags;        /* borrowed, may be NULL: static repair tag names from the
	                           meeting data of the message (text/calendar part) */
	GPtrArray *raw;         /* owned, may be NULL: GBytes* of the parts whose content
	                           pst-mime-raw.c encodes (token order) */
} mfi_pst_build;

/* The message as RFC 5322 bytes (LF line ends). `node_id` names it in generated
 * ids and boundaries. Attachments that cannot be read become a text note inside
 * the message and a line in `damaged` ("attachment N: <libpff error>"). Repairs
 * made to its meeting data add (static) tag names to `tags` (may be NULL). NULL
 * with *error (MF_ERROR_ITEM) when the message cannot be read at all. */
GBytes *mfi_pst_message_to_mime(const mfi_pst_file *pf, libpff_item_t *message,
                                guint32 node_id, GPtrArray *damaged, GPtrArray *tags,
                                GError **error);
/* The same as a GMime message, for embedding (message/rfc822). Caller unrefs. */
GMimeMessage *mfi_pst_build_message(mfi_pst_build *b, libpff_item_t *message,
                                    GError **error);
/* " <id> " or "id" -> "id", in place (GMime adds the brackets); returns `id`. */
char *mfi_pst_bare_id(char *id);
/* The next multipart boundary: depends only on the seed and the count. Caller frees. */
char *mfi_pst_next_boundary(mfi_pst_build *b);

/* pst-mime-raw.c: attachment bytes base64-encoded outside GMime's filters */

/* Makes `data` the base64 content of `part`. */
void mfi_pst_raw_content(mfi_pst_build *b, GMimePart *part, GBytes *data);
/* In `*buf`, the message as GMime wrote it, replaces each part's token with
 * its encoded bytes (`*buf` replaced). FALSE when a token is not found as
 * written (then `*buf` is unchanged). */
gboolean mfi_pst_raw_splice(mfi_pst_build *b, GByteArray **buf);
/* `len` bytes as base64 in GMime's layout: 76 characters and "\n" a line, the
 * last line shorter (nothing for no bytes). Writes at most
 * GMIME_BASE64_ENCODE_LEN(len) bytes to `out`; returns how many. */
gsize mfi_pst_base64_lines(const guint8 *in, gsize len, guint8 *out);

/* pst-recipients.c */

/* Adds the recipient table to To/Cc/Bcc; TRUE when it had any rows. */
gboolean mfi_pst_add_recipients(GMimeMessage *mime, libpff_item_t *message, int codepage);
/* "Name <addr>" mailbox from display name, address type and address, turning
 * non-SMTP addresses (EX) into IMCEA encapsulated ones ([MS-OXCMAIL] 2.1.3.1.5). */
InternetAddress *mfi_pst_mailbox(const char *name, const char *addrtype, const char *addr);

/* pst-attach.c */

/* Adds the message's attachments to `mixed`, or, for images the HTML body
 * (`html`, may be NULL) references by cid:, to `related`. Damaged ones become
 * text notes and lines in b->damaged. */
void mfi_pst_add_attachments(mfi_pst_build *b, libpff_item_t *message, const char *html,
                             GMimeMultipart *mixed, GMimeMultipart *related);
/* Calls `fn` for each attachment of `message` in order: with the attachment
 * (name and why NULL), or, when libpff cannot give it, with att NULL, its
 * index (-1 for the whole table), a name for it and libpff's error text. */
typedef void (*mfi_pst_attachment_fn)(libpff_item_t *att, int index, const char *name,
                                      const char *why, gpointer data);
void mfi_pst_each_attachment(libpff_item_t *message, mfi_pst_attachment_fn fn, gpointer data);
/* The attachment's bytes; NULL with *text_r (libpff error) when unreadable. */
GBytes *mfi_pst_attachment_data(libpff_item_t *att, char **text_r);
/* Long file name, else short, else display name, else "attachment-N". */
char *mfi_pst_attachment_name(libpff_item_t *att, int cp, int index);
/* Its MIME type: the stored one when usable, else a guess; never text/,
 * multipart/ or message/ (the bytes stay opaque). Caller frees. */
char *mfi_pst_attachment_type(libpff_item_t *att, int cp, const char *name, GBytes *data);

/* pst-attach-file.c */

/* An attachment read as one file (for iCalendar ATTACH, vCard properties). */
typedef struct mfi_pst_attached_file {
	char *name;       /* mfi_pst_attachment_name(), for notes */
	gboolean message; /* an embedded message (attach method 5) */
	GBytes *data;     /* the file's bytes; an embedded message's as RFC 5322;
	                     NULL when unreadable */
	char *why;        /* when unreadable: libpff's (or the conversion's) error */
	char *type;       /* with data: MIME type, message/rfc822 for a message */
	char *filename;   /* with data: the name, a message's ending in ".eml" */
} mfi_pst_attached_file;
/* TRUE for an embedded message (libpff's attachment type "item"). */
gboolean mfi_pst_attachment_is_message(libpff_item_t *att);
/* Reads attachment `index` into `file` (all fields set); clear it after. */
void mfi_pst_attached_file_read(const mfi_pst_file *pf, libpff_item_t *att, int index,
                                mfi_pst_attached_file *file);
void mfi_pst_attached_file_clear(mfi_pst_attached_file *file);

/* pst-ical-attach.c */

/* The attachments of an appointment, task or note as iCalendar ATTACH
 * properties of `comp`. Unreadable ones become a COMMENT and the tag
 * PST_AttachmentUnreadable on `item`. */
void mfi_pst_add_ical_attachments(const mfi_pst_file *pf, libpff_item_t *message,
                                  icalcomponent *comp, mf_item *item);

/* pst-flags.c */

/* mf_flag bits from PR_MESSAGE_FLAGS, PR_LAST_VERB_EXECUTED, PR_FLAG_STATUS,
 * PR_ICON_INDEX, PR_MESSAGE_STATUS. */
guint mfi_pst_message_flags(libpff_item_t *message);
/* Outlook categories (the "Keywords" named property) onto the item as
 * categories and IMAP keywords. */
void mfi_pst_add_categories(mf_item *item, libpff_item_t *message, int codepage);

#endif
