/* The fixed order transforms run in (DESIGN.md): folder selection, folder
 * rename, then (as they land) user mapping, repair + tagging, travel time,
 * flat meetings, dedupe. */
#include "mailferry/transform.h"

extern const mf_transform mf_transform_folder_select, mf_transform_folder_rename;

static const mf_transform *const transforms[] = {
	&mf_transform_folder_select,
	&mf_transform_folder_rename,
	NULL,
};

const mf_transform *const *mf_transforms(void)
{
	return transforms;
}
