/* Item -> item steps run between reader and writer, in the fixed order listed
 * in src/transform/transforms.c. A transform never drops an item silently: it
 * keeps it (possibly changed and tagged), filters it (counted as filtered) or
 * quarantines it with a reason. */
#ifndef MAILFERRY_TRANSFORM_H
#define MAILFERRY_TRANSFORM_H

#include "mailferry/item.h"
#include "mailferry/options.h"
#include "mailferry/report.h"

typedef enum {
	MF_TRANSFORM_KEEP,
	MF_TRANSFORM_FILTER,
	MF_TRANSFORM_QUARANTINE,
} mf_transform_result;

typedef struct mf_transform {
	const char *name;
	/* On MF_TRANSFORM_QUARANTINE, *reason_r is set (caller frees). */
	mf_transform_result (*apply)(mf_item *item, const mf_options *opts,
	                             mf_report *report, char **reason_r);
	/* Optional, run when apply() kept the item: new items made from it
	 * (travel-time appointments, exceptions split off as single events) are
	 * appended to `extra` (mf_item*; ownership passes to the caller). The
	 * pipeline counts each as read in its own report row, runs it through
	 * the transforms after this one and writes it right after `item`, so
	 * read = written + filtered + quarantined still holds. */
	void (*expand)(mf_item *item, const mf_options *opts, mf_report *report,
	               GPtrArray *extra);
} mf_transform;

/* NULL-terminated, in running order. */
const mf_transform *const *mf_transforms(void);

/* Folder selection helpers, also used by the CLI to validate options. */
typedef struct mf_rename {
	GRegex *regex;
	char *replacement;
	gboolean global;
} mf_rename;
/* Parses "s/FROM/TO/" or "s|FROM|TO|g" (any delimiter). */
mf_rename *mf_rename_parse(const char *spec, GError **error);
void mf_rename_free(mf_rename *rename);
gboolean mf_folder_is_system(const char *const *segments);

/* --map FILE (src/transform/user-map.c): "old new" pairs, '#' comments.
 * Returns lower-case old -> new; NULL with a usage error. */
GHashTable *mf_user_map_load(const char *path, GError **error);
/* The set of "@domain" parts of the map's old addresses. */
GHashTable *mf_user_map_domains(GHashTable *map);

#endif
