/* PST/OST reader (formats/pst): probe, class -> kind, and the corpus.
 *
 * For every PST/OST listed in ../shared/corpus/MANIFEST.tsv:
 *   BROKEN notes: open fails with MF_ERROR_SOURCE and a message naming the file;
 *   others: the items yielded == the message items libpff enumerates (walked
 *   here directly), MF_NEXT_BROKEN only for folders whose contents table libpff
 *   cannot read (one each), and every MIME message parses with GMime without
 *   parser warnings.
 * Also: the base64 encoder of attachment parts (pst-mime-raw.c) against GMime's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "../formats/pst/pst.h"

static const char *corpus(void)
{
	const char *c = g_getenv("MF_CORPUS");
	return c ? c : "../shared/corpus";
}

static void test_probe(void **state)
{
	(void)state;
	const guint8 pst[] = "!BDN\x01\x02\x03\x04";
	const guint8 mbox[] = "From someone@example.com Thu Jan  1 00:00:00 1970\n";
	assert_int_equal(mfi_pst_probe("x.pst", FALSE, pst, sizeof pst - 1), MF_PROBE_SURE);
	assert_int_equal(mfi_pst_probe("x.pst", FALSE, mbox, sizeof mbox - 1), MF_PROBE_NO);
	assert_int_equal(mfi_pst_probe("x.pst", FALSE, pst, 3), MF_PROBE_NO);
	assert_int_equal(mfi_pst_probe("dir", TRUE, NULL, 0), MF_PROBE_NO);
}

static void test_class_kind(void **state)
{
	(void)state;
	static const struct {
		const char *cls;
		mf_kind kind;
	} cases[] = {
		{ "IPM.Note", MF_KIND_MESSAGE },
		{ "IPM.Appointment", MF_KIND_EVENT },
		{ "ipm.appointment.custom", MF_KIND_EVENT },
		{ "IPM.Appointment.Live Meeting Request", MF_KIND_EVENT },
		{ "IPM.AppointmentX", MF_KIND_MESSAGE },
		{ "IPM.Schedule.Meeting.Request", MF_KIND_MESSAGE },
		{ "IPM.Task", MF_KIND_TASK },
		{ "IPM.TaskRequest.Accept", MF_KIND_MESSAGE },
		{ "IPM.StickyNote", MF_KIND_NOTE },
		{ "IPM.Activity", MF_KIND_NOTE },
		{ "IPM.Contact", MF_KIND_CONTACT },
		{ "IPM.DistList", MF_KIND_DISTLIST },
		{ "IPM.ContactX", MF_KIND_MESSAGE },
		{ "REPORT.IPM.Note.NDR", MF_KIND_MESSAGE },
		{ NULL, MF_KIND_MESSAGE },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_int_equal(mfi_pst_class_kind(cases[i].cls), cases[i].kind);
}

static void test_cp_to_utf8(void **state)
{
	(void)state;
	char *s = mfi_pst_cp_to_utf8((const guint8 *)"caf\xe9\0", 5, 1252);
	assert_string_equal(s, "caf\xc3\xa9");
	g_free(s);
	s = mfi_pst_cp_to_utf8((const guint8 *)"\x8e\xa0", 2, 932); /* not valid Shift-JIS */
	assert_true(g_utf8_validate(s, -1, NULL));
	g_free(s);
	assert_int_equal(mfi_pst_filetime_to_unix(116444736000000000ull), 0);
	assert_int_equal(mfi_pst_filetime_to_unix(116444736010000000ull), 1);
}

/* libpff's own count: messages of every folder, and folders it cannot list. */
static void libpff_count(libpff_item_t *folder, guint *messages, guint *unreadable)
{
	libpff_error_t *err = NULL;
	int n = 0;
	if (libpff_folder_get_number_of_sub_messages(folder, &n, &err) == 1)
		*messages += (guint)n;
	else
		(*unreadable)++;
	libpff_error_free(&err);
	if (libpff_folder_get_number_of_sub_folders(folder, &n, &err) != 1)
		n = 0;
	libpff_error_free(&err);
	for (int i = 0; i < n; i++) {
		libpff_item_t *sub = NULL;
		if (libpff_folder_get_sub_folder(folder, i, &sub, NULL) == 1) {
			libpff_count(sub, messages, unreadable);
			libpff_item_free(&sub, NULL);
		}
	}
}

static void libpff_enumerate(const char *path, guint *messages, guint *unreadable)
{
	libpff_file_t *file = NULL;
	libpff_item_t *root = NULL;
	*messages = *unreadable = 0;
	assert_int_equal(libpff_file_initialize(&file, NULL), 1);
	assert_int_equal(libpff_file_open(file, path, LIBPFF_OPEN_READ, NULL), 1);
	assert_int_equal(libpff_file_get_root_folder(file, &root, NULL), 1);
	libpff_count(root, messages, unreadable);
	libpff_item_free(&root, NULL);
	libpff_file_close(file, NULL);
	libpff_file_free(&file, NULL);
}

static guint parser_warnings;

static void count_warning(gint64 offset, GMimeParserWarning errcode, const gchar *item,
                          gpointer user_data)
{
	(void)offset;
	(void)item;
	(void)user_data;
	/* Header-field warnings (8-bit, RFC 2047, address lists, duplicates) can come
	 * with the source's transport headers; the MIME structure is all ours. */
	switch (errcode) {
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		break;
	default:
		parser_warnings++;
	}
}

static void check_mime(const char *path, const mf_item *item)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(item->mime, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeParserOptions *opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, count_warning, NULL);
	guint before = parser_warnings;
	GMimeMessage *msg = g_mime_parser_construct_message(parser, opts);
	if (!msg || parser_warnings != before)
		fail_msg("%s %s: GMime: %s, %u warnings", path, item->locator,
		         msg ? "parsed" : "no message", parser_warnings - before);
	g_clear_object(&msg);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(stream);
}

static void check_good(const char *path)
{
	guint expected = 0, unreadable = 0;
	libpff_enumerate(path, &expected, &unreadable);
	GError *error = NULL;
	mf_reader *r = mfi_pst_open(path, NULL, &error);
	if (!r)
		fail_msg("%s: %s", path, error ? error->message : "?");
	guint items = 0, broken = 0;
	for (;;) {
		mf_item *item = NULL;
		mf_next_result res = mfi_pst_next(r, &item, &error);
		if (res == MF_NEXT_END)
			break;
		if (res == MF_NEXT_FATAL)
			fail_msg("%s: fatal: %s", path, error ? error->message : "?");
		if (res == MF_NEXT_BROKEN) {
			broken++;
			if (!strstr(error->message, "messages unreadable"))
				fail_msg("%s: unexpected broken item: %s", path, error->message);
		} else {
			items++;
			assert_non_null(item->locator);
			if (item->kind == MF_KIND_MESSAGE) {
				assert_non_null(item->mime);
				check_mime(path, item);
			}
		}
		g_clear_error(&error);
		mf_item_free(item);
	}
	mfi_pst_close(r);
	if (items != expected || broken != unreadable)
		fail_msg("%s: %u items (libpff enumerates %u), %u broken (%u unreadable folders)",
		         path, items, expected, broken, unreadable);
}

static void check_broken(const char *path)
{
	GError *error = NULL;
	mf_reader *r = mfi_pst_open(path, NULL, &error);
	assert_null(r);
	assert_non_null(error);
	assert_int_equal(error->code, MF_ERROR_SOURCE);
	assert_non_null(strstr(error->message, path));
	g_error_free(error);
}

/* The encoder behind attachment parts gives what GMime's own does. */
static void check_base64(const guint8 *data, gsize len)
{
	gsize cap = GMIME_BASE64_ENCODE_LEN(len);
	guint8 *ours = g_malloc(cap), *theirs = g_malloc(cap);
	int st = 0;
	guint32 save = 0;
	gsize n = mfi_pst_base64_lines(data, len, ours);
	gsize m = g_mime_encoding_base64_encode_close(data, len, theirs, &st, &save);
	assert_true(n <= cap);
	assert_int_equal(n, m);
	assert_memory_equal(ours, theirs, n);
	g_free(ours);
	g_free(theirs);
}

static void test_base64_lines(void **state)
{
	(void)state;
	GRand *rnd = g_rand_new_with_seed(3);
	gsize big = 1 << 20;
	guint8 *data = g_malloc(big);
	for (gsize i = 0; i < big; i++)
		data[i] = (guint8)g_rand_int_range(rnd, 0, 256);
	for (gsize len = 0; len <= 1024; len++)
		check_base64(data + (len % 7), len);
	check_base64(data, big);
	memset(data, 0xff, 200);
	check_base64(data, 200);
	g_free(data);
	g_rand_free(rnd);
}

static void test_corpus(void **state)
{
	(void)state;
	char *manifest = g_build_filename(corpus(), "MANIFEST.tsv", NULL);
	char *text = NULL;
	if (!g_file_get_contents(manifest, &text, NULL, NULL)) {
		g_free(manifest);
		skip();
	}
	char **lines = g_strsplit(text, "\n", -1);
	guint files = 0;
	for (char **l = lines; *l; l++) {
		char **f = g_strsplit(*l, "\t", -1);
		if (g_strv_length(f) >= 6 &&
		    (g_str_has_suffix(f[0], ".pst") || g_str_has_suffix(f[0], ".ost"))) {
			char *path = g_build_filename(corpus(), f[0], NULL);
			if (g_str_has_prefix(f[5], "BROKEN"))
				check_broken(path);
			else
				check_good(path);
			files++;
			g_free(path);
		}
		g_strfreev(f);
	}
	assert_true(files > 0);
	g_strfreev(lines);
	g_free(text);
	g_free(manifest);
}

int main(void)
{
	g_mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_class_kind),
		cmocka_unit_test(test_cp_to_utf8),
		cmocka_unit_test(test_base64_lines),
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
