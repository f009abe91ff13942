/* ics reader and writer: fixtures, the whole iCalendar corpus, round trips
 * checked with libical's own parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mailferry/driver.h"

extern const mf_reader_driver mf_ics_reader;
extern const mf_writer_driver mf_ics_writer;

static char *testdata(const char *name)
{
	const char *dir = g_getenv("MF_TESTDATA");
	return g_build_filename(dir ? dir : "testdata", "ics", name, NULL);
}

/* Reads a whole source; items by result. Never FATAL. */
typedef struct read_result {
	GPtrArray *items;  /* mf_item*, ITEM results */
	GPtrArray *broken; /* mf_item* (possibly NULL), BROKEN results */
	guint ignored;
} read_result;

static void read_result_clear(read_result *rr)
{
	g_ptr_array_unref(rr->items);
	g_ptr_array_unref(rr->broken);
}

static read_result read_all(const char *path)
{
	read_result rr = { g_ptr_array_new_with_free_func((GDestroyNotify)mf_item_free),
	                   g_ptr_array_new_with_free_func((GDestroyNotify)mf_item_free), 0 };
	GError *error = NULL;
	mf_reader *r = mf_ics_reader.open(path, NULL, &error);
	assert_non_null(r);
	mf_item *item;
	mf_next_result res;
	while ((res = mf_ics_reader.next(r, &item, &error)) != MF_NEXT_END) {
		if (res == MF_NEXT_FATAL)
			fail_msg("%s: FATAL: %s", path, error ? error->message : "?");
		if (res == MF_NEXT_BROKEN) {
			assert_non_null(error);
			assert_non_null(strstr(error->message, path));
			g_clear_error(&error);
			g_ptr_array_add(rr.broken, item);
		} else {
			assert_null(error);
			assert_non_null(item);
			assert_non_null(item->ical);
			g_ptr_array_add(rr.items, item);
		}
	}
	rr.ignored = mf_ics_reader.ignored(r)->len;
	mf_ics_reader.close(r);
	return rr;
}

static const mf_item *find_uid(GPtrArray *items, const char *uid)
{
	for (guint i = 0; i < items->len; i++) {
		const mf_item *it = items->pdata[i];
		if (it->locator && g_str_has_suffix(it->locator, uid))
			return it;
	}
	return NULL;
}

static void test_probe(void **state)
{
	(void)state;
	const guint8 cal[] = "\xEF\xBB\xBF\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\n";
	const guint8 mail[] = "From: a@b\r\n";
	assert_int_equal(mf_ics_reader.probe("x.dat", FALSE, cal, sizeof cal - 1), MF_PROBE_SURE);
	assert_int_equal(mf_ics_reader.probe("x.ICS", FALSE, mail, sizeof mail - 1), MF_PROBE_MAYBE);
	assert_int_equal(mf_ics_reader.probe("x.eml", FALSE, mail, sizeof mail - 1), MF_PROBE_NO);
	char *dir = testdata("");
	assert_int_equal(mf_ics_reader.probe(dir, TRUE, NULL, 0), MF_PROBE_LIKELY);
	g_free(dir);
}

static void test_read_sample(void **state)
{
	(void)state;
	char *path = testdata("sample.ics");
	read_result rr = read_all(path);
	assert_int_equal(rr.broken->len, 0);
	assert_int_equal(rr.items->len, 5);

	const mf_item *weekly = find_uid(rr.items, "UID weekly-1@example.org");
	assert_non_null(weekly);
	assert_string_equal(weekly->locator, "VCALENDAR 1, UID weekly-1@example.org");
	assert_int_equal(weekly->kind, MF_KIND_EVENT);
	assert_int_equal(g_strv_length(weekly->folder), 1);
	assert_string_equal(weekly->folder[0], "sample");
	assert_int_equal(icalcomponent_count_components(weekly->ical, ICAL_VEVENT_COMPONENT), 2);
	assert_int_equal(icalcomponent_count_components(weekly->ical, ICAL_VTIMEZONE_COMPONENT), 1);
	assert_int_equal(weekly->repair_tags->len, 1); /* the empty LOCATION */
	icalproperty *prodid = icalcomponent_get_first_property(weekly->ical, ICAL_PRODID_PROPERTY);
	assert_string_equal(icalproperty_get_prodid(prodid), "-//mailferry tests//sample//EN");

	const mf_item *task = find_uid(rr.items, "UID task-1@example.org");
	assert_int_equal(task->kind, MF_KIND_TASK);
	assert_int_equal(icalcomponent_count_components(task->ical, ICAL_VTIMEZONE_COMPONENT), 0);
	const mf_item *journal = find_uid(rr.items, "VCALENDAR 1, component 5");
	assert_non_null(journal);
	assert_int_equal(journal->kind, MF_KIND_NOTE);
	const mf_item *lng = find_uid(rr.items, "VCALENDAR 2, UID long-1@example.org");
	assert_non_null(lng);
	read_result_clear(&rr);
	g_free(path);
}

static void test_read_broken(void **state)
{
	(void)state;
	char *path = testdata("broken.ics");
	read_result rr = read_all(path);
	/* An unparseable DTSTAMP is not the end of the item: it is kept with
	 * libical's note, which the repair transforms turn into a tag. */
	assert_int_equal(rr.broken->len, 0);
	assert_int_equal(rr.items->len, 2);
	const mf_item *bad = rr.items->pdata[0];
	assert_string_equal(bad->locator, "VCALENDAR 1, UID bad-1");
	icalcomponent *ev = icalcomponent_get_first_component(bad->ical, ICAL_VEVENT_COMPONENT);
	assert_non_null(icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY));
	read_result_clear(&rr);
	g_free(path);
}

static int compare_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every non-VTIMEZONE component as "VEVENT uid" lines, sorted: the number of
 * components per kind and their UIDs in one string. */
static void add_lines(icalcomponent *cal, GPtrArray *lines)
{
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(c);
		if (k == ICAL_VTIMEZONE_COMPONENT)
			continue;
		const char *uid = icalcomponent_get_uid(c);
		g_ptr_array_add(lines, g_strdup_printf("%s %s", icalcomponent_kind_to_string(k),
		                                       uid ? uid : "-"));
	}
}

static char *join_sorted(GPtrArray *lines)
{
	g_ptr_array_sort(lines, compare_strp);
	g_ptr_array_add(lines, NULL);
	char *s = g_strjoinv("\n", (char **)lines->pdata);
	g_ptr_array_unref(lines);
	return s;
}

static char *summarize_items(GPtrArray *items)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < items->len; i++)
		add_lines(((mf_item *)items->pdata[i])->ical, lines);
	return join_sorted(lines);
}

/* Parses a written file with libical alone: one VCALENDAR, no parse errors,
 * CRLF line ends, no line longer than 75 octets, each VTIMEZONE once. */
static char *check_written_file(const char *path)
{
	char *text;
	gsize len;
	assert_true(g_file_get_contents(path, &text, &len, NULL));
	assert_true(g_str_has_prefix(text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailferry//mailferry "));
	assert_true(g_str_has_suffix(text, "END:VCALENDAR\r\n"));
	for (const char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		if (!(nl > p && nl[-1] == '\r'))
			fail_msg("%s: bare LF at offset %ld", path, (long)(nl - text));
		assert_true(nl - 1 - p <= 75);
	}
	icalcomponent *cal = icalparser_parse_string(text);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	const char *err = NULL;
	icalproperty *xerr = icalcomponent_get_first_property(cal, ICAL_XLICERROR_PROPERTY);
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c && !xerr; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		xerr = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
		if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT)
			assert_non_null(icalcomponent_get_first_property(c, ICAL_DTSTAMP_PROPERTY));
	}
	if (xerr)
		err = icalproperty_get_xlicerror(xerr);
	if (err)
		fail_msg("%s: libical: %s", path, err);
	GPtrArray *tzids = g_ptr_array_new_with_free_func(g_free);
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *tzp = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		const char *tzid = tzp ? icalproperty_get_tzid(tzp) : NULL;
		assert_non_null(tzid);
		for (guint i = 0; i < tzids->len; i++)
			assert_string_not_equal(tzids->pdata[i], tzid);
		g_ptr_array_add(tzids, g_strdup(tzid));
	}
	g_ptr_array_unref(tzids);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	add_lines(cal, lines);
	icalcomponent_free(cal);
	g_free(text);
	return join_sorted(lines);
}

static void write_items(const char *outdir, GPtrArray *items)
{
	GError *error = NULL;
	mf_writer *w = mf_ics_writer.open(outdir, NULL, &error);
	assert_non_null(w);
	for (guint i = 0; i < items->len; i++)
		if (!mf_ics_writer.put(w, items->pdata[i], &error))
			fail_msg("put: %s", error->message);
	if (!mf_ics_writer.close(w, &error))
		fail_msg("close: %s", error->message);
}

/* The only file in `dir`; fails on leftovers (temp or spool files). */
static char *only_file(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	assert_non_null(d);
	const char *name = g_dir_read_name(d);
	assert_non_null(name);
	char *path = g_build_filename(dir, name, NULL);
	assert_null(g_dir_read_name(d));
	g_dir_close(d);
	return path;
}

static void remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			remove_tree(path);
		else
			g_unlink(path);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* read -> write -> (libical parse, read again): same components per kind and UIDs. */
static void roundtrip(const char *path)
{
	read_result rr = read_all(path);
	if (rr.items->len == 0) {
		read_result_clear(&rr);
		return;
	}
	char *before = summarize_items(rr.items);
	char *outdir = g_dir_make_tmp("mf-ics-XXXXXX", NULL);
	write_items(outdir, rr.items);
	char *out = only_file(outdir);
	char *parsed = check_written_file(out);
	if (strcmp(before, parsed) != 0)
		fail_msg("%s: written file differs:\n%s\n---\n%s", path, before, parsed);
	read_result again = read_all(out);
	if (again.broken->len)
		fail_msg("%s: re-reading %s gave %u broken items", path, out, again.broken->len);
	char *after = summarize_items(again.items);
	assert_string_equal(before, after);
	read_result_clear(&again);
	read_result_clear(&rr);
	remove_tree(outdir);
	g_free(before);
	g_free(parsed);
	g_free(after);
	g_free(out);
	g_free(outdir);
}

static void test_write_sample(void **state)
{
	(void)state;
	char *path = testdata("sample.ics");
	roundtrip(path);

	/* Details: VTIMEZONEs first and once, the built-in New York zone added,
	 * a derived DTSTAMP, the output byte-identical on a second run. */
	read_result rr = read_all(path);
	char *texts[2];
	for (int run = 0; run < 2; run++) {
		char *outdir = g_dir_make_tmp("mf-ics-XXXXXX", NULL);
		write_items(outdir, rr.items);
		char *out = g_build_filename(outdir, "sample.ics", NULL);
		assert_true(g_file_get_contents(out, &texts[run], NULL, NULL));
		remove_tree(outdir);
		g_free(out);
		g_free(outdir);
	}
	assert_string_equal(texts[0], texts[1]);
	const char *t = texts[0];
	assert_non_null(strstr(t, "METHOD:PUBLISH\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
	assert_non_null(strstr(t, "TZID:America/New_York\r\n"));
	assert_null(strstr(strstr(t, "TZID:Europe/Berlin\r\n") + 1, "TZID:Europe/Berlin\r\n"));
	assert_non_null(strstr(t, "DTSTAMP:20240102T080000Z\r\n")); /* from CREATED */
	assert_null(strstr(t, "X-LIC-ERROR"));
	g_free(texts[0]);
	g_free(texts[1]);
	read_result_clear(&rr);
	g_free(path);
}

static void test_write_folders(void **state)
{
	(void)state;
	char *path = testdata("sample.ics");
	read_result rr = read_all(path);
	const char *const root[] = { NULL };
	const char *const inbox[] = { "inbox", NULL };
	const char *const cal[] = { "calendar", NULL };
	const char *const nested[] = { "Work", "../Team", NULL };
	mf_item_set_folder(rr.items->pdata[0], root);
	mf_item_set_folder(rr.items->pdata[1], inbox);
	mf_item_set_folder(rr.items->pdata[2], cal);
	mf_item_set_folder(rr.items->pdata[3], nested);
	mf_item_set_folder(rr.items->pdata[4], nested);
	char *outdir = g_dir_make_tmp("mf-ics-XXXXXX", NULL);
	write_items(outdir, rr.items);
	const char *expect[] = { "calendar.ics", "calendar~2.ics", "Work/_._Team.ics" };
	for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
		char *f = g_build_filename(outdir, expect[i], NULL);
		if (!g_file_test(f, G_FILE_TEST_IS_REGULAR))
			fail_msg("missing %s", expect[i]);
		g_free(check_written_file(f));
		g_free(f);
	}
	remove_tree(outdir);
	g_free(outdir);
	read_result_clear(&rr);
	g_free(path);
}

static void collect_ics(const char *dir, GPtrArray *files)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			collect_ics(path, files);
		else if (g_str_has_suffix(name, ".ics"))
			g_ptr_array_add(files, g_strdup(path));
		g_free(path);
	}
	if (d)
		g_dir_close(d);
}

static void test_corpus(void **state)
{
	(void)state;
	const char *corpus = g_getenv("MF_CORPUS");
	char *dir = g_build_filename(corpus ? corpus : "../shared/corpus", "ics", NULL);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	collect_ics(dir, files);
	g_ptr_array_sort(files, compare_strp);
	if (files->len == 0)
		skip();
	guint items = 0, broken = 0;
	for (guint i = 0; i < files->len; i++) {
		read_result rr = read_all(files->pdata[i]);
		items += rr.items->len;
		broken += rr.broken->len;
		read_result_clear(&rr);
		roundtrip(files->pdata[i]);
	}
	print_message("corpus: %u files, %u items, %u broken\n", files->len, items, broken);
	assert_true(items > 0);
	/* The whole corpus again as one directory tree. */
	read_result all = read_all(dir);
	assert_int_equal(all.items->len, items);
	assert_int_equal(all.broken->len, broken);
	read_result_clear(&all);
	g_ptr_array_unref(files);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_read_sample),
		cmocka_unit_test(test_read_broken),
		cmocka_unit_test(test_write_sample),
		cmocka_unit_test(test_write_folders),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
