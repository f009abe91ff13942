/* Named numeric properties (PidLid*) by property set GUID and LID. libpff
 * gives each record entry its name-to-id map entry; the item's entries are
 * indexed once, so a calendar item with ~100 lookups reads its record set once. */
#include "pst-items.h"

#include <string.h>

struct mfi_pst_named {
	libpff_record_set_t *set;
	GHashTable *index;   /* gint64 (pset << 32 | lid) -> libpff_record_entry_t* */
	GPtrArray *entries;  /* libpff_record_entry_t*, owned */
};

/* The property set GUIDs in their stored (little-endian GUID) byte order. */
static const guint8 pset_guids[MFI_PSET_COUNT][16] = {
	[MFI_PSET_APPOINTMENT] = { 0x02, 0x20, 0x06, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 },
	[MFI_PSET_TASK] = { 0x03, 0x20, 0x06, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 },
	[MFI_PSET_ADDRESS] = { 0x04, 0x20, 0x06, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 },
	[MFI_PSET_COMMON] = { 0x08, 0x20, 0x06, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 },
	[MFI_PSET_LOG] = { 0x0a, 0x20, 0x06, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 },
	[MFI_PSET_NOTE] = { 0x0e, 0x20, 0x06, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 },
	[MFI_PSET_MEETING] = { 0x90, 0xda, 0xd8, 0x6e, 0x0b, 0x45, 0x1b, 0x10,
	                       0x98, 0xda, 0x00, 0xaa, 0x00, 0x3f, 0x13, 0x05 },
};

static gint64 key_of(int pset, guint32 lid)
{
	return ((gint64)pset << 32) | lid;
}

static int pset_of(libpff_name_to_id_map_entry_t *map)
{
	guint8 guid[16];
	if (libpff_name_to_id_map_entry_get_guid(map, guid, sizeof guid, NULL) != 1)
		return -1;
	for (int i = 0; i < MFI_PSET_COUNT; i++)
		if (memcmp(guid, pset_guids[i], 16) == 0)
			return i;
	return -1;
}

/* Indexes the entry when it is a numeric named property of a known set. */
static gboolean index_entry(mfi_pst_named *named, libpff_record_entry_t *entry)
{
	libpff_name_to_id_map_entry_t *map = NULL;
	uint8_t type = 0;
	uint32_t lid = 0;
	if (libpff_record_entry_get_name_to_id_map_entry(entry, &map, NULL) != 1 || !map ||
	    libpff_name_to_id_map_entry_get_type(map, &type, NULL) != 1 ||
	    type != LIBPFF_NAME_TO_ID_MAP_ENTRY_TYPE_NUMERIC ||
	    libpff_name_to_id_map_entry_get_number(map, &lid, NULL) != 1)
		return FALSE;
	int pset = pset_of(map);
	if (pset < 0)
		return FALSE;
	gint64 *key = g_new(gint64, 1);
	*key = key_of(pset, lid);
	if (g_hash_table_contains(named->index, key)) {
		g_free(key);
		return FALSE; /* the first one wins */
	}
	g_hash_table_insert(named->index, key, entry);
	return TRUE;
}

mfi_pst_named *mfi_pst_named_load(libpff_item_t *item)
{
	mfi_pst_named *named = g_new0(mfi_pst_named, 1);
	named->index = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	named->entries = g_ptr_array_new();
	int n = 0;
	if (libpff_item_get_record_set_by_index(item, 0, &named->set, NULL) != 1 ||
	    libpff_record_set_get_number_of_entries(named->set, &n, NULL) != 1)
		return named;
	for (int i = 0; i < n; i++) {
		libpff_record_entry_t *entry = NULL;
		if (libpff_record_set_get_entry_by_index(named->set, i, &entry, NULL) != 1)
			continue;
		if (index_entry(named, entry))
			g_ptr_array_add(named->entries, entry);
		else
			libpff_record_entry_free(&entry, NULL);
	}
	return named;
}

void mfi_pst_named_free(mfi_pst_named *named)
{
	if (!named)
		return;
	for (guint i = 0; i < named->entries->len; i++) {
		libpff_record_entry_t *entry = named->entries->pdata[i];
		libpff_record_entry_free(&entry, NULL);
	}
	g_ptr_array_unref(named->entries);
	g_hash_table_unref(named->index);
	if (named->set)
		libpff_record_set_free(&named->set, NULL);
	g_free(named);
}

gboolean mfi_pst_named_readable(const mfi_pst_named *named)
{
	return named->set != NULL;
}

static libpff_record_entry_t *lookup(mfi_pst_named *named, mfi_pset set, guint32 lid,
                                     guint32 *type_r)
{
	gint64 key = key_of(set, lid);
	libpff_record_entry_t *entry = g_hash_table_lookup(named->index, &key);
	if (type_r)
		*type_r = entry ? mfi_pst_entry_type(entry) : 0;
	return entry;
}

/* Values are decoded by pst-props.c's mfi_pst_entry_* (pst.h). */

int mfi_pst_named_int(mfi_pst_named *named, mfi_pset set, guint32 lid, gint64 *value_r)
{
	guint32 type = 0;
	libpff_record_entry_t *entry = lookup(named, set, lid, &type);
	if (!entry)
		return 0;
	if (type != LIBPFF_VALUE_TYPE_INTEGER_16BIT_SIGNED &&
	    type != LIBPFF_VALUE_TYPE_INTEGER_32BIT_SIGNED && type != LIBPFF_VALUE_TYPE_BOOLEAN &&
	    type != LIBPFF_VALUE_TYPE_INTEGER_64BIT_SIGNED)
		return -1;
	return mfi_pst_entry_int(entry, value_r);
}

int mfi_pst_named_double(mfi_pst_named *named, mfi_pset set, guint32 lid, double *value_r)
{
	guint32 type = 0;
	libpff_record_entry_t *entry = lookup(named, set, lid, &type);
	if (!entry)
		return 0;
	if (type != LIBPFF_VALUE_TYPE_DOUBLE_64BIT && type != LIBPFF_VALUE_TYPE_FLOAT_32BIT)
		return -1;
	return libpff_record_entry_get_data_as_floating_point(entry, value_r, NULL) == 1 ? 1 : -1;
}

int mfi_pst_named_time(mfi_pst_named *named, mfi_pset set, guint32 lid, gint64 *unix_r)
{
	libpff_record_entry_t *entry = lookup(named, set, lid, NULL);
	return entry ? mfi_pst_entry_time(entry, unix_r) : 0;
}

char *mfi_pst_named_string(mfi_pst_named *named, mfi_pset set, guint32 lid, int codepage)
{
	libpff_record_entry_t *entry = lookup(named, set, lid, NULL);
	return entry ? mfi_pst_entry_string(entry, codepage) : NULL;
}

GBytes *mfi_pst_named_binary(mfi_pst_named *named, mfi_pset set, guint32 lid)
{
	guint32 type = 0;
	libpff_record_entry_t *entry = lookup(named, set, lid, &type);
	if (!entry || type != LIBPFF_VALUE_TYPE_BINARY_DATA)
		return NULL;
	return mfi_pst_entry_data(entry);
}

GPtrArray *mfi_pst_named_binaries(mfi_pst_named *named, mfi_pset set, guint32 lid)
{
	guint32 type = 0;
	libpff_record_entry_t *entry = lookup(named, set, lid, &type);
	libpff_multi_value_t *mv = NULL;
	int n = 0;
	if (!entry || type != LIBPFF_VALUE_TYPE_MULTI_VALUE_BINARY_DATA ||
	    libpff_record_entry_get_multi_value(entry, &mv, NULL) != 1 ||
	    libpff_multi_value_get_number_of_values(mv, &n, NULL) != 1) {
		libpff_multi_value_free(&mv, NULL);
		return NULL;
	}
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (int i = 0; i < n; i++) {
		size_t size = 0;
		if (libpff_multi_value_get_value_binary_data_size(mv, i, &size, NULL) != 1)
			continue;
		guint8 *buf = g_malloc(size ? size : 1);
		if (size && libpff_multi_value_get_value_binary_data(mv, i, buf, size, NULL) != 1) {
			g_free(buf);
			continue;
		}
		g_ptr_array_add(out, g_bytes_new_take(buf, size));
	}
	libpff_multi_value_free(&mv, NULL);
	return out;
}
