/* Per-folder output files for writers (see include/mailferry/folder-files.h). */
#include "mailferry/folder-files.h"
#include "mailferry/driver.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Enough for the usual interleaving (a few folders at a time), far below any
 * descriptor limit. */
#define MAX_OPEN_SPOOLS 4

struct mf_folder_files {
	char *outdir;
	gboolean do_fsync;
	GDestroyNotify free_data;
	GHashTable *by_rel; /* rel path -> mf_folder_file* (owned by `order`) */
	GPtrArray *order;   /* mf_folder_file*, in order of first use */
	guint open_count;
	guint64 clock;
};

static void file_free(gpointer p, GDestroyNotify free_data)
{
	mf_folder_file *f = p;
	if (f->fp)
		fclose(f->fp);
	if (f->data && free_data)
		free_data(f->data);
	g_free(f->rel_path);
	g_free(f->final_path);
	g_free(f->spool_path);
	g_free(f);
}

mf_folder_files *mf_folder_files_new(const char *outdir, gboolean do_fsync,
                                     GDestroyNotify free_data)
{
	mf_folder_files *ff = g_new0(mf_folder_files, 1);
	ff->outdir = g_strdup(outdir);
	ff->do_fsync = do_fsync;
	ff->free_data = free_data;
	ff->by_rel = g_hash_table_new(g_str_hash, g_str_equal);
	ff->order = g_ptr_array_new();
	return ff;
}

static mf_folder_file *file_new(mf_folder_files *ff, const char *rel, GError **error)
{
	char *dir = g_path_get_dirname(rel);
	char *base = g_path_get_basename(rel);
	mf_folder_file *f = NULL;
	if (strcmp(dir, ".") == 0 || mf_mkdir_under(ff->outdir, dir, error)) {
		f = g_new0(mf_folder_file, 1);
		char *spool = g_strconcat(".", base, ".spool", NULL);
		f->rel_path = g_strdup(rel);
		f->final_path = g_build_filename(ff->outdir, rel, NULL);
		f->spool_path = g_build_filename(ff->outdir, dir, spool, NULL);
		g_free(spool);
		g_hash_table_insert(ff->by_rel, f->rel_path, f);
		g_ptr_array_add(ff->order, f);
	}
	g_free(dir);
	g_free(base);
	return f;
}

static gboolean spool_close(mf_folder_files *ff, mf_folder_file *f, GError **error)
{
	if (!f->fp)
		return TRUE;
	gboolean ok = fflush(f->fp) == 0 && (!ff->do_fsync || fsync(fileno(f->fp)) == 0);
	int saved = errno;
	if (fclose(f->fp) != 0 && ok) {
		ok = FALSE;
		saved = errno;
	}
	f->fp = NULL;
	ff->open_count--;
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "writing %s failed: %s", f->spool_path,
		            g_strerror(saved));
	return ok;
}

static gboolean make_room(mf_folder_files *ff, GError **error)
{
	if (ff->open_count < MAX_OPEN_SPOOLS)
		return TRUE;
	mf_folder_file *oldest = NULL;
	for (guint i = 0; i < ff->order->len; i++) {
		mf_folder_file *f = ff->order->pdata[i];
		if (f->fp && (!oldest || f->last_use < oldest->last_use))
			oldest = f;
	}
	return !oldest || spool_close(ff, oldest, error);
}

mf_folder_file *mf_folder_files_open(mf_folder_files *ff, const char *rel, FILE **fp_r,
                                     GError **error)
{
	mf_folder_file *f = g_hash_table_lookup(ff->by_rel, rel);
	if (!f && !(f = file_new(ff, rel, error)))
		return NULL;
	if (!f->fp) {
		if (!make_room(ff, error))
			return NULL;
		f->fp = fopen(f->spool_path, f->started ? "ab" : "wb");
		if (!f->fp) {
			g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "open(%s) failed: %s",
			            f->spool_path, g_strerror(errno));
			return NULL;
		}
		f->started = TRUE;
		ff->open_count++;
	}
	f->last_use = ++ff->clock;
	*fp_r = f->fp;
	return f;
}

static gboolean rename_into_place(mf_folder_file *f, gboolean do_fsync, gpointer user,
                                  GError **error)
{
	(void)do_fsync; /* the spool was fsynced when it was closed */
	(void)user;
	if (rename(f->spool_path, f->final_path) == 0)
		return TRUE;
	g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "rename(%s, %s) failed: %s", f->spool_path,
	            f->final_path, g_strerror(errno));
	unlink(f->spool_path);
	return FALSE;
}

gboolean mf_folder_files_close(mf_folder_files *ff, mf_folder_finish_fn finish, gpointer user,
                               GError **error)
{
	if (!ff)
		return TRUE;
	gboolean ok = TRUE;
	for (guint i = 0; i < ff->order->len; i++) {
		mf_folder_file *f = ff->order->pdata[i];
		GError *local = NULL;
		gboolean done = spool_close(ff, f, &local) &&
		                (finish ? finish : rename_into_place)(f, ff->do_fsync, user, &local);
		if (!done) {
			if (ok)
				g_propagate_error(error, local);
			else
				g_clear_error(&local);
			ok = FALSE;
		}
	}
	for (guint i = 0; i < ff->order->len; i++)
		file_free(ff->order->pdata[i], ff->free_data);
	g_ptr_array_unref(ff->order);
	g_hash_table_destroy(ff->by_rel);
	g_free(ff->outdir);
	g_free(ff);
	return ok;
}
