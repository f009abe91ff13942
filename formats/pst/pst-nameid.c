/* libpff's name-to-id map lookup, answered from a hash index.
 *
 * Why: every record entry with a property id of 0x8000 or more (named
 * properties, [MS-PST] 2.4.7) makes libpff look its id up in the store's
 * name-to-id map with libpff_name_to_id_map_entry_get_entry_by_identifier,
 * a linear walk of a linked list that holds every named property the store
 * ever used (thousands in an OST). Profiled with `perf record` on
 * ../shared/corpus/ost/pstextractortest@outlook.com.ost, that walk was more
 * than half of a conversion.
 *
 * How: like pst-crc.c, by ELF symbol interposition. libpff.so.1 exports the
 * function and calls it through its PLT, so this definition is the one its
 * calls reach. The first call for a list indexes it once (identifier ->
 * first entry with it, in list order, as the linear walk finds it), reading
 * each entry's identifier from the first field of libpff's internal entry
 * (libpff_name_to_id_map.h: `uint32_t identifier` comes first). That layout
 * is checked, not assumed: for up to 32 entries spread over the list, and for
 * an id that is absent, libpff's own function (dlsym(RTLD_NEXT)) must give
 * the same answer; otherwise, or with MF_PST_NO_FAST_NAMEID set, every call
 * goes to libpff's. The index is keyed by the list and its length and is
 * dropped when a PST is closed (mfi_pst_nameid_forget), so a list freed and
 * another allocated at the same address is never answered from old data.
 * Each thread has its own index: the PST pool's workers (pst-pool.c) each
 * read through their own libpff handle, so each has its own list. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include "pst-crc.h"

#include <dlfcn.h>
#include <string.h>

typedef int (*lookup_fn)(void *list, uint32_t identifier, void **entry, libpff_error_t **error);

/* libcdata's list walk, bundled in and exported by libpff.so.1. */
int libcdata_list_get_number_of_elements(void *list, int *count, libpff_error_t **error);
int libcdata_list_get_first_element(void *list, void **element, libpff_error_t **error);
int libcdata_list_element_get_next_element(void *element, void **next, libpff_error_t **error);
int libcdata_list_element_get_value(void *element, void **value, libpff_error_t **error);

static const char lookup_symbol[] = "libpff_name_to_id_map_entry_get_entry_by_identifier";

typedef struct {
	void *list;
	int count;
	GHashTable *by_id; /* identifier -> entry */
} nameid_index;

static lookup_fn reference_lookup;  /* set once (init_once) */
static gint disabled;               /* atomic: set once, or when an index disagrees */
static _Thread_local nameid_index *current;

static void index_free(nameid_index *ix)
{
	if (ix) {
		g_hash_table_destroy(ix->by_id);
		g_free(ix);
	}
}

void mfi_pst_nameid_forget(void)
{
	index_free(current);
	current = NULL;
}

static nameid_index *index_build(void *list, int count)
{
	nameid_index *ix = g_new0(nameid_index, 1);
	ix->list = list;
	ix->count = count;
	ix->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
	void *element = NULL;
	if (libcdata_list_get_first_element(list, &element, NULL) != 1)
		element = NULL;
	for (int i = 0; element && i < count; i++) {
		void *value = NULL;
		if (libcdata_list_element_get_value(element, &value, NULL) != 1 || !value) {
			index_free(ix);
			return NULL;
		}
		uint32_t id = *(const uint32_t *)value;
		if (!g_hash_table_contains(ix->by_id, GUINT_TO_POINTER(id)))
			g_hash_table_insert(ix->by_id, GUINT_TO_POINTER(id), value);
		if (libcdata_list_element_get_next_element(element, &element, NULL) != 1)
			element = NULL;
	}
	return ix;
}

static gboolean agrees(nameid_index *ix, uint32_t id)
{
	void *want = NULL;
	libpff_error_t *err = NULL;
	int r = reference_lookup(ix->list, id, &want, &err);
	libpff_error_free(&err);
	void *got = g_hash_table_lookup(ix->by_id, GUINT_TO_POINTER(id));
	return r == (got ? 1 : 0) && want == got;
}

/* libpff's own answers for a spread of present ids and an absent one. */
static gboolean index_verified(nameid_index *ix)
{
	GList *ids = g_hash_table_get_keys(ix->by_id);
	guint n = g_list_length(ids), step = MAX(1u, n / 32), i = 0;
	uint32_t absent = 0xffffffffu;
	gboolean ok = TRUE;
	for (GList *l = ids; ok && l; l = l->next, i++) {
		if (i % step == 0)
			ok = agrees(ix, GPOINTER_TO_UINT(l->data));
	}
	g_list_free(ids);
	while (ok && absent && g_hash_table_contains(ix->by_id, GUINT_TO_POINTER(absent)))
		absent--;
	return ok && agrees(ix, absent);
}

static gboolean init_once(void)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		reference_lookup = (lookup_fn)dlsym(RTLD_NEXT, lookup_symbol);
		const char *off = g_getenv("MF_PST_NO_FAST_NAMEID");
		g_atomic_int_set(&disabled, !reference_lookup || (off && *off && strcmp(off, "0") != 0));
		g_once_init_leave(&once, 1);
	}
	return !g_atomic_int_get(&disabled);
}

/* The index for `list`, built and checked on first use; NULL: ask libpff. */
static nameid_index *index_for(void *list)
{
	int count = 0;
	if (libcdata_list_get_number_of_elements(list, &count, NULL) != 1)
		return NULL;
	if (current && current->list == list && current->count == count)
		return current;
	mfi_pst_nameid_forget();
	nameid_index *ix = index_build(list, count);
	if (ix && !index_verified(ix)) {
		g_warning("PST: name-to-id index disagrees with libpff; using libpff's lookup");
		index_free(ix);
		g_atomic_int_set(&disabled, TRUE);
		return NULL;
	}
	current = ix;
	return ix;
}

int libpff_name_to_id_map_entry_get_entry_by_identifier(void *list, uint32_t identifier,
                                                        void **entry, libpff_error_t **error)
{
	gboolean fast = init_once();
	nameid_index *ix = fast && entry && list ? index_for(list) : NULL;
	if (!ix)
		return reference_lookup ? reference_lookup(list, identifier, entry, error) : -1;
	*entry = g_hash_table_lookup(ix->by_id, GUINT_TO_POINTER(identifier));
	return *entry ? 1 : 0;
}
