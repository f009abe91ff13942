/* Safe output names: nothing a source says can leave OUTDIR or merge folders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdlib.h>

#include "mailferry/outpath.h"

static void assert_safe(const char *in, const char *expected)
{
	char *out = mf_safe_name(in, NULL);
	assert_string_equal(out, expected);
	g_free(out);
}

static void test_safe_name_neutralises_paths(void **state)
{
	(void)state;
	assert_safe("..", "__");
	assert_safe(".", "_");
	assert_safe("../../x", "_._.._x");
	assert_safe("a/b", "a_b");
	assert_safe("a\\b", "a_b");
	assert_safe("tab\there", "tab_here");
	assert_safe("", "_");
	assert_safe(".hidden", "_hidden");
	assert_safe("trailing. ", "trailing__");
	assert_safe("CON", "_CON");
	assert_safe("com1.txt", "_com1.txt");
	assert_safe("CONSOLE", "CONSOLE");
	assert_safe("Entwürfe", "Entwürfe");
}

static void test_safe_name_limits_length_on_utf8_boundary(void **state)
{
	(void)state;
	GString *s = g_string_new("");
	for (int i = 0; i < 150; i++)
		g_string_append(s, "ü"); /* 2 bytes each */
	char *out = mf_safe_name(s->str, NULL);
	assert_true(strlen(out) <= MF_NAME_MAX_BYTES);
	assert_true(g_utf8_validate(out, -1, NULL));
	g_free(out);
	g_string_free(s, TRUE);

	char bad[] = { 'a', (char)0xff, 'b', 0 };
	out = mf_safe_name(bad, NULL);
	assert_true(g_utf8_validate(out, -1, NULL));
	g_free(out);
}

static void test_safe_name_extra_forbidden(void **state)
{
	(void)state;
	char *out = mf_safe_name("a.b.c", ".");
	assert_string_equal(out, "a_b_c");
	g_free(out);
}

static void test_namer_keeps_distinct_folders_distinct(void **state)
{
	(void)state;
	mf_namer *n = mf_namer_new(NULL);
	const char *a[] = { "x", "a/b", NULL }, *b[] = { "x", "a_b", NULL }, *c[] = { "x", "A_B", NULL };
	char **ma = mf_namer_map(n, a), **mb = mf_namer_map(n, b), **mc = mf_namer_map(n, c);
	assert_string_equal(ma[0], "x");
	assert_string_equal(mb[0], "x");
	assert_string_equal(ma[1], "a_b");
	assert_string_equal(mb[1], "a_b~2");
	assert_string_equal(mc[1], "A_B~3"); /* case-folding file systems */
	char **again = mf_namer_map(n, b);
	assert_string_equal(again[1], "a_b~2");
	g_strfreev(ma);
	g_strfreev(mb);
	g_strfreev(mc);
	g_strfreev(again);
	mf_namer_free(n);
}

static void test_mkdir_under_refuses_escape(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("mf-outpath-XXXXXX", NULL);
	assert_non_null(dir);
	assert_false(mf_mkdir_under(dir, "../escape", NULL));
	assert_false(mf_mkdir_under(dir, "a/../../b", NULL));
	assert_false(mf_mkdir_under(dir, "/tmp/abs", NULL));
	assert_true(mf_mkdir_under(dir, "a/b", NULL));
	char *made = g_build_filename(dir, "a", "b", NULL);
	assert_true(g_file_test(made, G_FILE_TEST_IS_DIR));
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(made);
	g_free(dir);
}

static void test_write_atomic_sets_mtime(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("mf-outpath-XXXXXX", NULL);
	char *tmp = g_build_filename(dir, "f.tmp", NULL), *fin = g_build_filename(dir, "f", NULL);
	assert_true(mf_write_atomic(tmp, fin, "hello", 5, 1000000000, TRUE, NULL));
	assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	struct stat st;
	assert_int_equal(stat(fin, &st), 0);
	assert_int_equal(st.st_mtime, 1000000000);
	assert_int_equal(st.st_size, 5);
	char *hex = mf_sha256_file(fin, NULL);
	/* sha256("hello"), from coreutils sha256sum */
	assert_string_equal(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	g_free(hex);
	unlink(fin);
	rmdir(dir);
	g_free(tmp);
	g_free(fin);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_name_neutralises_paths),
		cmocka_unit_test(test_safe_name_limits_length_on_utf8_boundary),
		cmocka_unit_test(test_safe_name_extra_forbidden),
		cmocka_unit_test(test_namer_keeps_distinct_folders_distinct),
		cmocka_unit_test(test_mkdir_under_refuses_escape),
		cmocka_unit_test(test_write_atomic_sets_mtime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
