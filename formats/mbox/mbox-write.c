/* The mbox writer: one file per folder in Thunderbird's layout (["A"] ->
 * OUTDIR/A, ["A","B"] -> OUTDIR/A.sbd/B, the root and INBOX -> OUTDIR/INBOX).
 *
 * Each folder file grows under a temporary name beside its final one and is
 * renamed when the writer closes, so a reader never sees half a folder. Items
 * of many folders can interleave; only a few FILE*s stay open at a time and a
 * file closed to make room is reopened in append mode.
 *
 * Quoting: mboxrd (default) adds one '>' to ^>*From  lines, which the reader
 * reverses exactly; mboxo quotes only ^From ; mboxcl2 quotes nothing and sets
 * Content-Length: instead.
 */
#include "mbox.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPEN_FILES 4

typedef struct {
	char *tmp_path;
	char *final_path;
	FILE *fp;
	guint64 last_use;
	gboolean started; /* the temp file exists: reopen in append mode */
} out_file;

struct mf_writer {
	char *outdir;
	mbox_variant variant;
	gboolean do_fsync;
	mf_namer *namer;
	GHashTable *files; /* relative path -> out_file* */
	guint open_count;
	guint64 clock;
};

static void out_file_free(gpointer p)
{
	out_file *f = p;
	if (f->fp)
		fclose(f->fp);
	g_free(f->tmp_path);
	g_free(f->final_path);
	g_free(f);
}

mf_writer *mbox_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	if (g_mkdir_with_parents(outdir, 0777) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", outdir, g_strerror(errno));
		return NULL;
	}
	g_mime_init(); /* counted: safe when the program did it already */
	mf_writer *w = g_new0(mf_writer, 1);
	w->outdir = g_strdup(outdir);
	mf_mbox_format fmt = opts ? opts->mbox_format : MF_MBOX_RD;
	w->variant = fmt == MF_MBOX_O ? MBOX_VARIANT_O
	             : fmt == MF_MBOX_CL2 ? MBOX_VARIANT_CL2 : MBOX_VARIANT_RD;
	w->do_fsync = opts && opts->fsync_items;
	w->namer = mf_namer_new(NULL);
	w->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, out_file_free);
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

static out_file *out_file_new(mf_writer *w, const char *rel, GError **error)
{
	char *dir = g_path_get_dirname(rel);
	char *base = g_path_get_basename(rel);
	out_file *f = NULL;
	if (strcmp(dir, ".") == 0 || mf_mkdir_under(w->outdir, dir, error)) {
		f = g_new0(out_file, 1);
		char *tmp_name = g_strconcat(".", base, ".mf-tmp", NULL);
		f->final_path = g_build_filename(w->outdir, rel, NULL);
		f->tmp_path = g_build_filename(w->outdir, dir, tmp_name, NULL);
		g_free(tmp_name);
	} else if (error && *error) {
		(*error)->code = MF_ERROR_OUTPUT;
	}
	g_free(dir);
	g_free(base);
	return f;
}

static gboolean out_file_finish(mf_writer *w, out_file *f, GError **error)
{
	gboolean ok = fflush(f->fp) == 0 && (!w->do_fsync || fsync(fileno(f->fp)) == 0);
	ok = (fclose(f->fp) == 0) && ok;
	f->fp = NULL;
	w->open_count--;
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", f->tmp_path, g_strerror(errno));
	return ok;
}

static gboolean evict_one(mf_writer *w, GError **error)
{
	GHashTableIter it;
	gpointer value;
	out_file *oldest = NULL;
	g_hash_table_iter_init(&it, w->files);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		out_file *f = value;
		if (f->fp && (!oldest || f->last_use < oldest->last_use))
			oldest = f;
	}
	return !oldest || out_file_finish(w, oldest, error);
}

static out_file *folder_file(mf_writer *w, const mf_item *item, GError **error)
{
	char *rel = folder_relpath(w, item->folder);
	out_file *f = g_hash_table_lookup(w->files, rel);
	if (!f) {
		if (!(f = out_file_new(w, rel, error))) {
			g_free(rel);
			return NULL;
		}
		g_hash_table_insert(w->files, g_strdup(rel), f);
	}
	g_free(rel);
	if (!f->fp) {
		if (w->open_count >= MAX_OPEN_FILES && !evict_one(w, error))
			return NULL;
		f->fp = fopen(f->tmp_path, f->started ? "ab" : "wb");
		if (!f->fp) {
			g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", f->tmp_path,
			            g_strerror(errno));
			return NULL;
		}
		f->started = TRUE;
		w->open_count++;
	}
	f->last_use = ++w->clock;
	return f;
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

/* Writes the message line by line, quoting as the variant says. */
static gboolean write_quoted(FILE *fp, const char *data, gsize len, mbox_variant variant)
{
	for (gsize pos = 0; pos < len;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		gsize e = nl ? (gsize)(nl - data) + 1 : len;
		if (mbox_line_needs_quote(data + pos, e - pos, variant) && fputc('>', fp) == EOF)
			return FALSE;
		if (fwrite(data + pos, 1, e - pos, fp) != e - pos)
			return FALSE;
		pos = e;
	}
	return TRUE;
}

gboolean mbox_writer_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (item->kind != MF_KIND_MESSAGE || !item->mime) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: the mbox writer takes messages only",
		            item->source ? item->source : "?", item->locator ? item->locator : "?");
		return FALSE;
	}
	out_file *f = folder_file(w, item, error);
	if (!f)
		return FALSE;
	gsize body_off;
	GString *msg = mbox_message_rewrite(item, w->variant == MBOX_VARIANT_CL2, &body_off);
	const char *nl = memchr(msg->str, '\n', msg->len);
	const char *eol = (nl && nl > msg->str && nl[-1] == '\r') ? "\r\n" : "\n";
	char *line = from_line(item, eol);
	gboolean ok = fputs(line, f->fp) != EOF &&
	              write_quoted(f->fp, msg->str, msg->len, w->variant) &&
	              fputs(eol, f->fp) != EOF;
	g_free(line);
	g_string_free(msg, TRUE);
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", f->tmp_path, g_strerror(errno));
	return ok;
}

static gint compare_keys(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

gboolean mbox_writer_close(mf_writer *w, GError **error)
{
	if (!w)
		return TRUE;
	gboolean ok = TRUE;
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, w->files);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(keys, key);
	g_ptr_array_sort(keys, compare_keys);
	for (guint i = 0; i < keys->len; i++) {
		out_file *f = g_hash_table_lookup(w->files, keys->pdata[i]);
		GError *local = NULL;
		if (f->fp && !out_file_finish(w, f, &local)) {
			ok = FALSE;
		} else if (rename(f->tmp_path, f->final_path) != 0) {
			g_set_error(&local, MF_ERROR, MF_ERROR_OUTPUT, "%s: %s", f->final_path,
			            g_strerror(errno));
			ok = FALSE;
		}
		if (local)
			g_propagate_error(error && !*error ? error : NULL, local);
	}
	g_ptr_array_unref(keys);
	g_hash_table_destroy(w->files);
	mf_namer_free(w->namer);
	g_free(w->outdir);
	g_free(w);
	return ok;
}
