/* Folder selection and renaming transforms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mailferry/transform.h"

static mf_transform_result run_named(const char *name, mf_item *item, const mf_options *opts)
{
	for (const mf_transform *const *t = mf_transforms(); *t; t++)
		if (g_str_equal((*t)->name, name))
			return (*t)->apply(item, opts, NULL, NULL);
	fail_msg("no transform %s", name);
	return MF_TRANSFORM_KEEP;
}

static mf_item *item_in(const char *path)
{
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, "src", "loc");
	char **f = mf_folder_from_string(path);
	mf_item_set_folder(item, (const char *const *)f);
	g_strfreev(f);
	return item;
}

static void test_system_folders_in_four_languages(void **state)
{
	(void)state;
	const char *yes[] = { "Calendar", "kalender", "Öffentliche Ordner", "Tâches",
	                      "Elementos eliminados", "Inbox/Kontakte", NULL };
	const char *no[] = { "Inbox", "Work", "Projects/2024", "Calendars of old", NULL };
	for (const char **p = yes; *p; p++) {
		char **f = mf_folder_from_string(*p);
		assert_true(mf_folder_is_system((const char *const *)f));
		g_strfreev(f);
	}
	for (const char **p = no; *p; p++) {
		char **f = mf_folder_from_string(*p);
		assert_false(mf_folder_is_system((const char *const *)f));
		g_strfreev(f);
	}
}

static void test_include_exclude(void **state)
{
	(void)state;
	mf_options opts = { 0 };
	opts.include = g_ptr_array_new_with_free_func((GDestroyNotify)g_regex_unref);
	opts.exclude = g_ptr_array_new_with_free_func((GDestroyNotify)g_regex_unref);
	g_ptr_array_add(opts.include, g_regex_new("^Work", 0, 0, NULL));
	g_ptr_array_add(opts.exclude, g_regex_new("/Old$", 0, 0, NULL));
	mf_item *a = item_in("Work/Current"), *b = item_in("Work/Old"), *c = item_in("Private");
	assert_int_equal(run_named("folder-select", a, &opts), MF_TRANSFORM_KEEP);
	assert_int_equal(run_named("folder-select", b, &opts), MF_TRANSFORM_FILTER);
	assert_int_equal(run_named("folder-select", c, &opts), MF_TRANSFORM_FILTER);
	opts.exclude_system = TRUE;
	mf_item *d = item_in("Work/Kalender");
	assert_int_equal(run_named("folder-select", d, &opts), MF_TRANSFORM_FILTER);
	mf_item_free(a);
	mf_item_free(b);
	mf_item_free(c);
	mf_item_free(d);
	g_ptr_array_unref(opts.include);
	g_ptr_array_unref(opts.exclude);
}

static void test_rename(void **state)
{
	(void)state;
	mf_options opts = { 0 };
	opts.renames = g_ptr_array_new_with_free_func((GDestroyNotify)mf_rename_free);
	g_ptr_array_add(opts.renames, mf_rename_parse("s/^Work/Archive\\/2024/", NULL));
	g_ptr_array_add(opts.renames, mf_rename_parse("s|o|0|g", NULL));
	mf_item *item = item_in("Work/Projects");
	assert_int_equal(run_named("folder-rename", item, &opts), MF_TRANSFORM_KEEP);
	char *path = mf_folder_to_string((const char *const *)item->folder);
	assert_string_equal(path, "Archive/2024/Pr0jects");
	assert_int_equal(g_strv_length(item->folder), 3);
	g_free(path);
	mf_item_free(item);

	mf_item *first = item_in("aaa");
	g_ptr_array_set_size(opts.renames, 0);
	g_ptr_array_add(opts.renames, mf_rename_parse("s/a/b/", NULL));
	run_named("folder-rename", first, &opts);
	assert_string_equal(first->folder[0], "baa");
	mf_item_free(first);
	g_ptr_array_unref(opts.renames);
}

static void test_rename_parse_errors(void **state)
{
	(void)state;
	GError *error = NULL;
	assert_null(mf_rename_parse("x/a/b/", &error));
	assert_non_null(error);
	g_clear_error(&error);
	assert_null(mf_rename_parse("s/a/b", &error));
	g_clear_error(&error);
	assert_null(mf_rename_parse("s/(/b/", &error));
	g_clear_error(&error);
	assert_null(mf_rename_parse("s/a/b/q", &error));
	g_clear_error(&error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_folders_in_four_languages),
		cmocka_unit_test(test_include_exclude),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_rename_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
