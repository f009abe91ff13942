/* The run report: counts per folder and kind, the invariant, the JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "mailferry/report.h"

static const char *const inbox[] = { NULL };
static const char *const work[] = { "Work", "2024", NULL };

static void test_invariant_holds_and_breaks(void **state)
{
	(void)state;
	mf_report *r = mf_report_new("convert", "maildir");
	for (int i = 0; i < 3; i++)
		mf_report_count(r, "a.mbox", inbox, MF_KIND_MESSAGE, MF_COUNT_READ);
	mf_report_count(r, "a.mbox", inbox, MF_KIND_MESSAGE, MF_COUNT_WRITTEN);
	mf_report_count(r, "a.mbox", inbox, MF_KIND_MESSAGE, MF_COUNT_FILTERED);
	mf_report_count(r, "a.mbox", inbox, MF_KIND_MESSAGE, MF_COUNT_QUARANTINED);
	assert_true(mf_report_check_invariant(r, NULL));
	mf_report_count(r, "a.mbox", work, MF_KIND_EVENT, MF_COUNT_READ);
	char *problem = NULL;
	assert_false(mf_report_check_invariant(r, &problem));
	assert_non_null(strstr(problem, "Work/2024"));
	assert_non_null(strstr(problem, "event"));
	g_free(problem);
	assert_int_equal(mf_report_total(r, MF_COUNT_READ), 4);
	mf_report_free(r);
}

static void test_json_report(void **state)
{
	(void)state;
	mf_report *r = mf_report_new("convert", "ics");
	mf_report_add_source(r, "a.mbox", "mbox", "00ff", 12);
	mf_report_count(r, "a.mbox", work, MF_KIND_EVENT, MF_COUNT_READ);
	mf_report_count(r, "a.mbox", work, MF_KIND_EVENT, MF_COUNT_QUARANTINED);
	mf_report_quarantine(r, "a.mbox", "offset 7", work, MF_KIND_EVENT, "bad", NULL);
	mf_report_repair(r, "Items_MissingUID");
	mf_report_repair(r, "Items_MissingUID");
	char *path = g_strdup_printf("%s/mf-report-%d.json", g_get_tmp_dir(), (int)getpid());
	assert_true(mf_report_write_json(r, path, NULL));

	JsonParser *parser = json_parser_new();
	assert_true(json_parser_load_from_file(parser, path, NULL));
	JsonObject *root = json_node_get_object(json_parser_get_root(parser));
	assert_true(json_object_get_boolean_member(root, "invariant_ok"));
	JsonObject *totals = json_object_get_object_member(root, "totals");
	assert_int_equal(json_object_get_int_member(totals, "read"), 1);
	assert_int_equal(json_object_get_int_member(totals, "quarantined"), 1);
	JsonObject *repairs = json_object_get_object_member(root, "repairs");
	assert_int_equal(json_object_get_int_member(repairs, "Items_MissingUID"), 2);
	JsonArray *q = json_object_get_array_member(root, "quarantine");
	assert_int_equal(json_array_get_length(q), 1);
	JsonObject *q0 = json_array_get_object_element(q, 0);
	assert_string_equal(json_object_get_string_member(q0, "locator"), "offset 7");
	assert_string_equal(json_object_get_string_member(q0, "folder"), "Work/2024");
	g_object_unref(parser);
	unlink(path);
	g_free(path);
	mf_report_free(r);
}

/* Folder names and locators come from sources: bytes that are not UTF-8 must
 * still give a JSON file a parser accepts. */
static void test_json_not_utf8(void **state)
{
	(void)state;
	static const char *const latin1[] = { "Entw\xfcrfe", NULL };
	mf_report *r = mf_report_new("convert", "maildir");
	mf_report_count(r, "b\xe4" "d.mbox", latin1, MF_KIND_MESSAGE, MF_COUNT_READ);
	mf_report_count(r, "b\xe4" "d.mbox", latin1, MF_KIND_MESSAGE, MF_COUNT_QUARANTINED);
	mf_report_quarantine(r, "b\xe4" "d.mbox", "offset \xff", latin1, MF_KIND_MESSAGE,
	                     "reason \xc3", NULL);
	char *path = g_strdup_printf("%s/mf-report-u-%d.json", g_get_tmp_dir(), (int)getpid());
	assert_true(mf_report_write_json(r, path, NULL));
	JsonParser *parser = json_parser_new();
	assert_true(json_parser_load_from_file(parser, path, NULL));
	JsonObject *root = json_node_get_object(json_parser_get_root(parser));
	JsonObject *q0 = json_array_get_object_element(
		json_object_get_array_member(root, "quarantine"), 0);
	assert_string_equal(json_object_get_string_member(q0, "folder"), "Entw\xef\xbf\xbdrfe");
	g_object_unref(parser);
	unlink(path);
	g_free(path);
	mf_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invariant_holds_and_breaks),
		cmocka_unit_test(test_json_report),
		cmocka_unit_test(test_json_not_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
