/* vcf driver: vCard files. No library here does vCard, so the small parsing
 * and writing helpers live in vcf-card.c. */
#ifndef MAILFERRY_VCF_H
#define MAILFERRY_VCF_H

#include "mailferry/driver.h"

/* vcf-read.c */
int mfi_vcf_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_vcf_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_vcf_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_vcf_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_vcf_ignored(mf_reader *reader);
void mfi_vcf_close(mf_reader *reader);

/* vcf-card.c: pure helpers, no I/O. */

/* One content line split up: [group.]NAME[;param...]:value. */
typedef struct mfi_vcf_prop {
	char *group;       /* NULL or "item1" */
	char *name;        /* upper-cased */
	GPtrArray *params; /* char* "NAME=value" or a bare 2.1 "HOME" */
	char *value;
} mfi_vcf_prop;

/* NULL when the line has no ':' after a name. Free with mfi_vcf_prop_free. */
mfi_vcf_prop *mfi_vcf_prop_parse(const char *line);
void mfi_vcf_prop_free(mfi_vcf_prop *prop);

/* TRUE when a logical line continues on the next physical one: the physical
 * line starts with a space or tab (RFC 6350 3.2), or the logical line is
 * quoted-printable and ends in a soft line break '=' (vCard 2.1). */
gboolean mfi_vcf_is_continuation(const char *logical, const char *physical);
/* Appends `physical` to `logical` as mfi_vcf_is_continuation() decided. */
void mfi_vcf_unfold_append(GString *logical, const char *physical);

/* Splits card text (folded or not, LF or CRLF) into unfolded logical lines. */
GPtrArray *mfi_vcf_unfold(const char *text);

/* MF_KIND_DISTLIST for KIND:group or X-ADDRESSBOOKSERVER-KIND:group, else CONTACT. */
mf_kind mfi_vcf_card_kind(const char *text);

/* The card as vCard 3.0 (RFC 2426): BEGIN/VERSION:3.0/END, N and FN present,
 * 2.1 encodings and charsets decoded to UTF-8, CRLF, folded at 75 octets. */
char *mfi_vcf_card_to_v3(const char *text);

/* Appends `line` + CRLF folded at 75 octets, never inside a UTF-8 sequence. */
void mfi_vcf_append_folded(GString *out, const char *line);
/* For the vCard builders of other readers (PST, MDaemon): a text value with
 * backslash, comma, semicolon and newlines escaped (RFC 2426 4; CR dropped),
 * caller frees; "NAME:value" folded; the same for a text value, nothing when
 * it is empty. */
char *mfi_vcf_escape_text(const char *s);
void mfi_vcf_append_line(GString *out, const char *name, const char *raw_value);
void mfi_vcf_append_text(GString *out, const char *name, const char *value);
/* "NAME:a,b,c" from a text list (CATEGORIES), each escaped, empty ones left
 * out; nothing when none is left. */
void mfi_vcf_append_list(GString *out, const char *name, const char *const *values);
/* A parameter value (RFC 2426 4: ptext or quoted-string): control characters
 * dropped, DQUOTE, which neither form can hold, as an apostrophe, and quoted
 * when it holds ',', ':' or ';'. Caller frees. */
char *mfi_vcf_param_value(const char *value);
/* The value of the property's first NAME=value parameter (case-insensitive
 * name), surrounding double quotes removed; NULL when it has none. Caller frees. */
char *mfi_vcf_prop_param(const mfi_vcf_prop *prop, const char *name);
/* A file attached to a contact or list (PST, [MS-OXOCNTC]), which vCard has no
 * property for: an extended type (RFC 2426 3.8) with the bytes inline, see
 * mfi_vcf_append_binary(). Readers that know it (ews) upload it as a file. */
#define MFI_VCF_ATTACHMENT "X-MAILFERRY-ATTACHMENT"
/* Inline binary, as PHOTO carries it (RFC 2426 3.1.4, ENCODING=b):
 * "NAME;ENCODING=b[;TYPE=type][;X-FILENAME=filename]:<base64>", folded; the
 * parameters left out when NULL or empty. PHOTO (TYPE=JPEG) and the files
 * attached to PST contacts (X-MAILFERRY-ATTACHMENT, TYPE=MIME type). */
void mfi_vcf_append_binary(GString *out, const char *name, const char *type,
                           const char *filename, const void *data, gsize len);

/* vcf-write.c */
mf_writer *mfi_vcf_writer_open(const char *outdir, const mf_options *opts, GError **error);
gboolean mfi_vcf_put(mf_writer *writer, const mf_item *item, GError **error);
gboolean mfi_vcf_writer_close(mf_writer *writer, GError **error);

#endif
