/* --recover: the items outside the folder tree. libpff finds two kinds
 * (libpff.h): orphan items, still in the node index but unreachable from any
 * folder, and recovered items, which libpff_file_recover_items() finds in the
 * file's unallocated space (deleted items whose blocks were not yet reused).
 * They go to the folder "Recovered Items" with an Outlook category saying
 * which, so a person can review them; a recovered folder lends its name to a
 * sub-folder for the messages it still lists. */
#include "pst.h"

#define RECOVERED_FOLDER "Recovered Items"
#define MAX_FOLDER_DEPTH 8

static void lost_free(gpointer data)
{
	mfi_pst_lost *l = data;
	libpff_item_free(&l->item, NULL);
	g_strfreev(l->folder);
	g_free(l);
}

static void add_item(GPtrArray *out, libpff_item_t *item, char **folder, const char *category,
                     gboolean listed);

/* The messages a recovered or orphan folder still lists, and its sub-folders'. */
static void add_folder_contents(GPtrArray *out, libpff_item_t *folder, char **segments,
                                const char *category, int depth)
{
	libpff_error_t *err = NULL;
	int n = 0;
	if (libpff_folder_get_number_of_sub_messages(folder, &n, &err) != 1)
		n = 0;
	for (int i = 0; i < n; i++) {
		libpff_item_t *msg = NULL;
		if (libpff_folder_get_sub_message(folder, i, &msg, &err) == 1)
			add_item(out, msg, g_strdupv(segments), category, TRUE);
		libpff_error_free(&err);
	}
	if (depth >= MAX_FOLDER_DEPTH ||
	    libpff_folder_get_number_of_sub_folders(folder, &n, &err) != 1)
		n = 0;
	for (int i = 0; i < n; i++) {
		libpff_item_t *sub = NULL;
		if (libpff_folder_get_sub_folder(folder, i, &sub, &err) != 1) {
			libpff_error_free(&err);
			continue;
		}
		char **seg = mfi_pst_sub_folder(segments, sub);
		add_folder_contents(out, sub, seg, category, depth + 1);
		g_strfreev(seg);
		libpff_item_free(&sub, NULL);
	}
	libpff_error_free(&err);
}

/* Takes `item` and `folder`. */
static void add_item(GPtrArray *out, libpff_item_t *item, char **folder, const char *category,
                     gboolean listed)
{
	uint8_t type = 0;
	libpff_error_t *err = NULL;
	if (libpff_item_get_type(item, &type, &err) == 1 && type == LIBPFF_ITEM_TYPE_FOLDER) {
		char **seg = mfi_pst_sub_folder(folder, item);
		add_folder_contents(out, item, seg, category, 1);
		g_strfreev(seg);
		g_strfreev(folder);
		libpff_item_free(&item, NULL);
		return;
	}
	libpff_error_free(&err);
	mfi_pst_lost *l = g_new0(mfi_pst_lost, 1);
	l->item = item;
	l->folder = folder;
	l->category = category;
	l->listed = listed;
	g_ptr_array_add(out, l);
}

typedef int (*count_fn)(libpff_file_t *, int *, libpff_error_t **);
typedef int (*get_fn)(libpff_file_t *, int, libpff_item_t **, libpff_error_t **);

static void collect(GPtrArray *out, const mfi_pst_file *pf, count_fn count, get_fn get,
                    const char *category, const char *what, GPtrArray *notes)
{
	libpff_error_t *err = NULL;
	int n = 0;
	if (count(pf->file, &n, &err) != 1) {
		char *text = mfi_pst_error_text(&err);
		g_ptr_array_add(notes, g_strdup_printf("%s items: cannot count: %s", what, text));
		g_free(text);
		return;
	}
	for (int i = 0; i < n; i++) {
		libpff_item_t *item = NULL;
		if (get(pf->file, i, &item, &err) != 1) {
			char *text = mfi_pst_error_text(&err);
			g_ptr_array_add(notes, g_strdup_printf("%s item %d: unreadable: %s", what, i, text));
			g_free(text);
			continue;
		}
		char **root = g_new0(char *, 2);
		root[0] = g_strdup(RECOVERED_FOLDER);
		add_item(out, item, root, category, FALSE);
	}
}

GPtrArray *mfi_pst_lost_items(const mfi_pst_file *pf, GPtrArray *notes)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(lost_free);
	collect(out, pf, libpff_file_get_number_of_orphan_items,
	        libpff_file_get_orphan_item_by_index, "Recovered_Orphan", "orphan", notes);
	libpff_error_t *err = NULL;
	if (libpff_file_recover_items(pf->file, 0, &err) != 1) {
		char *text = mfi_pst_error_text(&err);
		g_ptr_array_add(notes, g_strdup_printf("recovery of deleted items failed: %s", text));
		g_free(text);
		return out;
	}
	collect(out, pf, libpff_file_get_number_of_recovered_items,
	        libpff_file_get_recovered_item_by_index, "Recovered_Deleted", "recovered", notes);
	return out;
}
