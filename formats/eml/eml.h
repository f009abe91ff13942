/* eml driver: one RFC 5322 message per file, a single .eml or a tree of them. */
#ifndef MAILFERRY_EML_H
#define MAILFERRY_EML_H

#include "mailferry/driver.h"

/* eml-read.c */
int mfi_eml_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);
mf_reader *mfi_eml_open(const char *path, const mf_options *opts, GError **error);
mf_next_result mfi_eml_next(mf_reader *reader, mf_item **item_r, GError **error);
void mfi_eml_progress(mf_reader *reader, guint64 *done_r, guint64 *total_r);
const GPtrArray *mfi_eml_ignored(mf_reader *reader);
void mfi_eml_close(mf_reader *reader);

/* TRUE when the first line of `head` is an RFC 5322 header field ("Name: value"). */
gboolean mfi_eml_head_is_header(const guint8 *head, gsize head_len);

/* eml-write.c */
mf_writer *mfi_eml_writer_open(const char *outdir, const mf_options *opts, GError **error);
gboolean mfi_eml_put(mf_writer *writer, const mf_item *item, GError **error);
gboolean mfi_eml_writer_close(mf_writer *writer, GError **error);

#endif
