/* Private interface of the mbox driver (formats/mbox/).
 *
 *   mbox-from.c    pure helpers: From_ line parsing and formatting, quoting
 *   mbox-headers.c pure helpers: Status:/X-Status:/X-Keywords: flags, header rewriting
 *   mbox-scan.c   buffered line reading and the per-file variant detection pass
 *   mbox-read.c   the reader (single file or directory tree)
 *   mbox-write.c  the writer (one file per folder, Thunderbird layout)
 *   mbox-driver.c the two driver tables
 */
#ifndef MF_MBOX_PRIVATE_H
#define MF_MBOX_PRIVATE_H

#include <stdio.h>
#include <sys/types.h>
#include <glib.h>

#include "mailferry/driver.h"
#include "mailferry/item.h"

/* How a file separates and quotes its messages. */
typedef enum {
	MBOX_VARIANT_O,   /* From_ separators; one '>' stripped from ^>From  */
	MBOX_VARIANT_RD,  /* From_ separators; one '>' stripped from ^>+From  */
	MBOX_VARIANT_CL,  /* split by Content-Length; ^>From  unquoted as in mboxo */
	MBOX_VARIANT_CL2, /* split by Content-Length; no unquoting */
} mbox_variant;

const char *mbox_variant_name(mbox_variant variant);

/* ---- mbox-from.c ---- */

/* A parsed From_ line ("From sender date"). */
typedef struct {
	char *sender;  /* NULL for Thunderbird's "-" placeholder */
	gint64 date;   /* seconds since the epoch, UTC; 0 when the line has no date */
	gboolean has_date;
} mbox_from;

/* Parses one line (with or without its line ending). TRUE when it is a From_
 * line: "From " then a sender then an asctime-like date (weekday optional,
 * seconds optional, time zones and trailing fields tolerated). A line with a
 * sender and no date is accepted only for "From -" and senders holding '@'
 * (Gmail Takeout). `from_r` may be NULL; otherwise the caller clears it. */
gboolean mbox_from_parse(const char *line, gsize len, mbox_from *from_r);
void mbox_from_clear(mbox_from *from);

/* Parses an asctime-like date ("Wed Feb  9 22:02 MET 2000"); TRUE on success. */
gboolean mbox_date_parse(const char *text, gint64 *time_r);
/* "Thu Jan  1 00:00:00 1970": asctime form in UTC, C locale. Caller frees. */
char *mbox_date_format(gint64 time);

/* Line helpers: `len` includes the line ending. */
gboolean mbox_line_is_blank(const char *line, gsize len);
gboolean mbox_line_starts_from(const char *line, gsize len);
/* Number of leading '>' when the line is ^>+From , else 0. */
gsize mbox_line_quote_depth(const char *line, gsize len);
/* TRUE when a writer in `variant` adds one '>' to this line. */
gboolean mbox_line_needs_quote(const char *line, gsize len, mbox_variant variant);
/* TRUE when a reader of `variant` strips one '>' from this line. */
gboolean mbox_line_is_quoted(const char *line, gsize len, mbox_variant variant);

/* ---- mbox-headers.c ---- */

/* Flags and keywords from a message's header block (up to the first empty
 * line). Status:, X-Status:, X-Keywords:, X-Mozilla-Status: are read. */
void mbox_flags_from_headers(const char *msg, gsize len, guint *flags_r,
                             GPtrArray *keywords);
/* The first `name` header's unfolded, trimmed value, or NULL. Caller frees. */
char *mbox_header_get(const char *msg, gsize len, const char *name);
/* The body of an item's message as written after mbox_message_head. */
typedef struct mbox_body {
	const char *data;   /* in the item's bytes */
	gsize len;
	const char *tail;   /* line ending to add after it ("" when it ends with one) */
	const char *eol;    /* the message's line ending: CRLF when its first line has it */
} mbox_body;

/* Rewrites the header block for writing: removes Status:, X-Status:,
 * X-Keywords: (and Content-Length: when `set_length`) with their continuation
 * lines, appends fresh ones for `item` (and Content-Length: of the body when
 * `set_length`). Returns the new header block with its empty line; *body_r
 * says what follows it, so that a message with a body ends with a line ending. */
GString *mbox_message_head(const mf_item *item, gboolean set_length, mbox_body *body_r);

/* ---- mbox-scan.c ---- */

typedef struct {
	FILE *fp;
	char *path;
	char *iobuf;    /* the stdio buffer: fixed size, whatever the file size */
	guint64 start;  /* offset after the BOM */
	char *line;     /* current line, NUL-terminated; owned */
	size_t cap;
	gsize len;      /* bytes in line including its ending */
	guint64 line_off; /* file offset of the current line */
	guint64 next_off; /* file offset of the next unread byte */
	gboolean dateless_ok; /* the first From_ line has no date: later ones need none */
} mbox_lines;

/* Opens `path` read-only with a fixed-size stdio buffer and skips a UTF-8 BOM. */
gboolean mbox_lines_open(mbox_lines *lines, const char *path, GError **error);
void mbox_lines_close(mbox_lines *lines);
/* Reads the next line: 1 got one, 0 end of file, -1 read error (error set). */
int mbox_lines_next(mbox_lines *lines, GError **error);
/* TRUE when the current line is a From_ line in this file's style: once the
 * first From_ line carries a date, a dateless "From x@y" is a body line. */
gboolean mbox_lines_at_from(const mbox_lines *lines);
/* Goes back to the first byte after the BOM. */
gboolean mbox_lines_rewind(mbox_lines *lines, GError **error);

/* Offset of the first byte after an optional UTF-8 BOM in `head`. */
gsize mbox_bom_length(const guint8 *head, gsize len);

/* The first streaming pass over a file: decides its variant and leaves it at
 * its start again. */
gboolean mbox_detect_variant(mbox_lines *lines, mbox_variant *variant_r, GError **error);

/* TRUE when the file at `path` starts (after a BOM) with a From_ line. */
gboolean mbox_file_looks_like_mbox(const char *path);

/* ---- mbox-read.c / mbox-write.c ---- */

int mbox_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mbox_reader_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mbox_reader_next(mf_reader *reader, mf_item **item_r, GError **error);
void mbox_reader_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mbox_reader_ignored(mf_reader *reader);
void mbox_reader_close(mf_reader *reader);
/* The variant the reader detected for the file it is reading now (tests). */
mbox_variant mbox_reader_variant(mf_reader *reader);

mf_writer *mbox_writer_open(const char *outdir, const mf_options *opts, GError **error);
gboolean mbox_writer_put(mf_writer *writer, const mf_item *item, GError **error);
gboolean mbox_writer_close(mf_writer *writer, GError **error);

/* Folder segments for a file at `relpath` (relative to the tree root, or the
 * basename for a single file): ".sbd" stripped from directories, .mbox/.mbx/.mbs
 * from the file name. Caller frees (g_strfreev). */
char **mbox_folder_from_relpath(const char *relpath);

#endif
