/* Private to formats/maildir: the Maildir driver's pure helpers (file names,
 * flags, dovecot-keywords, IMAP modified UTF-7) and the folder walk shared by
 * the reader and the probe. Nothing outside formats/maildir/ and its unit test
 * includes this file.
 */
#ifndef MAILFERRY_FORMATS_MAILDIR_H
#define MAILFERRY_FORMATS_MAILDIR_H

#include <glib.h>
#include "mailferry/driver.h"

#define MFI_MAILDIR_MAX_KEYWORDS 26 /* letters a-z */
#define MFI_MAILDIR_KEYWORDS_FILE "dovecot-keywords"
#define MFI_MAILDIR_FOLDER_MARKER "maildirfolder"

/* ---- maildir-filename.c: pure string helpers, no I/O ---- */

/* What a file name's info part (after ":2," or "!2,") says. */
typedef struct mfi_maildir_info {
	gboolean has_info;    /* a ":2," or "!2," part was found */
	guint flags;          /* mf_flag bits from D F P R S T */
	char keywords[MFI_MAILDIR_MAX_KEYWORDS + 1]; /* lower-case letters, in name order */
	char unknown[64];     /* other characters of the info part (truncated) */
} mfi_maildir_info;

/* Parses the info part of a Maildir file name. Only the last ':' or '!' that
 * is followed by "2," counts; a name without one has no flags. */
void mfi_maildir_info_parse(const char *filename, mfi_maildir_info *info_r);
/* The flag letters for `flags` plus `keyword_letters` (may be NULL), sorted
 * in ASCII order, without duplicates. MF_FLAG_RECENT has no letter. Caller frees. */
char *mfi_maildir_flags_format(guint flags, const char *keyword_letters);

/* dovecot-keywords: lines "<index> <name>", index 0-25 meaning letters a-z. */
typedef struct mfi_maildir_keywords {
	char *names[MFI_MAILDIR_MAX_KEYWORDS]; /* owned; NULL where undefined */
} mfi_maildir_keywords;
/* Fills `kw` (which must be zeroed or cleared) from the file text. Lines that
 * do not parse are counted in *bad_lines_r (1-based numbers appended to
 * `bad_lines` when not NULL, as GUINT_TO_POINTER). */
void mfi_maildir_keywords_parse(const char *text, gsize len, mfi_maildir_keywords *kw,
                                GArray *bad_lines);
void mfi_maildir_keywords_clear(mfi_maildir_keywords *kw);
/* The file text for names[0..n-1]. Caller frees. */
char *mfi_maildir_keywords_format(const char *const *names, guint n);

/* IMAP modified UTF-7 (RFC 3501 5.1.3), as Dovecot stores Maildir++ folder
 * names. encode: UTF-8 in, ASCII out. decode: NULL when `mutf7` is not valid
 * modified UTF-7 (e.g. raw 8-bit bytes or a "&" without "-"). Caller frees. */
char *mfi_imap_utf7_encode(const char *utf8);
char *mfi_imap_utf7_decode(const char *mutf7);

/* ---- maildir-folders.c: finding Maildirs under a directory ---- */

typedef struct mfi_maildir_folder {
	char *rel_dir;   /* relative to the source root; "" for the root itself */
	char **segments; /* UTF-8 folder path, NULL-terminated */
} mfi_maildir_folder;

void mfi_maildir_folder_free(gpointer folder);

/* TRUE when `dir` has a cur/ or new/ subdirectory. */
gboolean mfi_maildir_is_maildir(const char *dir);
/* TRUE when a directory within `levels` levels below `dir` is a Maildir. */
gboolean mfi_maildir_has_descendant(const char *dir, int levels);
/* Every Maildir under `root` (the root first, then in sorted name order), as
 * mfi_maildir_folder*. Names of files and directories seen and not used are
 * appended to `ignored` (paths relative to root). NULL with *error
 * (MF_ERROR_SOURCE) when `root` itself cannot be listed. */
GPtrArray *mfi_maildir_find_folders(const char *root, GPtrArray *ignored, GError **error);

/* Sorted listing of a directory's entry names (byte order). NULL with errno set. */
GPtrArray *mfi_maildir_list_dir(const char *dir);
/* "a/b" from a relative directory ("" allowed) and a name. Caller frees. */
char *mfi_maildir_rel_join(const char *rel_dir, const char *name);

/* ---- maildir-read.c and maildir-write.c: the driver slots (tables in maildir-driver.c) ---- */

int mfi_maildir_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_maildir_reader_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_maildir_reader_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_maildir_reader_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_maildir_reader_ignored(mf_reader *reader);
void mfi_maildir_reader_close(mf_reader *reader);

mf_writer *mfi_maildir_writer_open(const char *outdir, const mf_options *opts, GError **error);
gboolean mfi_maildir_writer_put(mf_writer *writer, const mf_item *item, GError **error);
gboolean mfi_maildir_writer_close(mf_writer *writer, GError **error);

#endif
