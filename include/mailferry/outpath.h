/* Safe output names and atomic files, shared by every writer.
 *
 * Whatever a folder or attachment name in the source says, writers only ever
 * create paths OUTDIR/<names made here>. Two different source names never map
 * to one output name: the namer adds "~2", "~3"… to the later one.
 */
#ifndef MAILFERRY_OUTPATH_H
#define MAILFERRY_OUTPATH_H

#include <glib.h>

#define MF_NAME_MAX_BYTES 200

/* One path segment made safe as a file name: valid UTF-8, no '/', '\\', NUL or
 * control characters (replaced by '_'), not "." or "..", no leading '.', no
 * trailing dots or spaces, not a Windows reserved device name, at most
 * MF_NAME_MAX_BYTES bytes, never empty. `also_forbidden` lists extra
 * characters to replace (e.g. "." for Maildir++). Caller frees. */
char *mf_safe_name(const char *name, const char *also_forbidden);

typedef struct mf_namer mf_namer;
mf_namer *mf_namer_new(const char *also_forbidden);
void mf_namer_free(mf_namer *namer);
/* Safe, unique names for a whole folder path: returns a new vector of the same
 * length (caller frees with g_strfreev). The same input always gives the same
 * output within one namer; different inputs never give the same output. */
char **mf_namer_map(mf_namer *namer, const char *const *segments);

/* TRUE for the source root and for a top-level folder named INBOX (any case):
 * both are the mailbox's inbox, which writers place at their root. */
gboolean mf_folder_is_inbox(const char *const *segments);

/* Names one output file per folder ("Work/Projects.ics"), for writers that put
 * a folder into a single file. The inbox/root gets `root_stem` ("calendar").
 * Names are made safe and unique (first come keeps the plain name, later ones
 * get "~2"…, compared case-insensitively); the same folder always gets the
 * same relative path. */
typedef struct mf_file_namer mf_file_namer;
mf_file_namer *mf_file_namer_new(const char *extension, const char *root_stem);
void mf_file_namer_free(mf_file_namer *namer);
char *mf_file_namer_path(mf_file_namer *namer, const char *const *segments);

/* Creates OUTDIR/relpath and its parents. Refuses a relpath that is absolute
 * or has "." / ".." segments. */
gboolean mf_mkdir_under(const char *outdir, const char *relpath, GError **error);

/* Writes `len` bytes to dir/tmpname, optionally fsyncs, sets the mtime (when
 * mtime > 0), then renames to dir/final_name (which may be in another
 * directory of the same file system, e.g. Maildir tmp/ -> cur/). */
gboolean mf_write_atomic(const char *tmp_path, const char *final_path,
                         const void *data, gsize len, gint64 mtime,
                         gboolean do_fsync, GError **error);

/* Hex SHA-256 of a buffer / of a file (streamed). Caller frees. */
char *mf_sha256_hex(const void *data, gsize len);
char *mf_sha256_file(const char *path, GError **error);

#endif
