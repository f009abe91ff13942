/* Writes OUTDIR/<mapped folder dirs>/NNNNNN.eml, one file per message, numbered
 * per folder in the order items arrive. Each file appears atomically: it is
 * written as .NNNNNN.eml.tmp beside its final name and renamed. */
#include "eml.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <string.h>

#define EML_SEQ_MAX 999999u

struct mf_writer {
	char *outdir;
	gboolean do_fsync;
	mf_namer *namer;
	GHashTable *next_seq; /* mapped relative dir ("" for OUTDIR) -> guint next number */
};

mf_writer *mfi_eml_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	if (g_mkdir_with_parents(outdir, 0755) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "mkdir(%s) failed: %s", outdir,
		            g_strerror(errno));
		return NULL;
	}
	mf_writer *w = g_new0(mf_writer, 1);
	w->outdir = g_strdup(outdir);
	w->do_fsync = opts && opts->fsync_items;
	w->namer = mf_namer_new(NULL);
	w->next_seq = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return w;
}

static gboolean is_inbox(const char *const *folder)
{
	return !folder || !folder[0] ||
	       (!folder[1] && g_ascii_strcasecmp(folder[0], "INBOX") == 0);
}

/* The folder's directory relative to OUTDIR, created; NULL with error. */
static char *folder_dir(mf_writer *w, const mf_item *item, GError **error)
{
	if (is_inbox((const char *const *)item->folder))
		return g_strdup("");
	char **mapped = mf_namer_map(w->namer, (const char *const *)item->folder);
	char *rel = g_strjoinv("/", mapped);
	g_strfreev(mapped);
	if (!mf_mkdir_under(w->outdir, rel, error)) {
		g_free(rel);
		return NULL;
	}
	return rel;
}

gboolean mfi_eml_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (item->kind != MF_KIND_MESSAGE || !item->mime) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s %s: eml writer takes messages only",
		            item->source ? item->source : "?", item->locator ? item->locator : "");
		return FALSE;
	}
	char *rel = folder_dir(w, item, error);
	if (!rel)
		return FALSE;
	guint seq = GPOINTER_TO_UINT(g_hash_table_lookup(w->next_seq, rel)) + 1;
	if (seq > EML_SEQ_MAX) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s %s: more than %u messages in folder %s",
		            item->source, item->locator, EML_SEQ_MAX, *rel ? rel : "INBOX");
		g_free(rel);
		return FALSE;
	}
	char *dir = g_build_filename(w->outdir, rel, NULL);
	char *tmp_name = g_strdup_printf(".%06u.eml.tmp", seq);
	char *final_name = g_strdup_printf("%06u.eml", seq);
	char *tmp = g_build_filename(dir, tmp_name, NULL);
	char *final = g_build_filename(dir, final_name, NULL);
	gsize len;
	const void *data = g_bytes_get_data(item->mime, &len);
	gboolean ok = mf_write_atomic(tmp, final, data, len, item->internal_date, w->do_fsync, error);
	if (ok)
		g_hash_table_insert(w->next_seq, rel, GUINT_TO_POINTER(seq));
	else
		g_free(rel);
	g_free(dir);
	g_free(tmp_name);
	g_free(final_name);
	g_free(tmp);
	g_free(final);
	return ok;
}

gboolean mfi_eml_writer_close(mf_writer *w, GError **error)
{
	(void)error;
	if (!w)
		return TRUE;
	mf_namer_free(w->namer);
	g_hash_table_destroy(w->next_seq);
	g_free(w->outdir);
	g_free(w);
	return TRUE;
}
