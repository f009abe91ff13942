/* One growing output file per folder, for writers that put a whole folder into
 * one file (mbox, ics, vcf).
 *
 * A folder's content grows in a hidden spool beside its final name
 * (".<name>.spool"). Items of many folders may interleave: at most a few
 * spools are open at once, and one closed to make room is reopened for
 * appending when its folder comes back. mf_folder_files_close() finishes every
 * folder in the order they were first used: by default the spool is flushed,
 * fsynced on request and renamed into place; a writer that must add a header
 * or trailer passes its own finish function. A folder file therefore appears
 * whole or not at all.
 */
#ifndef MAILFERRY_FOLDER_FILES_H
#define MAILFERRY_FOLDER_FILES_H

#include <stdio.h>
#include <glib.h>

typedef struct mf_folder_file {
	char *rel_path;   /* relative to OUTDIR, as given to mf_folder_files_open() */
	char *final_path; /* OUTDIR/rel_path */
	char *spool_path; /* hidden, beside final_path */
	gpointer data;    /* the writer's per-folder state, freed with free_data */
	/* private to folder-files.c */
	FILE *fp;
	gboolean started;
	guint64 last_use;
} mf_folder_file;

typedef struct mf_folder_files mf_folder_files;

/* Called with the spool complete and closed; must leave final_path in place
 * (or decide there is nothing to write) and may remove the spool. */
typedef gboolean (*mf_folder_finish_fn)(mf_folder_file *file, gboolean do_fsync,
                                        gpointer user, GError **error);

mf_folder_files *mf_folder_files_new(const char *outdir, gboolean do_fsync,
                                     GDestroyNotify free_data);

/* The file for `rel` ("A.sbd/B", "Work/Team.ics"), made on first use with its
 * parent directories under OUTDIR; *fp_r is its spool, open for appending.
 * NULL with an MF_ERROR_OUTPUT error. */
mf_folder_file *mf_folder_files_open(mf_folder_files *files, const char *rel, FILE **fp_r,
                                     GError **error);

/* Finishes every file (finish NULL: rename the spool into place) and frees
 * everything, whatever it returns. */
gboolean mf_folder_files_close(mf_folder_files *files, mf_folder_finish_fn finish,
                               gpointer user, GError **error);

#endif
