/* Writes one vCard 3.0 file per folder: OUTDIR/<mapped parent dirs>/<name>.vcf,
 * the root (or INBOX) folder as OUTDIR/contacts.vcf. Cards are normalised
 * (vcf-v3.c) and appended to the folder's spool as they come; close() moves
 * each file into place (src/folder-files.c), so it appears whole or not at all. */
#include "vcf.h"
#include "mailferry/folder-files.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <string.h>

struct mf_writer {
	mf_folder_files *files;
	mf_file_namer *names; /* folder -> output file name */
};

mf_writer *mfi_vcf_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	if (g_mkdir_with_parents(outdir, 0755) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "mkdir(%s) failed: %s", outdir,
		            g_strerror(errno));
		return NULL;
	}
	mf_writer *w = g_new0(mf_writer, 1);
	w->files = mf_folder_files_new(outdir, opts && opts->fsync_items, NULL);
	w->names = mf_file_namer_new("vcf", "contacts");
	return w;
}

gboolean mfi_vcf_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (!(MF_KIND_BIT(item->kind) & MF_KINDS_CARDS) || !item->vcard) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: not a contact or list",
		            item->source, item->locator);
		return FALSE;
	}
	char *rel = mf_file_namer_path(w->names, (const char *const *)item->folder);
	FILE *fp;
	mf_folder_file *f = mf_folder_files_open(w->files, rel, &fp, error);
	g_free(rel);
	if (!f)
		return FALSE;
	char *card = mfi_vcf_card_to_v3(item->vcard);
	gsize len = strlen(card);
	gboolean ok = fwrite(card, 1, len, fp) == len;
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "write(%s) failed: %s", f->spool_path,
		            g_strerror(errno));
	g_free(card);
	return ok;
}

gboolean mfi_vcf_writer_close(mf_writer *w, GError **error)
{
	if (!w)
		return TRUE;
	gboolean ok = mf_folder_files_close(w->files, NULL, NULL, error);
	mf_file_namer_free(w->names);
	g_free(w);
	return ok;
}
