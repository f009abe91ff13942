/* Progress on stderr for long runs: items, bytes, rate, ETA. Throttled to a few
 * updates a second; silent unless enabled (a TTY or --progress). */
#ifndef MAILFERRY_PROGRESS_H
#define MAILFERRY_PROGRESS_H

#include <glib.h>

typedef struct mf_progress mf_progress;

mf_progress *mf_progress_new(gboolean enabled);
void mf_progress_update(mf_progress *progress, const char *source, guint64 items,
                        guint64 bytes_done, guint64 bytes_total);
/* Prints the final line for a source (when enabled). */
void mf_progress_done(mf_progress *progress);
void mf_progress_free(mf_progress *progress);

#endif
