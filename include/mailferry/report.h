/* The run report: what was read, written, filtered, repaired and quarantined,
 * per source folder and item kind. Invariant checked at the end of every run:
 * read + created = written + filtered + quarantined, for every row and in
 * total. "created" counts items a transform made (travel-time appointments,
 * exceptions split off as their own events), so "read" stays exactly what the
 * source holds. */
#ifndef MAILFERRY_REPORT_H
#define MAILFERRY_REPORT_H

#include <stdio.h>
#include <glib.h>
#include "mailferry/item.h"

typedef enum {
	MF_COUNT_READ,
	MF_COUNT_WRITTEN,
	MF_COUNT_FILTERED,
	MF_COUNT_QUARANTINED,
	MF_COUNT_CREATED,
	MF_COUNT_N
} mf_count;

typedef struct mf_report mf_report;

mf_report *mf_report_new(const char *command, const char *to_format);
void mf_report_free(mf_report *report);

void mf_report_add_source(mf_report *report, const char *path, const char *format,
                          const char *sha256, guint64 bytes);
void mf_report_source_ignored(mf_report *report, const char *path, const char *what);
void mf_report_source_error(mf_report *report, const char *path, const char *message);

/* `source` and `folder` identify the row; the folder is the one the reader gave. */
void mf_report_count(mf_report *report, const char *source, const char *const *folder,
                     mf_kind kind, mf_count what);
/* Records that this row's items went to a companion writer (e.g. "ics"). */
void mf_report_set_companion(mf_report *report, const char *source,
                             const char *const *folder, mf_kind kind, const char *writer);
void mf_report_quarantine(mf_report *report, const char *source, const char *locator,
                          const char *const *folder, mf_kind kind, const char *reason,
                          const char *saved_as);
void mf_report_repair(mf_report *report, const char *tag);
/* An item a transform filtered for a reason worth listing (e.g. an identical
 * duplicate): counted as filtered by the caller, listed under "filtered". */
void mf_report_filtered(mf_report *report, const char *source, const char *locator,
                        const char *const *folder, mf_kind kind, const char *reason);
/* An address seen in the data that --map does not map (listed once each,
 * sorted, under "unmapped_addresses"). */
void mf_report_unmapped(mf_report *report, const char *address);
/* Run-wide memory for transforms that compare items (dedupe): returns the
 * value remembered under (space, key), or NULL after remembering `value`
 * there. The string returned belongs to the report. */
const char *mf_report_remember(mf_report *report, const char *space, const char *key,
                               const char *value);
void mf_report_warning(mf_report *report, const char *message);

guint64 mf_report_total(const mf_report *report, mf_count what);
guint mf_report_source_errors(const mf_report *report);
/* FALSE and a message naming the first broken row when the invariant fails. */
gboolean mf_report_check_invariant(const mf_report *report, char **problem_r);

void mf_report_print_summary(const mf_report *report, FILE *out);
gboolean mf_report_write_json(const mf_report *report, const char *path, GError **error);

/* Pretty JSON text for a json-glib tree, with every control character escaped
 * (json-glib 1.6 writes U+001F raw, which JSON forbids). Caller frees. */
typedef struct _JsonNode JsonNode;
char *mf_json_to_text(JsonNode *root);

#endif
