/* vcf reader and writer: splitting, kinds, 2.1/4.0 -> 3.0, folding, round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mailferry/driver.h"

extern const mf_reader_driver mf_vcf_reader;
extern const mf_writer_driver mf_vcf_writer;

static char *testdata(const char *name)
{
	const char *dir = g_getenv("MF_TESTDATA");
	return g_build_filename(dir ? dir : "testdata", "vcf", name, NULL);
}

static GPtrArray *read_all(const char *path, guint *broken_r, guint *ignored_r)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)mf_item_free);
	GError *error = NULL;
	mf_reader *r = mf_vcf_reader.open(path, NULL, &error);
	assert_non_null(r);
	mf_item *item;
	mf_next_result res;
	*broken_r = 0;
	while ((res = mf_vcf_reader.next(r, &item, &error)) != MF_NEXT_END) {
		assert_int_not_equal(res, MF_NEXT_FATAL);
		if (res == MF_NEXT_BROKEN) {
			(*broken_r)++;
			assert_non_null(strstr(error->message, "END:VCARD"));
			g_clear_error(&error);
			mf_item_free(item);
			continue;
		}
		g_ptr_array_add(items, item);
	}
	*ignored_r = mf_vcf_reader.ignored(r)->len;
	mf_vcf_reader.close(r);
	return items;
}

static void test_probe(void **state)
{
	(void)state;
	const guint8 card[] = "\r\nbegin:vcard\r\n";
	const guint8 cal[] = "BEGIN:VCALENDAR\r\n";
	assert_int_equal(mf_vcf_reader.probe("x", FALSE, card, sizeof card - 1), MF_PROBE_SURE);
	assert_int_equal(mf_vcf_reader.probe("x.ics", FALSE, cal, sizeof cal - 1), MF_PROBE_NO);
	assert_int_equal(mf_vcf_reader.probe("x.VCF", FALSE, cal, sizeof cal - 1), MF_PROBE_MAYBE);
}

static void test_read(void **state)
{
	(void)state;
	char *path = testdata("contacts.vcf");
	guint broken, ignored;
	GPtrArray *items = read_all(path, &broken, &ignored);
	assert_int_equal(items->len, 4);
	assert_int_equal(broken, 0);
	assert_int_equal(ignored, 0);
	const mf_item *v21 = items->pdata[0];
	assert_int_equal(v21->kind, MF_KIND_CONTACT);
	assert_string_equal(v21->folder[0], "contacts");
	assert_string_equal(v21->locator, "card 1 (line 1)");
	/* unfolded: the quoted-printable soft break joined, text kept */
	assert_non_null(strstr(v21->vcard, "Zeile eins=0D=0AZeile zwei mit =FCmlaut\r\n"));
	assert_non_null(strstr(((mf_item *)items->pdata[1])->vcard, "Umlauten") );
	assert_non_null(strstr(((mf_item *)items->pdata[1])->vcard, "\u00e4\u00f6\u00fc und einer"));
	assert_int_equal(((mf_item *)items->pdata[2])->kind, MF_KIND_DISTLIST);
	assert_int_equal(((mf_item *)items->pdata[3])->kind, MF_KIND_DISTLIST);
	g_ptr_array_unref(items);
	g_free(path);

	path = testdata("truncated.vcf");
	items = read_all(path, &broken, &ignored);
	assert_int_equal(items->len, 1);
	assert_int_equal(broken, 1);
	assert_int_equal(ignored, 1);
	g_ptr_array_unref(items);
	g_free(path);
}

static void check_lines(const char *text)
{
	for (const char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		assert_true(nl > p && nl[-1] == '\r');
		assert_true(nl - 1 - p <= 75);
		/* a fold never splits a UTF-8 sequence */
		if (*p == ' ')
			assert_true(((guchar)p[1] & 0xC0) != 0x80);
	}
	assert_true(g_utf8_validate(text, -1, NULL));
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

static void test_write(void **state)
{
	(void)state;
	char *path = testdata("contacts.vcf");
	guint broken, ignored;
	GPtrArray *items = read_all(path, &broken, &ignored);
	const char *const root[] = { NULL };
	mf_item_set_folder(items->pdata[3], root);
	char *out = g_dir_make_tmp("mf-vcf-XXXXXX", NULL);
	GError *error = NULL;
	mf_writer *w = mf_vcf_writer.open(out, NULL, &error);
	for (guint i = 0; i < items->len; i++)
		assert_true(mf_vcf_writer.put(w, items->pdata[i], &error));
	assert_true(mf_vcf_writer.close(w, &error));

	char *file = g_build_filename(out, "contacts.vcf", NULL); /* folder "contacts", first come */
	char *text;
	assert_true(g_file_get_contents(file, &text, NULL, NULL));
	check_lines(text);
	assert_true(g_str_has_prefix(text, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:J\u00fcrgen M\u00fcller\r\n"
	                                   "N:M\u00fcller;J\u00fcrgen;;;\r\nTEL;TYPE=HOME;TYPE=VOICE:"));
	assert_non_null(strstr(text, "NOTE:Zeile eins\\nZeile zwei mit \u00fcmlaut\r\n"));
	assert_non_null(strstr(text, "N:Lovelace;Ada;;;\r\nFN:Ada Lovelace\r\n"));
	assert_non_null(strstr(text, "X-ADDRESSBOOKSERVER-KIND:group\r\n"));
	assert_non_null(strstr(text, "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:"));
	assert_null(strstr(text, "VERSION:2.1"));
	assert_null(strstr(text, "VERSION:4.0"));
	g_free(text);
	g_free(file);
	file = g_build_filename(out, "contacts~2.vcf", NULL); /* the root, after it */
	assert_true(g_file_get_contents(file, &text, NULL, NULL));
	check_lines(text);
	assert_true(g_str_has_prefix(text, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Group Apple\r\nN:Apple;Group;;;\r\n"));
	g_free(text);

	guint n_broken, n_ignored;
	GPtrArray *again = read_all(out, &n_broken, &n_ignored);
	assert_int_equal(again->len, items->len);
	assert_int_equal(n_ignored, 0);
	guint lists = 0;
	for (guint i = 0; i < again->len; i++)
		lists += ((mf_item *)again->pdata[i])->kind == MF_KIND_DISTLIST;
	assert_int_equal(lists, 2);
	g_ptr_array_unref(again);
	g_ptr_array_unref(items);
	remove_tree(out);
	g_free(file);
	g_free(out);
	g_free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
