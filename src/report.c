/* The run report (see include/mailferry/report.h). Rows are kept in a hash
 * table and sorted only when printed, so output order never depends on the
 * order items arrived in. */
#include "mailferry/report.h"
#include "mailferry/driver.h"
#include "mailferry/outpath.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
	char *source;
	char *folder;   /* "a/b" */
	mf_kind kind;
	guint64 counts[MF_COUNT_N];
	char *companion;
} report_row;

typedef struct {
	char *path;
	char *format;
	char *sha256;
	guint64 bytes;
	GPtrArray *ignored; /* char* */
	GPtrArray *errors;  /* char* */
} report_source;

typedef struct {
	char *source, *locator, *folder, *reason, *saved_as;
	mf_kind kind;
} report_quarantined;

struct mf_report {
	char *command;
	char *to_format;
	GHashTable *rows;       /* key -> report_row* */
	GPtrArray *sources;     /* report_source* */
	GPtrArray *quarantined; /* report_quarantined* */
	GHashTable *repairs;    /* tag -> GUINT_TO_POINTER(count) */
	GPtrArray *warnings;    /* char* */
	GPtrArray *filtered;    /* report_quarantined* (saved_as unused) */
	GHashTable *unmapped;   /* address -> NULL */
	GHashTable *memory;     /* "space\x01key" -> value */
};

static const char *const count_names[MF_COUNT_N] = { "read", "written", "filtered", "quarantined",
                                                      "created" };

static void row_free(gpointer p)
{
	report_row *r = p;
	g_free(r->source);
	g_free(r->folder);
	g_free(r->companion);
	g_free(r);
}

static void source_free(gpointer p)
{
	report_source *s = p;
	g_free(s->path);
	g_free(s->format);
	g_free(s->sha256);
	g_ptr_array_unref(s->ignored);
	g_ptr_array_unref(s->errors);
	g_free(s);
}

static void quarantined_free(gpointer p)
{
	report_quarantined *q = p;
	g_free(q->source);
	g_free(q->locator);
	g_free(q->folder);
	g_free(q->reason);
	g_free(q->saved_as);
	g_free(q);
}

mf_report *mf_report_new(const char *command, const char *to_format)
{
	mf_report *r = g_new0(mf_report, 1);
	r->command = g_strdup(command);
	r->to_format = g_strdup(to_format);
	r->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, row_free);
	r->sources = g_ptr_array_new_with_free_func(source_free);
	r->quarantined = g_ptr_array_new_with_free_func(quarantined_free);
	r->repairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->warnings = g_ptr_array_new_with_free_func(g_free);
	r->filtered = g_ptr_array_new_with_free_func(quarantined_free);
	r->unmapped = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->memory = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return r;
}

void mf_report_free(mf_report *r)
{
	if (!r)
		return;
	g_hash_table_destroy(r->rows);
	g_ptr_array_unref(r->sources);
	g_ptr_array_unref(r->quarantined);
	g_hash_table_destroy(r->repairs);
	g_ptr_array_unref(r->warnings);
	g_ptr_array_unref(r->filtered);
	g_hash_table_destroy(r->unmapped);
	g_hash_table_destroy(r->memory);
	g_free(r->command);
	g_free(r->to_format);
	g_free(r);
}

static report_source *find_source(mf_report *r, const char *path)
{
	for (guint i = 0; i < r->sources->len; i++) {
		report_source *s = r->sources->pdata[i];
		if (strcmp(s->path, path) == 0)
			return s;
	}
	report_source *s = g_new0(report_source, 1);
	s->path = g_strdup(path);
	s->ignored = g_ptr_array_new_with_free_func(g_free);
	s->errors = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(r->sources, s);
	return s;
}

void mf_report_add_source(mf_report *r, const char *path, const char *format,
                          const char *sha256, guint64 bytes)
{
	report_source *s = find_source(r, path);
	g_free(s->format);
	s->format = g_strdup(format);
	g_free(s->sha256);
	s->sha256 = g_strdup(sha256);
	s->bytes = bytes;
}

void mf_report_source_ignored(mf_report *r, const char *path, const char *what)
{
	g_ptr_array_add(find_source(r, path)->ignored, g_strdup(what));
}

void mf_report_source_error(mf_report *r, const char *path, const char *message)
{
	g_ptr_array_add(find_source(r, path)->errors, g_strdup(message));
}

static report_row *find_row(mf_report *r, const char *source, const char *const *folder,
                            mf_kind kind)
{
	char *folder_str = mf_folder_to_string(folder);
	char *key = g_strdup_printf("%s\x01%s\x01%d", source, folder_str, (int)kind);
	report_row *row = g_hash_table_lookup(r->rows, key);
	if (row) {
		g_free(key);
		g_free(folder_str);
		return row;
	}
	row = g_new0(report_row, 1);
	row->source = g_strdup(source);
	row->folder = folder_str;
	row->kind = kind;
	g_hash_table_insert(r->rows, key, row);
	return row;
}

void mf_report_count(mf_report *r, const char *source, const char *const *folder, mf_kind kind,
                     mf_count what)
{
	find_row(r, source, folder, kind)->counts[what]++;
}

void mf_report_set_companion(mf_report *r, const char *source, const char *const *folder,
                             mf_kind kind, const char *writer)
{
	report_row *row = find_row(r, source, folder, kind);
	if (!row->companion)
		row->companion = g_strdup(writer);
}

void mf_report_quarantine(mf_report *r, const char *source, const char *locator,
                          const char *const *folder, mf_kind kind, const char *reason,
                          const char *saved_as)
{
	report_quarantined *q = g_new0(report_quarantined, 1);
	q->source = g_strdup(source);
	q->locator = g_strdup(locator ? locator : "");
	q->folder = mf_folder_to_string(folder);
	q->kind = kind;
	q->reason = g_strdup(reason);
	q->saved_as = g_strdup(saved_as);
	g_ptr_array_add(r->quarantined, q);
}

void mf_report_repair(mf_report *r, const char *tag)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(r->repairs, tag));
	g_hash_table_insert(r->repairs, g_strdup(tag), GUINT_TO_POINTER(n + 1));
}

void mf_report_filtered(mf_report *r, const char *source, const char *locator,
                        const char *const *folder, mf_kind kind, const char *reason)
{
	report_quarantined *q = g_new0(report_quarantined, 1);
	q->source = g_strdup(source);
	q->locator = g_strdup(locator ? locator : "");
	q->folder = mf_folder_to_string(folder);
	q->kind = kind;
	q->reason = g_strdup(reason);
	g_ptr_array_add(r->filtered, q);
}

void mf_report_unmapped(mf_report *r, const char *address)
{
	if (r && address && !g_hash_table_contains(r->unmapped, address))
		g_hash_table_add(r->unmapped, g_strdup(address));
}

const char *mf_report_remember(mf_report *r, const char *space, const char *key,
                               const char *value)
{
	char *k = g_strdup_printf("%s\x01%s", space, key);
	const char *old = g_hash_table_lookup(r->memory, k);
	if (old) {
		g_free(k);
		return old;
	}
	g_hash_table_insert(r->memory, k, g_strdup(value));
	return NULL;
}

void mf_report_warning(mf_report *r, const char *message)
{
	g_ptr_array_add(r->warnings, g_strdup(message));
}

guint64 mf_report_total(const mf_report *r, mf_count what)
{
	guint64 total = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, r->rows);
	while (g_hash_table_iter_next(&it, NULL, &value))
		total += ((report_row *)value)->counts[what];
	return total;
}

guint mf_report_source_errors(const mf_report *r)
{
	guint n = 0;
	for (guint i = 0; i < r->sources->len; i++)
		n += ((report_source *)r->sources->pdata[i])->errors->len;
	return n;
}

static gint row_compare(gconstpointer a, gconstpointer b)
{
	const report_row *x = *(report_row *const *)a, *y = *(report_row *const *)b;
	int c = strcmp(x->source, y->source);
	if (c == 0)
		c = g_utf8_collate(x->folder, y->folder);
	if (c == 0)
		c = strcmp(x->folder, y->folder);
	return c ? c : (int)x->kind - (int)y->kind;
}

static GPtrArray *sorted_rows(const mf_report *r)
{
	GPtrArray *rows = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, r->rows);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(rows, value);
	g_ptr_array_sort(rows, row_compare);
	return rows;
}

gboolean mf_report_check_invariant(const mf_report *r, char **problem_r)
{
	GPtrArray *rows = sorted_rows(r);
	gboolean ok = TRUE;
	for (guint i = 0; i < rows->len && ok; i++) {
		report_row *row = rows->pdata[i];
		guint64 out = row->counts[MF_COUNT_WRITTEN] + row->counts[MF_COUNT_FILTERED] +
		              row->counts[MF_COUNT_QUARANTINED];
		if (out != row->counts[MF_COUNT_READ] + row->counts[MF_COUNT_CREATED]) {
			ok = FALSE;
			if (problem_r)
				*problem_r = g_strdup_printf(
					"%s, folder '%s', %s: read %" G_GUINT64_FORMAT " + created %"
					G_GUINT64_FORMAT " but written %"
					G_GUINT64_FORMAT " + filtered %" G_GUINT64_FORMAT
					" + quarantined %" G_GUINT64_FORMAT,
					row->source, row->folder, mf_kind_name(row->kind),
					row->counts[MF_COUNT_READ], row->counts[MF_COUNT_CREATED],
					row->counts[MF_COUNT_WRITTEN], row->counts[MF_COUNT_FILTERED],
					row->counts[MF_COUNT_QUARANTINED]);
		}
	}
	g_ptr_array_unref(rows);
	return ok;
}

void mf_report_print_summary(const mf_report *r, FILE *out)
{
	GPtrArray *rows = sorted_rows(r);
	const char *last_source = NULL;
	for (guint i = 0; i < rows->len; i++) {
		report_row *row = rows->pdata[i];
		if (!last_source || strcmp(last_source, row->source) != 0) {
			fprintf(out, "%s\n", row->source);
			last_source = row->source;
		}
		fprintf(out, "  %-40s %-8s read %" G_GUINT64_FORMAT ", written %" G_GUINT64_FORMAT,
		        *row->folder ? row->folder : "(root)", mf_kind_name(row->kind),
		        row->counts[MF_COUNT_READ], row->counts[MF_COUNT_WRITTEN]);
		if (row->counts[MF_COUNT_CREATED])
			fprintf(out, ", created %" G_GUINT64_FORMAT, row->counts[MF_COUNT_CREATED]);
		if (row->counts[MF_COUNT_FILTERED])
			fprintf(out, ", filtered %" G_GUINT64_FORMAT, row->counts[MF_COUNT_FILTERED]);
		if (row->counts[MF_COUNT_QUARANTINED])
			fprintf(out, ", QUARANTINED %" G_GUINT64_FORMAT,
			        row->counts[MF_COUNT_QUARANTINED]);
		if (row->companion)
			fprintf(out, " (to companion %s output)", row->companion);
		fputc('\n', out);
	}
	g_ptr_array_unref(rows);
	for (guint i = 0; i < r->quarantined->len; i++) {
		report_quarantined *q = r->quarantined->pdata[i];
		fprintf(out, "quarantined: %s [%s] %s: %s%s%s\n", q->source, q->locator,
		        mf_kind_name(q->kind), q->reason, q->saved_as ? "; saved as " : "",
		        q->saved_as ? q->saved_as : "");
	}
	for (guint i = 0; i < r->sources->len; i++) {
		report_source *s = r->sources->pdata[i];
		for (guint j = 0; j < s->errors->len; j++)
			fprintf(out, "error: %s\n", (char *)s->errors->pdata[j]);
		if (s->ignored->len)
			fprintf(out, "%s: %u entr%s that %s not items (side files, hidden folder data) "
			        "left alone; listed in the JSON report\n", s->path, s->ignored->len,
			        s->ignored->len == 1 ? "y" : "ies", s->ignored->len == 1 ? "is" : "are");
	}
	for (guint i = 0; i < r->warnings->len; i++)
		fprintf(out, "warning: %s\n", (char *)r->warnings->pdata[i]);
	for (guint i = 0; i < r->filtered->len; i++) {
		report_quarantined *q = r->filtered->pdata[i];
		fprintf(out, "filtered: %s [%s] %s: %s\n", q->source, q->locator,
		        mf_kind_name(q->kind), q->reason);
	}
	if (g_hash_table_size(r->unmapped))
		fprintf(out, "%u address(es) not in --map (listed in the JSON report)\n",
		        g_hash_table_size(r->unmapped));
	fprintf(out, "total: read %" G_GUINT64_FORMAT, mf_report_total(r, MF_COUNT_READ));
	if (mf_report_total(r, MF_COUNT_CREATED))
		fprintf(out, ", created %" G_GUINT64_FORMAT, mf_report_total(r, MF_COUNT_CREATED));
	fprintf(out, ", written %" G_GUINT64_FORMAT ", filtered %" G_GUINT64_FORMAT
	        ", quarantined %" G_GUINT64_FORMAT "\n",
	        mf_report_total(r, MF_COUNT_WRITTEN), mf_report_total(r, MF_COUNT_FILTERED),
	        mf_report_total(r, MF_COUNT_QUARANTINED));
}


/* Report strings come from sources (folder names, locators, libpff and
 * libical messages) and may not be UTF-8; JSON must be. Invalid bytes become
 * U+FFFD. */
static void add_text(JsonBuilder *b, const char *text)
{
	if (!text || g_utf8_validate(text, -1, NULL)) {
		json_builder_add_string_value(b, text);
		return;
	}
	char *valid = g_utf8_make_valid(text, -1);
	json_builder_add_string_value(b, valid);
	g_free(valid);
}

static void add_string_array(JsonBuilder *b, const char *name, GPtrArray *values)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < values->len; i++)
		add_text(b, values->pdata[i]);
	json_builder_end_array(b);
}

/* A source recorded without a digest (the pipeline leaves it to the report,
 * see record_source in src/pipeline.c) gets it here, if it is a regular file. */
static char *source_digest(const report_source *s)
{
	struct stat st;
	if (s->sha256)
		return g_strdup(s->sha256);
	if (!s->format || stat(s->path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	return mf_sha256_file(s->path, NULL);
}

static void build_sources(JsonBuilder *b, const mf_report *r)
{
	json_builder_set_member_name(b, "sources");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->sources->len; i++) {
		report_source *s = r->sources->pdata[i];
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "path");
		add_text(b, s->path);
		json_builder_set_member_name(b, "format");
		add_text(b, s->format);
		json_builder_set_member_name(b, "sha256");
		char *sha = source_digest(s);
		add_text(b, sha);
		g_free(sha);
		json_builder_set_member_name(b, "bytes");
		json_builder_add_int_value(b, (gint64)s->bytes);
		add_string_array(b, "ignored", s->ignored);
		add_string_array(b, "errors", s->errors);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void build_folders(JsonBuilder *b, const mf_report *r)
{
	GPtrArray *rows = sorted_rows(r);
	json_builder_set_member_name(b, "folders");
	json_builder_begin_array(b);
	for (guint i = 0; i < rows->len; i++) {
		report_row *row = rows->pdata[i];
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "source");
		add_text(b, row->source);
		json_builder_set_member_name(b, "folder");
		add_text(b, row->folder);
		json_builder_set_member_name(b, "kind");
		add_text(b, mf_kind_name(row->kind));
		for (int c = 0; c < MF_COUNT_N; c++) {
			json_builder_set_member_name(b, count_names[c]);
			json_builder_add_int_value(b, (gint64)row->counts[c]);
		}
		json_builder_set_member_name(b, "companion");
		if (row->companion)
			add_text(b, row->companion);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	g_ptr_array_unref(rows);
}

static void build_quarantine(JsonBuilder *b, const mf_report *r)
{
	json_builder_set_member_name(b, "quarantine");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->quarantined->len; i++) {
		report_quarantined *q = r->quarantined->pdata[i];
		json_builder_begin_object(b);
		const char *names[] = { "source", "locator", "folder", "reason", "saved_as" };
		const char *values[] = { q->source, q->locator, q->folder, q->reason, q->saved_as };
		for (int k = 0; k < 5; k++) {
			json_builder_set_member_name(b, names[k]);
			if (values[k])
				add_text(b, values[k]);
			else
				json_builder_add_null_value(b);
		}
		json_builder_set_member_name(b, "kind");
		add_text(b, mf_kind_name(q->kind));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void build_filtered(JsonBuilder *b, const mf_report *r)
{
	json_builder_set_member_name(b, "filtered");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->filtered->len; i++) {
		report_quarantined *q = r->filtered->pdata[i];
		json_builder_begin_object(b);
		const char *names[] = { "source", "locator", "folder", "reason" };
		const char *values[] = { q->source, q->locator, q->folder, q->reason };
		for (int k = 0; k < 4; k++) {
			json_builder_set_member_name(b, names[k]);
			add_text(b, values[k]);
		}
		json_builder_set_member_name(b, "kind");
		add_text(b, mf_kind_name(q->kind));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void build_unmapped(JsonBuilder *b, const mf_report *r)
{
	GList *addrs = g_list_sort(g_hash_table_get_keys(r->unmapped), (GCompareFunc)strcmp);
	json_builder_set_member_name(b, "unmapped_addresses");
	json_builder_begin_array(b);
	for (GList *l = addrs; l; l = l->next)
		add_text(b, l->data);
	json_builder_end_array(b);
	g_list_free(addrs);
}

static void build_repairs(JsonBuilder *b, const mf_report *r)
{
	GList *tags = g_list_sort(g_hash_table_get_keys(r->repairs), (GCompareFunc)strcmp);
	json_builder_set_member_name(b, "repairs");
	json_builder_begin_object(b);
	for (GList *l = tags; l; l = l->next) {
		json_builder_set_member_name(b, l->data);
		json_builder_add_int_value(b, GPOINTER_TO_UINT(g_hash_table_lookup(r->repairs, l->data)));
	}
	json_builder_end_object(b);
	g_list_free(tags);
}

gboolean mf_report_write_json(const mf_report *r, const char *path, GError **error)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tool");
	add_text(b, "mailferry");
	json_builder_set_member_name(b, "version");
	add_text(b, MF_VERSION);
	json_builder_set_member_name(b, "command");
	add_text(b, r->command);
	json_builder_set_member_name(b, "to");
	add_text(b, r->to_format);
	build_sources(b, r);
	build_folders(b, r);
	build_repairs(b, r);
	build_quarantine(b, r);
	build_filtered(b, r);
	build_unmapped(b, r);
	add_string_array(b, "warnings", r->warnings);
	json_builder_set_member_name(b, "totals");
	json_builder_begin_object(b);
	for (int c = 0; c < MF_COUNT_N; c++) {
		json_builder_set_member_name(b, count_names[c]);
		json_builder_add_int_value(b, (gint64)mf_report_total(r, c));
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "invariant_ok");
	json_builder_add_boolean_value(b, mf_report_check_invariant(r, NULL));
	json_builder_end_object(b);

	JsonNode *root = json_builder_get_root(b);
	char *text = mf_json_to_text(root);
	gboolean ok = g_file_set_contents(path, text, -1, error);
	if (!ok && error && *error)
		g_prefix_error(error, "writing report %s: ", path);
	g_free(text);
	json_node_unref(root);
	g_object_unref(b);
	return ok;
}

char *mf_json_to_text(JsonNode *root)
{
	JsonGenerator *gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	char *raw = json_generator_to_data(gen, NULL);
	g_object_unref(gen);
	/* Outside strings the generator only emits spaces and newlines, and inside
	 * strings it escapes every control character but U+001F: any raw byte below
	 * 0x20 other than '\n' and ' ' is therefore that one, inside a string. */
	GString *out = g_string_sized_new(strlen(raw) + 16);
	for (const char *p = raw; *p; p++) {
		if ((guchar)*p < 0x20 && *p != '\n')
			g_string_append_printf(out, "\\u%04x", (guchar)*p);
		else
			g_string_append_c(out, *p);
	}
	g_free(raw);
	return g_string_free(out, FALSE);
}
