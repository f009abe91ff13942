/* The vCard inline-binary builder behind PHOTO and the files attached to PST
 * contacts (X-MAILFERRY-ATTACHMENT, formats/pst/pst-card-attach.c), and its
 * parameter helpers (formats/vcf/vcf-card.c). The PST path needs a store with
 * such a contact, which the corpus lacks; the builder is checked here instead,
 * its output also read back by an independent parser (python3-vobject) when
 * that is installed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "../formats/vcf/vcf.h"

/* `value` is base64 of exactly `len` bytes `d`. */
static void assert_base64_is(const char *value, const guint8 *d, gsize len)
{
	gsize got_len = 0;
	guchar *got = g_base64_decode(value, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, d, len);
	g_free(got);
}

static void test_param_value(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "report.pdf", "report.pdf" },
		{ "application/pdf", "application/pdf" },
		{ "a;b.txt", "\"a;b.txt\"" },
		{ "a,b.txt", "\"a,b.txt\"" },
		{ "c:\\x.txt", "\"c:\\x.txt\"" },
		{ "say \"hi\".txt", "say 'hi'.txt" },
		{ "tab\there\r\n.txt", "tabhere.txt" },
		{ "caf\xc3\xa9 \xe2\x98\x95.doc", "caf\xc3\xa9 \xe2\x98\x95.doc" },
		{ "", "" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *v = mfi_vcf_param_value(cases[i][0]);
		assert_string_equal(v, cases[i][1]);
		g_free(v);
	}
}

static void test_prop_param(void **state)
{
	(void)state;
	mfi_vcf_prop *p = mfi_vcf_prop_parse(
	        "X-MAILFERRY-ATTACHMENT;ENCODING=b;type=text/plain;X-FILENAME=\"a;b:c.txt\":QUJD");
	assert_non_null(p);
	char *name = mfi_vcf_prop_param(p, "X-FILENAME");
	char *type = mfi_vcf_prop_param(p, "TYPE");
	assert_string_equal(name, "a;b:c.txt");
	assert_string_equal(type, "text/plain");
	assert_null(mfi_vcf_prop_param(p, "X-FILE"));
	assert_null(mfi_vcf_prop_param(p, "VALUE"));
	assert_string_equal(p->value, "QUJD");
	g_free(name);
	g_free(type);
	mfi_vcf_prop_free(p);
}

static void test_photo_line(void **state)
{
	(void)state;
	GString *out = g_string_new(NULL);
	mfi_vcf_append_binary(out, "PHOTO", "JPEG", NULL, "\xff\xd8\xff", 3);
	assert_string_equal(out->str, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/\r\n");
	g_string_truncate(out, 0);
	mfi_vcf_append_binary(out, MFI_VCF_ATTACHMENT, "", "", NULL, 0);
	assert_string_equal(out->str, "X-MAILFERRY-ATTACHMENT;ENCODING=b:\r\n");
	g_string_free(out, TRUE);
}

static GBytes *pseudo_random(gsize len, guint32 seed)
{
	guint8 *d = g_malloc(len);
	for (gsize i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		d[i] = (guint8)(seed >> 16);
	}
	return g_bytes_new_take(d, len);
}

/* A long non-ASCII name that needs quoting: folding must not cut a character. */
#define LONG_NAME "Vertr\xc3\xa4ge; \xe5\xa5\x91\xe7\xb4\x84\xe6\x9b\xb8, \xc3\xa9t\xc3\xa9 2024 " \
	"\xe2\x80\x94 \xd0\xbf\xd1\x80\xd0\xbe\xd0\xb5\xd0\xba\xd1\x82.pdf"

static void test_folding(void **state)
{
	(void)state;
	GBytes *data = pseudo_random(10000, 7);
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(data, &len);
	GString *out = g_string_new(NULL);
	mfi_vcf_append_binary(out, MFI_VCF_ATTACHMENT, "application/pdf", LONG_NAME, d, len);
	assert_true(g_str_has_suffix(out->str, "\r\n"));
	char **phys = g_strsplit(out->str, "\r\n", -1);
	guint n = g_strv_length(phys);
	assert_true(n > 100);
	for (guint i = 0; i + 1 < n; i++) {
		assert_true(strlen(phys[i]) <= 75);
		assert_true(g_utf8_validate(phys[i], -1, NULL));
		assert_null(strchr(phys[i], '\n'));
		if (i > 0)
			assert_int_equal(phys[i][0], ' ');
	}
	assert_string_equal(phys[n - 1], "");
	g_strfreev(phys);

	/* unfolded, it is one property with the same bytes, type and name */
	GPtrArray *lines = mfi_vcf_unfold(out->str);
	assert_true(lines->len >= 1);
	mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[0]);
	assert_non_null(p);
	assert_string_equal(p->name, MFI_VCF_ATTACHMENT);
	char *name = mfi_vcf_prop_param(p, "X-FILENAME");
	char *type = mfi_vcf_prop_param(p, "TYPE");
	assert_string_equal(name, LONG_NAME);
	assert_string_equal(type, "application/pdf");
	assert_base64_is(p->value, d, len);
	g_free(name);
	g_free(type);
	mfi_vcf_prop_free(p);
	g_ptr_array_unref(lines);
	g_string_free(out, TRUE);
	g_bytes_unref(data);
}

/* The vcf writer's normalisation keeps the property and its bytes. */
static void test_v3_keeps_it(void **state)
{
	(void)state;
	GBytes *data = pseudo_random(500, 11);
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(data, &len);
	GString *card = g_string_new("BEGIN:VCARD\r\nVERSION:3.0\r\nN:A;B;;;\r\nFN:B A\r\n");
	mfi_vcf_append_binary(card, MFI_VCF_ATTACHMENT, "application/zip", "x, y.zip", d, len);
	g_string_append(card, "END:VCARD\r\n");
	char *v3 = mfi_vcf_card_to_v3(card->str);
	GPtrArray *lines = mfi_vcf_unfold(v3);
	guint found = 0;
	for (guint i = 0; i < lines->len; i++) {
		mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[i]);
		if (p && strcmp(p->name, MFI_VCF_ATTACHMENT) == 0) {
			char *name = mfi_vcf_prop_param(p, "X-FILENAME");
			char *enc = mfi_vcf_prop_param(p, "ENCODING");
			assert_string_equal(name, "x, y.zip");
			assert_string_equal(enc, "b");
			assert_base64_is(p->value, d, len);
			g_free(name);
			g_free(enc);
			found++;
		}
		mfi_vcf_prop_free(p);
	}
	assert_int_equal(found, 1);
	g_ptr_array_unref(lines);
	g_free(v3);
	g_string_free(card, TRUE);
	g_bytes_unref(data);
}

static const char VOBJECT_READER[] =
	"import base64, hashlib, sys, vobject\n"
	"for card in vobject.readComponents(open(sys.argv[1], encoding='utf-8').read()):\n"
	"    for l in card.lines():\n"
	"        if l.name == 'X-MAILFERRY-ATTACHMENT':\n"
	"            v = l.value if isinstance(l.value, bytes) else base64.b64decode(l.value)\n"
	"            print(hashlib.sha256(v).hexdigest(), l.params['TYPE'][0],\n"
	"                  l.params['X-FILENAME'][0], sep='\\t')\n";

/* What python3-vobject reads from cards made with the builder: per file,
 * "sha256\ttype\tname\n" in card order. NULL (test skipped) without it. */
static char *read_with_vobject(const char *vcf)
{
	if (!g_file_test("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
		return NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("mf-vcf-attach-XXXXXX.vcf", &path, NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_true(g_file_set_contents(path, vcf, -1, NULL));
	char *argv[] = { "/usr/bin/python3", "-c", (char *)VOBJECT_READER, path, NULL };
	char *out = NULL, *err = NULL;
	int status = 0;
	gboolean ran = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
	                            &status, NULL);
	g_unlink(path);
	g_free(path);
	if (ran && err && strstr(err, "No module named 'vobject'"))
		g_clear_pointer(&out, g_free);
	else if (!ran || !g_spawn_check_wait_status(status, NULL))
		fail_msg("python3-vobject could not read the cards: %s", err ? err : "");
	g_free(err);
	return out;
}

static void test_vobject_reads_it(void **state)
{
	(void)state;
	static const struct { gsize len; const char *type, *name; } files[] = {
		{ 10000, "application/pdf", LONG_NAME },
		{ 0, "application/octet-stream", "empty.bin" },
		{ 77, "message/rfc822", "Re: \"minutes\", part 2.eml" },
		{ 3, "image/png", "a:b.png" },
	};
	GString *vcf = g_string_new("BEGIN:VCARD\r\nVERSION:3.0\r\nN:A;B;;;\r\nFN:B A\r\n");
	GString *want = g_string_new(NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		GBytes *data = pseudo_random(files[i].len, (guint32)i + 1);
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(data, &len);
		mfi_vcf_append_binary(vcf, MFI_VCF_ATTACHMENT, files[i].type, files[i].name, d, len);
		char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, d ? d : (const guint8 *)"",
		                                        len);
		/* a DQUOTE cannot be in a vCard 3.0 parameter: it becomes an apostrophe */
		char *name = g_strdelimit(g_strdup(files[i].name), "\"", '\'');
		g_string_append_printf(want, "%s\t%s\t%s\n", sha, files[i].type, name);
		g_free(name);
		g_free(sha);
		g_bytes_unref(data);
	}
	g_string_append(vcf, "END:VCARD\r\n");
	char *got = read_with_vobject(vcf->str);
	if (!got) {
		g_string_free(vcf, TRUE);
		g_string_free(want, TRUE);
		skip();
	}
	assert_string_equal(got, want->str);
	g_free(got);
	g_string_free(vcf, TRUE);
	g_string_free(want, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_value),
		cmocka_unit_test(test_prop_param),
		cmocka_unit_test(test_photo_line),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_v3_keeps_it),
		cmocka_unit_test(test_vobject_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
