/* PST/OST driver (libpff): private declarations shared by the pst-*.c files.
 *
 * libpff handles and libpff_error_t chains never leave formats/pst/: every
 * libpff error is turned into text (mfi_pst_error_text) at the place it occurs.
 * Property lookups keep libpff's shape: 1 found, 0 absent, -1 error.
 *
 * pst-driver.c  the driver table
 * pst-read.c    open, probe, folder walk, item iteration (one item at a time)
 * pst-props.c   property access: strings (code pages -> UTF-8), integers, times,
 *               binary, multi-valued strings, named properties
 * pst-mime.c    message -> RFC 5322 / MIME ([MS-OXCMAIL])
 * pst-attach.c  attachments -> MIME parts
 * pst-flags.c   message state and categories -> mf_flag, keywords
 */
#ifndef MAILFERRY_PST_H
#define MAILFERRY_PST_H

#include "mailferry/driver.h"

#include <gmime/gmime.h>
#include <libpff.h>

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
} mfi_pst_file;

/* pst-read.c */
int mfi_pst_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_pst_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_pst_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_pst_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_pst_ignored(mf_reader *reader);
void mfi_pst_close(mf_reader *reader);

/* pst-props.c. The item's properties live in its record set 0. */

/* libpff's error text ("func: unable to ..." lines joined by "; "), freeing *error.
 * Never NULL; caller frees. */
char *mfi_pst_error_text(libpff_error_t **error);
/* FILETIME (100 ns since 1601) -> Unix seconds; 0 stays 0. */
gint64 mfi_pst_filetime_to_unix(guint64 filetime);
/* The item's code page for 8-bit strings: PR_INTERNET_CPID, else
 * PR_MESSAGE_CODEPAGE, else `fallback` (the store's). */
int mfi_pst_item_codepage(libpff_item_t *item, int fallback);
/* 8-bit text in Windows code page `codepage` -> valid UTF-8 (invalid bytes
 * replaced). Caller frees. */
char *mfi_pst_cp_to_utf8(const guint8 *data, gsize len, int codepage);

/* String property (PT_UNICODE or PT_STRING8 in `codepage`) as UTF-8; NULL when
 * absent or unreadable. Caller frees. Named numeric properties (PidLid*) are
 * found by their LID through libpff's name-to-id map. */
char *mfi_pst_get_string(libpff_item_t *item, guint32 tag, int codepage);
/* String-named property (PS_PUBLIC_STRINGS "Keywords" ...), same contract. */
char *mfi_pst_get_named_string(libpff_item_t *item, const char *name, int codepage);
/* Multi-valued string property by name (e.g. "Keywords") or by tag when name is
 * NULL; NULL when absent. Caller frees with g_strfreev. */
char **mfi_pst_get_strings(libpff_item_t *item, const char *name, guint32 tag, int codepage);
/* 16/32-bit integer or boolean property. */
int mfi_pst_get_int(libpff_item_t *item, guint32 tag, gint64 *value_r);
/* FILETIME property as Unix seconds. */
int mfi_pst_get_time(libpff_item_t *item, guint32 tag, gint64 *unix_r);
/* Binary property; *bytes_r set when 1. */
int mfi_pst_get_binary(libpff_item_t *item, guint32 tag, GBytes **bytes_r);

/* pst-mime.c */

/* The message as RFC 5322 bytes. `node_id` names it in generated ids. Attachments
 * that cannot be read become a text note inside the message and are added to
 * `damaged` (char* "attachment N: <libpff error>"), so the caller can report
 * them. NULL with *error when the message cannot be read at all. */
GBytes *mfi_pst_message_to_mime(const mfi_pst_file *pf, libpff_item_t *message,
                                guint32 node_id, GPtrArray *damaged, GError **error);
/* The same as a GMime message, for embedding (message/rfc822). Caller unrefs. */
GMimeMessage *mfi_pst_build_message(const mfi_pst_file *pf, libpff_item_t *message,
                                    guint32 node_id, const char *locator,
                                    GPtrArray *damaged, GError **error);
/* A multipart boundary that depends only on `seed` and `depth`. Caller frees. */
char *mfi_pst_boundary(const char *seed, guint depth);

/* pst-attach.c */

/* Adds the message's attachments to `mixed` (a multipart/mixed) or, for inline
 * images referenced by Content-ID, to `related` when it is not NULL. Damaged
 * ones become notes and entries in `damaged`. FALSE only when the attachment
 * table itself cannot be read (then *error is set). */
gboolean mfi_pst_add_attachments(const mfi_pst_file *pf, libpff_item_t *message,
                                 const char *locator, GMimeMultipart *mixed,
                                 GMimeMultipart *related, GPtrArray *damaged,
                                 GError **error);
/* Number of attachments; 0 when none or unreadable. */
int mfi_pst_attachment_count(libpff_item_t *message);

/* pst-flags.c */

/* mf_flag bits from PR_MESSAGE_FLAGS, PR_LAST_VERB_EXECUTED, PR_FLAG_STATUS,
 * PR_ICON_INDEX, PR_MESSAGE_STATUS. */
guint mfi_pst_message_flags(libpff_item_t *message);
/* Outlook categories (the "Keywords" named property) onto the item as
 * categories and IMAP keywords. */
void mfi_pst_add_categories(mf_item *item, libpff_item_t *message, int codepage);

#endif
