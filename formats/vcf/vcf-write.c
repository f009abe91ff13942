/* Writes one vCard 3.0 file per folder: OUTDIR/<mapped parent dirs>/<name>.vcf,
 * the root (or INBOX) folder as OUTDIR/contacts.vcf. Cards are normalised
 * (vcf-v3.c) and appended to ".<name>.vcf.tmp" as they come; close() renames
 * each temp file into place, so a file appears whole or not at all. */
#include "vcf.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


typedef struct vcf_out {
	char *final_path;
	char *tmp_path;
	FILE *fp;         /* open while this folder is the current one */
	gboolean started; /* temp file created (truncated) already */
} vcf_out;

struct mf_writer {
	char *outdir;
	gboolean do_fsync;
	mf_file_namer *files; /* folder -> output file name */
	GHashTable *outs;  /* folder key -> vcf_out* */
	GPtrArray *order;  /* vcf_out*, owned, in order of creation */
	vcf_out *current;
};

static void out_free(gpointer data)
{
	vcf_out *o = data;
	if (o->fp)
		fclose(o->fp);
	g_free(o->final_path);
	g_free(o->tmp_path);
	g_free(o);
}

mf_writer *mfi_vcf_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	if (g_mkdir_with_parents(outdir, 0755) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "mkdir(%s) failed: %s", outdir,
		            g_strerror(errno));
		return NULL;
	}
	mf_writer *w = g_new0(mf_writer, 1);
	w->outdir = g_strdup(outdir);
	w->do_fsync = opts && opts->fsync_items;
	w->files = mf_file_namer_new("vcf", "contacts");
	w->outs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	w->order = g_ptr_array_new_with_free_func(out_free);
	return w;
}

static vcf_out *out_new(mf_writer *w, const char *const *folder, GError **error)
{
	char *rel = mf_file_namer_path(w->files, folder);
	char *dir_rel = g_path_get_dirname(rel);
	char *base = g_path_get_basename(rel);
	vcf_out *o = NULL;
	if (strcmp(dir_rel, ".") == 0 || mf_mkdir_under(w->outdir, dir_rel, error)) {
		o = g_new0(vcf_out, 1);
		o->final_path = g_build_filename(w->outdir, rel, NULL);
		char *tmp = g_strconcat(".", base, ".tmp", NULL);
		o->tmp_path = g_build_filename(w->outdir, dir_rel, tmp, NULL);
		g_free(tmp);
	}
	g_free(rel);
	g_free(dir_rel);
	g_free(base);
	return o;
}

static vcf_out *out_for(mf_writer *w, const char *const *folder, GError **error)
{
	char *key = mf_folder_is_inbox(folder) ? g_strdup("") : g_strjoinv("\x01", (char **)folder);
	vcf_out *o = g_hash_table_lookup(w->outs, key);
	if (!o && (o = out_new(w, folder, error))) {
		g_hash_table_insert(w->outs, key, o);
		g_ptr_array_add(w->order, o);
		key = NULL;
	}
	g_free(key);
	return o;
}

/* Makes `o` the folder whose temp file is open (one open file at a time). */
static gboolean out_activate(mf_writer *w, vcf_out *o, GError **error)
{
	if (w->current == o)
		return TRUE;
	if (w->current && w->current->fp) {
		fclose(w->current->fp);
		w->current->fp = NULL;
	}
	w->current = NULL;
	o->fp = fopen(o->tmp_path, o->started ? "ab" : "wb");
	if (!o->fp) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "open(%s) failed: %s", o->tmp_path,
		            g_strerror(errno));
		return FALSE;
	}
	o->started = TRUE;
	w->current = o;
	return TRUE;
}

gboolean mfi_vcf_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (!(MF_KIND_BIT(item->kind) & MF_KINDS_CARDS) || !item->vcard) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: not a contact or list",
		            item->source, item->locator);
		return FALSE;
	}
	vcf_out *o = out_for(w, (const char *const *)item->folder, error);
	if (!o || !out_activate(w, o, error))
		return FALSE;
	char *card = mfi_vcf_card_to_v3(item->vcard);
	gsize len = strlen(card);
	gboolean ok = fwrite(card, 1, len, o->fp) == len;
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "write(%s) failed: %s", o->tmp_path,
		            g_strerror(errno));
	g_free(card);
	return ok;
}

static gboolean out_finish(mf_writer *w, vcf_out *o, GError **error)
{
	if (!o->started)
		return TRUE;
	FILE *fp = o->fp ? o->fp : fopen(o->tmp_path, "ab");
	o->fp = NULL;
	gboolean ok = fp && fflush(fp) == 0 && (!w->do_fsync || fsync(fileno(fp)) == 0);
	int saved = errno;
	if (fp && fclose(fp) != 0 && ok) {
		ok = FALSE;
		saved = errno;
	}
	if (ok && rename(o->tmp_path, o->final_path) != 0) {
		ok = FALSE;
		saved = errno;
	}
	if (!ok) {
		unlink(o->tmp_path);
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "writing %s failed: %s", o->final_path,
		            g_strerror(saved));
	}
	return ok;
}

gboolean mfi_vcf_writer_close(mf_writer *w, GError **error)
{
	if (!w)
		return TRUE;
	gboolean ok = TRUE;
	for (guint i = 0; i < w->order->len; i++) {
		GError *local = NULL;
		if (!out_finish(w, w->order->pdata[i], &local)) {
			if (ok)
				g_propagate_error(error, local);
			else
				g_error_free(local);
			ok = FALSE;
		}
	}
	g_ptr_array_unref(w->order);
	g_hash_table_destroy(w->outs);
	mf_file_namer_free(w->files);
	g_free(w->outdir);
	g_free(w);
	return ok;
}
