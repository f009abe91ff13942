/* eml reader and writer: probes, a generated tree, the eml corpus, round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "mailferry/driver.h"

extern const mf_reader_driver mf_eml_reader;
extern const mf_writer_driver mf_eml_writer;

static const char msg_dated[] = "Received: from x by y\r\nDate: Tue, 02 Jan 2024 10:00:00 +0000\r\n"
                                "Subject: dated\r\n\r\nbody\r\n";
static const char msg_undated[] = "From: a@example.org\nSubject: undated\n\nbody\n";

static void put_file(const char *dir, const char *rel, const char *text, time_t mtime)
{
	char *path = g_build_filename(dir, rel, NULL);
	char *parent = g_path_get_dirname(path);
	g_mkdir_with_parents(parent, 0755);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
	utimes(path, tv);
	g_free(parent);
	g_free(path);
}

static void remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			remove_tree(path);
		else
			g_unlink(path);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* A tree: root message, nested folders, an upper-case extension, a non-eml file. */
static char *make_tree(void)
{
	char *dir = g_dir_make_tmp("mf-eml-XXXXXX", NULL);
	put_file(dir, "b.eml", msg_dated, 1000);
	put_file(dir, "a.EML", msg_undated, 1700000000);
	put_file(dir, "Work/Projects/p1.eml", msg_dated, 1000);
	put_file(dir, "Work/notes.txt", "not mail", 1000);
	return dir;
}

static void test_probe(void **state)
{
	(void)state;
	const guint8 mbox[] = "From a@b Thu Jan  1 00:00:00 1970\nFrom: a@b\n";
	const guint8 hdr[] = "Return-Path: <a@b>\r\n";
	const guint8 text[] = "hello world\n";
	assert_int_equal(mf_eml_reader.probe("x.eml", FALSE, mbox, sizeof mbox - 1), MF_PROBE_NO);
	assert_int_equal(mf_eml_reader.probe("x", FALSE, hdr, sizeof hdr - 1), MF_PROBE_LIKELY);
	assert_int_equal(mf_eml_reader.probe("x.txt", FALSE, text, sizeof text - 1), MF_PROBE_NO);
	assert_int_equal(mf_eml_reader.probe("x.Eml", FALSE, text, sizeof text - 1), MF_PROBE_LIKELY);
	char *dir = make_tree();
	assert_int_equal(mf_eml_reader.probe(dir, TRUE, NULL, 0), MF_PROBE_LIKELY);
	char *cur = g_build_filename(dir, "cur", NULL);
	g_mkdir(cur, 0755);
	assert_int_equal(mf_eml_reader.probe(dir, TRUE, NULL, 0), MF_PROBE_NO);
	char *empty = g_dir_make_tmp("mf-eml-XXXXXX", NULL);
	assert_int_equal(mf_eml_reader.probe(empty, TRUE, NULL, 0), MF_PROBE_NO);
	remove_tree(dir);
	remove_tree(empty);
	g_free(dir);
	g_free(cur);
	g_free(empty);
}

static GPtrArray *read_all(const char *path, guint *ignored_r)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)mf_item_free);
	GError *error = NULL;
	mf_reader *r = mf_eml_reader.open(path, NULL, &error);
	assert_non_null(r);
	mf_item *item;
	mf_next_result res;
	while ((res = mf_eml_reader.next(r, &item, &error)) != MF_NEXT_END) {
		assert_int_equal(res, MF_NEXT_ITEM);
		g_ptr_array_add(items, item);
	}
	guint64 done, total;
	mf_eml_reader.progress(r, &done, &total);
	assert_true(done == total);
	if (ignored_r)
		*ignored_r = mf_eml_reader.ignored(r)->len;
	mf_eml_reader.close(r);
	return items;
}

static void test_read_tree(void **state)
{
	(void)state;
	char *dir = make_tree();
	guint ignored;
	GPtrArray *items = read_all(dir, &ignored);
	assert_int_equal(items->len, 3);
	assert_int_equal(ignored, 1);
	const mf_item *work = items->pdata[0], *a = items->pdata[1], *b = items->pdata[2];
	/* byte order: "Work" < "a.EML" < "b.eml" */
	assert_string_equal(work->locator, "Work/Projects/p1.eml");
	assert_int_equal(g_strv_length(work->folder), 2);
	assert_string_equal(work->folder[1], "Projects");
	assert_int_equal(work->internal_date, 1704189600);
	assert_string_equal(a->locator, "a.EML");
	assert_int_equal(g_strv_length(a->folder), 0);
	assert_int_equal(a->internal_date, 1700000000); /* no Date: -> mtime */
	gsize len;
	const char *data = g_bytes_get_data(b->mime, &len);
	assert_int_equal(len, strlen(msg_dated));
	assert_memory_equal(data, msg_dated, len);
	g_ptr_array_unref(items);

	char *single = g_build_filename(dir, "Work/Projects/p1.eml", NULL);
	items = read_all(single, NULL);
	assert_int_equal(items->len, 1);
	assert_int_equal(g_strv_length(((mf_item *)items->pdata[0])->folder), 0);
	g_ptr_array_unref(items);
	g_free(single);
	remove_tree(dir);
	g_free(dir);
}

static void test_write_roundtrip(void **state)
{
	(void)state;
	char *dir = make_tree();
	GPtrArray *items = read_all(dir, NULL);
	const char *const inbox[] = { "INBOX", NULL };
	const char *const evil[] = { "..", "x/y", NULL };
	mf_item *extra = mf_item_new(MF_KIND_MESSAGE, "test", "extra");
	mf_item_take_mime(extra, g_bytes_new_static(msg_undated, strlen(msg_undated)));
	mf_item_set_folder(extra, evil);
	g_ptr_array_add(items, extra);
	mf_item_set_folder(items->pdata[2], inbox);
	char *out = g_dir_make_tmp("mf-eml-out-XXXXXX", NULL);
	GError *error = NULL;
	mf_writer *w = mf_eml_writer.open(out, NULL, &error);
	for (guint i = 0; i < items->len; i++)
		assert_true(mf_eml_writer.put(w, items->pdata[i], &error));
	mf_item *event = mf_item_new(MF_KIND_EVENT, "test", "event");
	assert_false(mf_eml_writer.put(w, event, &error));
	assert_int_equal(error->code, MF_ERROR_ITEM);
	g_clear_error(&error);
	mf_item_free(event);
	assert_true(mf_eml_writer.close(w, &error));

	const char *expect[] = { "000001.eml", "000002.eml", "Work/Projects/000001.eml",
	                         "__/x_y/000001.eml" };
	for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
		char *f = g_build_filename(out, expect[i], NULL);
		if (!g_file_test(f, G_FILE_TEST_IS_REGULAR))
			fail_msg("missing %s", expect[i]);
		g_free(f);
	}
	char *f = g_build_filename(out, "000001.eml", NULL);
	struct stat st;
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mtime, 1700000000);
	g_free(f);
	GPtrArray *again = read_all(out, NULL);
	assert_int_equal(again->len, items->len);
	g_ptr_array_unref(again);
	g_ptr_array_unref(items);
	remove_tree(out);
	remove_tree(dir);
	g_free(out);
	g_free(dir);
}

static void test_corpus(void **state)
{
	(void)state;
	const char *corpus = g_getenv("MF_CORPUS");
	char *dir = g_build_filename(corpus ? corpus : "../shared/corpus", "eml", NULL);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		skip();
	assert_int_equal(mf_eml_reader.probe(dir, TRUE, NULL, 0), MF_PROBE_LIKELY);
	GPtrArray *items = read_all(dir, NULL);
	assert_true(items->len > 0);
	print_message("eml corpus: %u messages\n", items->len);
	g_ptr_array_unref(items);
	g_free(dir);
}

int main(void)
{
	g_mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_read_tree),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_corpus),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
