/* The mbox writer: one file per folder in Thunderbird's layout (["A"] ->
 * OUTDIR/A, ["A","B"] -> OUTDIR/A.sbd/B, the root and INBOX -> OUTDIR/INBOX).
 *
 * Each folder file grows as a spool beside its final name and is renamed when
 * the writer closes (src/folder-files.c), so a reader never sees half a folder.
 *
 * Quoting: mboxrd (default) adds one '>' to ^>*From  lines, which the reader
 * reverses exactly; mboxo quotes only ^From ; mboxcl2 quotes nothing and sets
 * Content-Length: instead.
 */
#include "mbox.h"
#include "mailferry/folder-files.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>
#include <unistd.h>

struct mf_writer {
	mbox_variant variant;
	mf_namer *namer;
	mf_folder_files *files;
};

mf_writer *mbox_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	if (g_mkdir_with_parents(outdir, 0777) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", outdir, g_strerror(errno));
		return NULL;
	}
	g_mime_init(); /* counted: safe when the program did it already */
	mf_writer *w = g_new0(mf_writer, 1);
	mf_mbox_format fmt = opts ? opts->mbox_format : MF_MBOX_RD;
	w->variant = fmt == MF_MBOX_O ? MBOX_VARIANT_O
	             : fmt == MF_MBOX_CL2 ? MBOX_VARIANT_CL2 : MBOX_VARIANT_RD;
	w->namer = mf_namer_new(NULL);
	w->files = mf_folder_files_new(outdir, opts && opts->fsync_items, NULL);
	return w;
}

/* OUTDIR-relative path of a folder's file: "INBOX", "A", "A.sbd/B". */
static char *folder_relpath(mf_writer *w, char *const *folder)
{
	guint n = folder ? g_strv_length((char **)folder) : 0;
	const char *inbox[] = { "INBOX", NULL };
	gboolean is_inbox = n == 0 || (n == 1 && g_ascii_strcasecmp(folder[0], "INBOX") == 0);
	char **segs = g_strdupv(is_inbox ? (char **)inbox : (char **)folder);
	for (char **s = segs; *s; s++) { /* "X.sbd" would collide with X's child directory */
		gsize len = strlen(*s);
		if (len >= 4 && g_ascii_strcasecmp(*s + len - 4, ".sbd") == 0)
			(*s)[len - 4] = '_';
	}
	char **mapped = mf_namer_map(w->namer, (const char *const *)segs);
	GString *rel = g_string_new(NULL);
	for (guint i = 0; mapped[i]; i++) {
		if (i > 0)
			g_string_append(rel, ".sbd/");
		g_string_append(rel, mapped[i]);
	}
	g_strfreev(mapped);
	g_strfreev(segs);
	return g_string_free(rel, FALSE);
}

/* Envelope sender: the item's, else the From: address, else MAILER-DAEMON;
 * always one word. Caller frees. */
static char *envelope_sender(const mf_item *item, const char *msg, gsize len)
{
	char *sender = NULL;
	if (item->envelope_sender && *item->envelope_sender)
		sender = g_strdup(item->envelope_sender);
	char *from = sender ? NULL : mbox_header_get(msg, len, "From");
	InternetAddressList *list = from ? internet_address_list_parse(NULL, from) : NULL;
	for (int i = 0; list && !sender && i < internet_address_list_length(list); i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			if (addr && *addr)
				sender = g_strdup(addr);
		}
	}
	if (list)
		g_object_unref(list);
	g_free(from);
	if (!sender)
		sender = g_strdup("MAILER-DAEMON");
	for (char *p = sender; *p; p++)
		if ((guchar)*p <= ' ' || *p == 0x7f)
			*p = '_';
	return sender;
}

static char *from_line(const mf_item *item, const char *eol)
{
	gsize len = 0;
	const char *msg = item->mime ? g_bytes_get_data(item->mime, &len) : "";
	gint64 when = item->internal_date;
	if (when <= 0 && item->mime)
		when = mf_mime_date(item->mime);
	char *sender = envelope_sender(item, msg, len);
	char *date = mbox_date_format(when > 0 ? when : 0);
	char *line = g_strdup_printf("From %s %s%s", sender, date, eol);
	g_free(sender);
	g_free(date);
	return line;
}

/* Writes `data`, adding '>' to the lines the variant quotes. Most lines need
 * nothing, so the runs between quoted lines go out in one piece. */
static gboolean write_quoted(FILE *fp, const char *data, gsize len, mbox_variant variant)
{
	gsize run = 0; /* start of the bytes not written yet */
	for (gsize pos = 0; pos < len;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		gsize e = nl ? (gsize)(nl - data) + 1 : len;
		if ((data[pos] == 'F' || data[pos] == '>') &&
		    mbox_line_needs_quote(data + pos, e - pos, variant)) {
			if (fwrite(data + run, 1, pos - run, fp) != pos - run || fputc('>', fp) == EOF)
				return FALSE;
			run = pos;
		}
		pos = e;
	}
	return fwrite(data + run, 1, len - run, fp) == len - run;
}

gboolean mbox_writer_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (item->kind != MF_KIND_MESSAGE || !item->mime) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: the mbox writer takes messages only",
		            item->source ? item->source : "?", item->locator ? item->locator : "?");
		return FALSE;
	}
	char *rel = folder_relpath(w, item->folder);
	FILE *fp;
	mf_folder_file *f = mf_folder_files_open(w->files, rel, &fp, error);
	g_free(rel);
	if (!f)
		return FALSE;
	mbox_body body;
	GString *head = mbox_message_head(item, w->variant == MBOX_VARIANT_CL2, &body);
	char *line = from_line(item, body.eol);
	gboolean ok = fputs(line, fp) != EOF && write_quoted(fp, head->str, head->len, w->variant) &&
	              write_quoted(fp, body.data, body.len, w->variant) &&
	              fputs(body.tail, fp) != EOF && fputs(body.eol, fp) != EOF;
	g_free(line);
	g_string_free(head, TRUE);
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", f->spool_path, g_strerror(errno));
	return ok;
}

gboolean mbox_writer_close(mf_writer *w, GError **error)
{
	if (!w)
		return TRUE;
	gboolean ok = mf_folder_files_close(w->files, NULL, NULL, error);
	mf_namer_free(w->namer);
	g_free(w);
	return ok;
}
