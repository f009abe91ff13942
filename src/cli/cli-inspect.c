/* mailferry inspect SOURCE... [--json]: the folder tree with item counts by
 * kind, the items that could not be decoded, and the files left alone. Reads
 * only; no transforms, no output. */
#include "cli.h"
#include "mailferry/driver.h"
#include "mailferry/outpath.h"
#include "mailferry/report.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
	char *folder; /* "a/b" */
	guint depth;
	guint64 counts[MF_KIND_COUNT];
} folder_counts;

typedef struct {
	char *path;
	const char *format;
	char *sha256;
	char *error;         /* set when the source could not be read */
	GHashTable *folders; /* "a/b" -> folder_counts* */
	GPtrArray *broken;   /* char* "locator: reason" */
	GPtrArray *ignored;  /* char* */
} source_inventory;

static void folder_counts_free(gpointer p)
{
	folder_counts *f = p;
	g_free(f->folder);
	g_free(f);
}

static void inventory_free(source_inventory *inv)
{
	g_free(inv->path);
	g_free(inv->sha256);
	g_free(inv->error);
	g_hash_table_destroy(inv->folders);
	g_ptr_array_unref(inv->broken);
	g_ptr_array_unref(inv->ignored);
	g_free(inv);
}

/* Items of a multi-user source are shown under their mailbox: "alice@x/Inbox". */
static folder_counts *folder_for(source_inventory *inv, const mf_item *item)
{
	char **segments = mf_item_listed_folder(item);
	char *key = mf_folder_to_string((const char *const *)segments);
	folder_counts *f = g_hash_table_lookup(inv->folders, key);
	if (!f) {
		f = g_new0(folder_counts, 1);
		f->folder = key;
		f->depth = g_strv_length(segments);
		g_hash_table_insert(inv->folders, key, f);
	} else {
		g_free(key);
	}
	g_strfreev(segments);
	return f;
}

static void read_all(source_inventory *inv, const mf_reader_driver *driver, mf_reader *reader)
{
	for (;;) {
		mf_item *item = NULL;
		GError *err = NULL;
		mf_next_result r = driver->next(reader, &item, &err);
		if (r == MF_NEXT_END) {
			mf_item_free(item);
			break;
		}
		if (r == MF_NEXT_FATAL) {
			inv->error = g_strdup(err ? err->message : "read failed");
			g_clear_error(&err);
			mf_item_free(item);
			break;
		}
		if (r == MF_NEXT_BROKEN)
			g_ptr_array_add(inv->broken, g_strdup_printf("%s: %s",
			                item && item->locator ? item->locator : "?",
			                err ? err->message : "unreadable item"));
		else if (item->kind < MF_KIND_COUNT)
			folder_for(inv, item)->counts[item->kind]++;
		for (guint i = 0; item && i < item->repair_tags->len; i++)
			g_ptr_array_add(inv->broken, g_strdup_printf("%s: %s", item->locator,
			                (char *)item->repair_tags->pdata[i]));
		g_clear_error(&err);
		mf_item_free(item);
	}
	const GPtrArray *ignored = driver->ignored ? driver->ignored(reader) : NULL;
	for (guint i = 0; ignored && i < ignored->len; i++)
		g_ptr_array_add(inv->ignored, g_strdup(ignored->pdata[i]));
}

static source_inventory *inspect_source(const char *path, const char *from)
{
	source_inventory *inv = g_new0(source_inventory, 1);
	inv->path = g_strdup(path);
	inv->folders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, folder_counts_free);
	inv->broken = g_ptr_array_new_with_free_func(g_free);
	inv->ignored = g_ptr_array_new_with_free_func(g_free);
	GError *error = NULL;
	const mf_reader_driver *driver = !mf_source_kind_ok(path, &error) ? NULL
	                                 : from ? mf_reader_driver_find(from)
	                                        : mf_reader_driver_detect(path, &error);
	mf_options opts = { .from_format = from };
	mf_reader *reader = driver ? driver->open(path, &opts, &error) : NULL;
	if (!reader) {
		inv->error = g_strdup(error ? error->message : "unknown format");
		g_clear_error(&error);
		return inv;
	}
	inv->format = driver->name;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		inv->sha256 = mf_sha256_file(path, NULL);
	read_all(inv, driver, reader);
	driver->close(reader);
	return inv;
}

static gint folder_compare(gconstpointer a, gconstpointer b)
{
	const folder_counts *x = *(folder_counts *const *)a, *y = *(folder_counts *const *)b;
	return strcmp(x->folder, y->folder);
}

static GPtrArray *sorted_folders(source_inventory *inv)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, inv->folders);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(list, value);
	g_ptr_array_sort(list, folder_compare);
	return list;
}

static void print_text(source_inventory *inv)
{
	if (inv->error) {
		printf("%s: cannot read: %s\n", inv->path, inv->error);
		if (!inv->format)
			return;
	}
	printf("%s (%s)%s%s\n", inv->path, inv->format, inv->sha256 ? " sha256 " : "",
	       inv->sha256 ? inv->sha256 : "");
	GPtrArray *folders = sorted_folders(inv);
	for (guint i = 0; i < folders->len; i++) {
		folder_counts *f = folders->pdata[i];
		const char *name = strrchr(f->folder, '/');
		name = name ? name + 1 : (*f->folder ? f->folder : "(root)");
		GString *counts = g_string_new("");
		for (int k = 0; k < MF_KIND_COUNT; k++)
			if (f->counts[k])
				g_string_append_printf(counts, "%s%" G_GUINT64_FORMAT " %s%s",
				                       counts->len ? ", " : "", f->counts[k],
				                       mf_kind_name(k), f->counts[k] == 1 ? "" : "s");
		/* pad by characters, not bytes, so "Entwürfe" lines up */
		glong width = 40 - 2 * (glong)MIN(f->depth, 10u);
		glong chars = g_utf8_validate(name, -1, NULL) ? g_utf8_strlen(name, -1)
		                                               : (glong)strlen(name);
		printf("  %*s%s%*s %s\n", (int)(2 * f->depth), "", name,
		       (int)MAX(0, width - chars), "", counts->str);
		g_string_free(counts, TRUE);
	}
	g_ptr_array_unref(folders);
	for (guint i = 0; i < inv->broken->len; i++)
		printf("  broken: %s\n", (char *)inv->broken->pdata[i]);
	for (guint i = 0; i < inv->ignored->len; i++)
		printf("  not an item, left alone: %s\n", (char *)inv->ignored->pdata[i]);
}

static void add_strings(JsonBuilder *b, const char *name, GPtrArray *values)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < values->len; i++)
		json_builder_add_string_value(b, values->pdata[i]);
	json_builder_end_array(b);
}

static void build_json(JsonBuilder *b, source_inventory *inv)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "path");
	json_builder_add_string_value(b, inv->path);
	json_builder_set_member_name(b, "format");
	json_builder_add_string_value(b, inv->format);
	json_builder_set_member_name(b, "sha256");
	json_builder_add_string_value(b, inv->sha256);
	json_builder_set_member_name(b, "error");
	json_builder_add_string_value(b, inv->error);
	json_builder_set_member_name(b, "folders");
	json_builder_begin_array(b);
	GPtrArray *folders = sorted_folders(inv);
	for (guint i = 0; i < folders->len; i++) {
		folder_counts *f = folders->pdata[i];
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "folder");
		json_builder_add_string_value(b, f->folder);
		json_builder_set_member_name(b, "counts");
		json_builder_begin_object(b);
		for (int k = 0; k < MF_KIND_COUNT; k++) {
			json_builder_set_member_name(b, mf_kind_name(k));
			json_builder_add_int_value(b, (gint64)f->counts[k]);
		}
		json_builder_end_object(b);
		json_builder_end_object(b);
	}
	g_ptr_array_unref(folders);
	json_builder_end_array(b);
	add_strings(b, "broken", inv->broken);
	add_strings(b, "ignored", inv->ignored);
	json_builder_end_object(b);
}

static void print_json(GPtrArray *inventories)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "sources");
	json_builder_begin_array(b);
	for (guint i = 0; i < inventories->len; i++)
		build_json(b, inventories->pdata[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	JsonNode *root = json_builder_get_root(b);
	char *text = mf_json_to_text(root);
	printf("%s\n", text);
	g_free(text);
	json_node_unref(root);
	g_object_unref(b);
}

int mf_cli_inspect(int argc, char **argv)
{
	gboolean json = FALSE;
	char *from = NULL;
	char **sources = NULL;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the inventory as JSON", NULL },
		{ "from", 'f', 0, G_OPTION_ARG_STRING, &from, "Force the source format", "FORMAT" },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &sources, NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_set_prgname("mailferry inspect");
	GOptionContext *ctx = g_option_context_new("SOURCE...");
	g_option_context_set_summary(ctx, "Prints each source's folder tree with item counts by kind, "
	                                  "the items it could not decode, and the files it left alone.\n"
	                                  "Sources are only read.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *error = NULL;
	int rc = MF_EXIT_OK;
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "mailferry inspect: %s\n", error->message);
		g_error_free(error);
		rc = MF_EXIT_USAGE;
	} else if (!sources || !*sources) {
		fprintf(stderr, "mailferry inspect: no SOURCE given\n");
		rc = MF_EXIT_USAGE;
	} else if (from && !mf_reader_driver_find(from)) {
		fprintf(stderr, "mailferry inspect: --from %s: unknown format\n", from);
		rc = MF_EXIT_USAGE;
	} else {
		GPtrArray *inventories = g_ptr_array_new_with_free_func((GDestroyNotify)inventory_free);
		for (char **s = sources; *s; s++) {
			source_inventory *inv = inspect_source(*s, from);
			if (inv->error) {
				fprintf(stderr, "mailferry inspect: %s\n", inv->error);
				rc = MF_EXIT_SOURCE;
			} else if (inv->broken->len && rc == MF_EXIT_OK) {
				rc = MF_EXIT_QUARANTINED;
			}
			g_ptr_array_add(inventories, inv);
		}
		if (json)
			print_json(inventories);
		else
			for (guint i = 0; i < inventories->len; i++)
				print_text(inventories->pdata[i]);
		g_ptr_array_unref(inventories);
	}
	g_option_context_free(ctx);
	g_strfreev(sources);
	g_free(from);
	return rc;
}
