/* Maildir++ writer, laid out as Dovecot reads it by default:
 *
 *   OUTDIR/{cur,new,tmp}                       the INBOX (folder [] or ["INBOX"])
 *   OUTDIR/.A.B/{cur,new,tmp} + maildirfolder  folder ["A","B"]
 *
 * Each segment goes through one mf_namer (which also forbids '.', the
 * Maildir++ hierarchy separator) and is then encoded to IMAP modified UTF-7.
 * A message is written to tmp/ and renamed into cur/ as
 * "<date>.M<seq>P<crc8>.mailferry:2,<flags>", or into new/ without an info
 * part when it is recent and has no flag letters at all (the Maildir spec
 * gives new/ files no info, and readers such as Python's mailbox ignore it
 * there). Names depend only on the item and its position in its folder, so a
 * run is reproducible byte for byte. Keywords get letters a-z per folder in
 * first-seen order; dovecot-keywords is written when the writer closes.
 */
#include "maildir.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define DIRNAME_MAX 255 /* NAME_MAX on the file systems we target */

typedef struct wfolder {
	char *dir;          /* "" for the INBOX, ".A.B" otherwise */
	char *display;      /* "A/B", for messages */
	guint seq;          /* messages written so far */
	GPtrArray *keywords;/* char*: index i has letter 'a' + i */
	GPtrArray *dropped; /* char*: keywords that got no letter */
} wfolder;

struct mf_writer {
	char *outdir;
	gboolean fsync;
	mf_namer *namer;
	GHashTable *by_dir; /* dir -> wfolder*, owns them */
	GPtrArray *order;   /* wfolder*, borrowed: creation order for close() */
};

static void wfolder_free(gpointer p)
{
	wfolder *f = p;
	g_free(f->dir);
	g_free(f->display);
	g_ptr_array_unref(f->keywords);
	g_ptr_array_unref(f->dropped);
	g_free(f);
}

static gboolean is_inbox(const char *const *folder)
{
	return !folder || !folder[0] ||
	       (!folder[1] && g_ascii_strcasecmp(folder[0], "INBOX") == 0);
}

/* Maildir++ flattens a whole folder path into one directory name, which can
 * pass NAME_MAX for deep or long paths. Rather than lose the folder, keep its
 * start and make it unique with a hash of the full name: ".Start…~1a2b3c4d". */
static void shorten_dirname(GString *dir)
{
	char *hash = mf_sha256_hex(dir->str, dir->len);
	gsize keep = DIRNAME_MAX - 10;
	/* Cut on a UTF-7 boundary: never inside a "&...-" run. */
	const char *amp = memchr(dir->str, '&', keep);
	while (amp) {
		const char *dash = memchr(amp, '-', dir->len - (gsize)(amp - dir->str));
		if (!dash || (gsize)(dash - dir->str) >= keep) {
			keep = (gsize)(amp - dir->str);
			break;
		}
		amp = memchr(dash, '&', keep - (gsize)(dash - dir->str));
	}
	while (keep > 1 && dir->str[keep - 1] == '.')
		keep--;
	g_string_truncate(dir, keep);
	g_string_append_printf(dir, "~%.8s", hash);
	g_free(hash);
}

/* The output directory name for a folder: "" or ".A.B". */
static char *folder_dir(mf_writer *w, const char *const *folder, GError **error)
{
	(void)error;
	if (is_inbox(folder))
		return g_strdup("");
	char **mapped = mf_namer_map(w->namer, folder);
	GString *dir = g_string_new("");
	for (char **m = mapped; *m; m++) {
		char *encoded = mfi_imap_utf7_encode(*m);
		g_string_append_c(dir, '.');
		g_string_append(dir, encoded);
		g_free(encoded);
	}
	g_strfreev(mapped);
	if (dir->len > DIRNAME_MAX)
		shorten_dirname(dir);
	return g_string_free(dir, FALSE);
}

static char *out_path(mf_writer *w, const wfolder *f, const char *sub, const char *name)
{
	return g_build_filename(w->outdir, f->dir, sub ? sub : name, sub ? name : NULL, NULL);
}

static gboolean make_maildir(mf_writer *w, const char *dir, GError **error)
{
	static const char *const parts[] = { "cur", "new", "tmp" };
	for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
		char *rel = *dir ? g_strconcat(dir, "/", parts[i], NULL) : g_strdup(parts[i]);
		gboolean ok = mf_mkdir_under(w->outdir, rel, error);
		g_free(rel);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static wfolder *folder_get(mf_writer *w, const char *const *folder, GError **error)
{
	char *dir = folder_dir(w, folder, error);
	if (!dir)
		return NULL;
	wfolder *f = g_hash_table_lookup(w->by_dir, dir);
	if (f) {
		g_free(dir);
		return f;
	}
	if (!make_maildir(w, dir, error)) {
		g_free(dir);
		return NULL;
	}
	f = g_new0(wfolder, 1);
	f->dir = dir;
	f->display = is_inbox(folder) ? g_strdup("INBOX") : mf_folder_to_string(folder);
	f->keywords = g_ptr_array_new_with_free_func(g_free);
	f->dropped = g_ptr_array_new_with_free_func(g_free);
	if (*dir) {
		char *tmp = out_path(w, f, "tmp", MFI_MAILDIR_FOLDER_MARKER ".mailferry");
		char *marker = out_path(w, f, NULL, MFI_MAILDIR_FOLDER_MARKER);
		gboolean ok = mf_write_atomic(tmp, marker, "", 0, 0, w->fsync, error);
		g_free(tmp);
		g_free(marker);
		if (!ok) {
			wfolder_free(f);
			return NULL;
		}
	}
	g_hash_table_insert(w->by_dir, f->dir, f);
	g_ptr_array_add(w->order, f);
	return f;
}

mf_writer *mfi_maildir_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	mf_writer *w = g_new0(mf_writer, 1);
	w->outdir = g_strdup(outdir);
	w->fsync = opts && opts->fsync_items;
	w->namer = mf_namer_new(".");
	w->by_dir = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, wfolder_free);
	w->order = g_ptr_array_new();
	/* The root is always a Maildir, so that Dovecot (and our reader) take the
	 * ".A.B" directories for Maildir++ folders even with nothing in the INBOX. */
	if (g_mkdir_with_parents(outdir, 0755) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "mkdir(%s) failed: %s", outdir,
		            g_strerror(errno));
		mfi_maildir_writer_close(w, NULL);
		return NULL;
	}
	if (!folder_get(w, NULL, error)) {
		mfi_maildir_writer_close(w, NULL);
		return NULL;
	}
	return w;
}

static gboolean keyword_storable(const char *keyword)
{
	for (const char *p = keyword; *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return FALSE; /* would break the one-line-per-keyword file */
	return *keyword != '\0';
}

static void keyword_drop(wfolder *f, const char *keyword)
{
	for (guint i = 0; i < f->dropped->len; i++)
		if (strcmp(f->dropped->pdata[i], keyword) == 0)
			return;
	if (f->dropped->len == 0)
		g_printerr("mailferry: maildir: folder \"%s\": keyword \"%s\" cannot be stored "
		           "(a Maildir folder holds at most %d keywords, as letters a-z, each "
		           "without control characters); later ones may be dropped too\n",
		           f->display, keyword, MFI_MAILDIR_MAX_KEYWORDS);
	g_ptr_array_add(f->dropped, g_strdup(keyword));
}

/* The folder's letters for the item's keywords, assigning new ones as needed. */
static char *keyword_letters(wfolder *f, const mf_item *item)
{
	GString *letters = g_string_new("");
	for (guint k = 0; item->keywords && k < item->keywords->len; k++) {
		const char *keyword = item->keywords->pdata[k];
		guint i = 0;
		while (i < f->keywords->len && strcmp(f->keywords->pdata[i], keyword) != 0)
			i++;
		if (i == f->keywords->len) {
			if (i >= MFI_MAILDIR_MAX_KEYWORDS || !keyword_storable(keyword)) {
				keyword_drop(f, keyword);
				continue;
			}
			g_ptr_array_add(f->keywords, g_strdup(keyword));
		}
		g_string_append_c(letters, (char)('a' + i));
	}
	return g_string_free(letters, FALSE);
}

static gboolean write_message(mf_writer *w, wfolder *f, const mf_item *item, GError **error)
{
	gsize len;
	const void *data = g_bytes_get_data(item->mime, &len);
	gint64 date = item->internal_date > 0 ? item->internal_date : mf_mime_date(item->mime);
	if (date <= 0)
		date = 1; /* never "now": output must not depend on when it ran */
	/* A tag that differs with the content (the sequence number already makes
	 * the name unique): CRC-32 of the first 64 KiB and the length. Hashing
	 * whole messages (SHA-256 of every byte) took a third of a PST run. */
	guint64 size = GUINT64_TO_LE((guint64)len);
	uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), data, MIN(len, (gsize)65536));
	crc = crc32_z(crc, (const Bytef *)&size, sizeof size);
	char *letters = keyword_letters(f, item);
	char *flags = mfi_maildir_flags_format(item->flags, letters);
	gboolean to_new = (item->flags & MF_FLAG_RECENT) && flags[0] == '\0';
	char *base = g_strdup_printf("%" G_GINT64_FORMAT ".M%uP%08x.mailferry", date, ++f->seq,
	                             (guint32)crc);
	char *final_name = to_new ? g_strdup(base) : g_strconcat(base, ":2,", flags, NULL);
	char *tmp = out_path(w, f, "tmp", base);
	char *final = out_path(w, f, to_new ? "new" : "cur", final_name);
	gboolean ok = mf_write_atomic(tmp, final, data, len, date, w->fsync, error);
	if (!ok)
		g_prefix_error(error, "%s: %s: ", item->source ? item->source : "?",
		               item->locator ? item->locator : "?");
	g_free(final);
	g_free(tmp);
	g_free(final_name);
	g_free(base);
	g_free(flags);
	g_free(letters);
	return ok;
}

gboolean mfi_maildir_writer_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (item->kind != MF_KIND_MESSAGE || !item->mime) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: a Maildir holds only messages "
		            "with content, not a %s%s", item->source ? item->source : "?",
		            item->locator ? item->locator : "?", mf_kind_name(item->kind),
		            item->mime ? "" : " without content");
		return FALSE;
	}
	GError *folder_error = NULL;
	wfolder *f = folder_get(w, (const char *const *)item->folder, &folder_error);
	if (!f) {
		g_propagate_prefixed_error(error, folder_error, "%s: %s: ",
		                           item->source ? item->source : "?",
		                           item->locator ? item->locator : "?");
		return FALSE;
	}
	return write_message(w, f, item, error);
}

static gboolean write_keywords(mf_writer *w, const wfolder *f, GError **error)
{
	if (f->keywords->len == 0)
		return TRUE;
	char *text = mfi_maildir_keywords_format((const char *const *)f->keywords->pdata,
	                                         f->keywords->len);
	char *tmp = out_path(w, f, "tmp", MFI_MAILDIR_KEYWORDS_FILE ".mailferry");
	char *final = out_path(w, f, NULL, MFI_MAILDIR_KEYWORDS_FILE);
	gboolean ok = mf_write_atomic(tmp, final, text, strlen(text), 0, w->fsync, error);
	g_free(final);
	g_free(tmp);
	g_free(text);
	return ok;
}

gboolean mfi_maildir_writer_close(mf_writer *w, GError **error)
{
	gboolean ok = TRUE;
	for (guint i = 0; i < w->order->len; i++)
		if (ok && !write_keywords(w, w->order->pdata[i], error))
			ok = FALSE;
	g_ptr_array_unref(w->order);
	g_hash_table_destroy(w->by_dir);
	mf_namer_free(w->namer);
	g_free(w->outdir);
	g_free(w);
	return ok;
}
