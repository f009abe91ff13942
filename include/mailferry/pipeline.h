/* The one-direction pipeline: reader -> transforms -> writer, counted in the report. */
#ifndef MAILFERRY_PIPELINE_H
#define MAILFERRY_PIPELINE_H

#include "mailferry/driver.h"
#include "mailferry/report.h"

typedef struct mf_pipeline mf_pipeline;

/* `writer` NULL: read and count only (inspect, --dry-run). */
mf_pipeline *mf_pipeline_new(const mf_options *opts, const mf_writer_driver *writer,
                             mf_report *report, GError **error);
/* Reads one source to its end. FALSE when the source could not be read at all
 * or the output failed (error set); item-level problems are quarantined. */
gboolean mf_pipeline_run(mf_pipeline *pipeline, const char *source_path, GError **error);
/* Closes every writer. FALSE when finishing an output file failed. */
gboolean mf_pipeline_finish(mf_pipeline *pipeline, GError **error);
void mf_pipeline_free(mf_pipeline *pipeline);

#endif
