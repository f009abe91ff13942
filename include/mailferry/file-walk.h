/* Sorted listing of the files under a directory that have one extension.
 * Shared by the file-per-item readers (eml, ics, vcf). */
#ifndef MAILFERRY_FILE_WALK_H
#define MAILFERRY_FILE_WALK_H

#include <glib.h>

/* The names in one directory (without "." and ".."), in byte order, as
 * g_free'd strings; NULL with `error` when it cannot be listed. */
GPtrArray *mf_list_dir_sorted(const char *dir, GError **error);

/* TRUE when `name` ends in "." `ext` (ASCII case-insensitive, ext without the dot). */
gboolean mf_has_extension(const char *name, const char *ext);

/* Walks `root` recursively in byte order of names. Paths of regular files ending
 * in `ext` go to `files_r` (relative to root, '/'-separated, caller-owned array
 * of g_free'd strings); every other file, unreadable directory or special file
 * goes to `ignored_r` the same way. Symbolic links are not followed (listed as
 * ignored). FALSE with `error` only when root itself cannot be listed. */
gboolean mf_walk_files(const char *root, const char *ext, GPtrArray *files_r,
                        GPtrArray *ignored_r, GError **error);

/* TRUE when some regular file under `root` (recursive, max `depth` levels)
 * ends in `ext`. Stops at the first one. */
gboolean mf_tree_has_extension(const char *root, const char *ext, int depth);

/* The folder segments for a file found at relative path `rel`: its directories,
 * plus its base name without extension when `with_basename`. Caller frees. */
char **mf_folder_for_file(const char *rel, gboolean with_basename);

#endif
