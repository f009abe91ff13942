/* The fixed order transforms run in (DESIGN.md): folder selection, folder
 * rename, then (as they land) user mapping, repair + tagging, travel time,
 * flat meetings, dedupe. */
#include "mailferry/transform.h"

extern const mf_transform mf_transform_folder_select, mf_transform_folder_rename;
/* calendar rescue: user mapping, repair + tagging, travel time, flat meetings, dedupe */
extern const mf_transform mf_transform_user_map, mf_transform_repair_encoding,
	mf_transform_repair_timezone, mf_transform_repair_start, mf_transform_repair_duration,
	mf_transform_repair_recurrence, mf_transform_repair_orphan, mf_transform_repair_uid,
	mf_transform_repair_organizer, mf_transform_repair_unparsed, mf_transform_travel_time,
	mf_transform_meetings_flat, mf_transform_dedupe_uid;

static const mf_transform *const transforms[] = {
	&mf_transform_folder_select,
	&mf_transform_folder_rename,
	&mf_transform_user_map,
	&mf_transform_repair_encoding,
	&mf_transform_repair_timezone,
	&mf_transform_repair_start,
	&mf_transform_repair_duration,
	&mf_transform_repair_recurrence,
	&mf_transform_repair_orphan,
	&mf_transform_repair_uid,
	&mf_transform_repair_organizer,
	&mf_transform_repair_unparsed,
	&mf_transform_travel_time,
	&mf_transform_meetings_flat,
	&mf_transform_dedupe_uid,
	NULL,
};

const mf_transform *const *mf_transforms(void)
{
	return transforms;
}
