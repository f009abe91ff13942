/* calstore: property lists (XML and binary, including hostile binary ones),
 * DAV property values, probes, and walking the fixtures in testdata/apple
 * (made by testdata/apple/make_fixtures.py). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>
#include <zlib.h>

#include "../formats/calstore/calstore.h"

extern const mf_reader_driver mf_apple_calendars_reader, mf_ccs_files_reader;

static char *testdata(const char *name)
{
	const char *dir = g_getenv("MF_TESTDATA");
	return g_build_filename(dir ? dir : "testdata", "apple", name, NULL);
}

static mfi_plist *parse_text(const char *text, GError **error)
{
	return mfi_plist_parse((const guint8 *)text, strlen(text), "test.plist", error);
}

static void test_plist_xml(void **state)
{
	(void)state;
	const char *xml =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
		"<plist version=\"1.0\"><dict>\n"
		"  <key>Title</key><string>Caf\xc3\xa9 &amp; Co</string>\n"
		"  <key>Order</key><integer>-7</integer>\n"
		"  <key>Ratio</key><real>0.5</real>\n"
		"  <key>Checked</key><true/>\n"
		"  <key>When</key><date>2001-01-02T00:00:00Z</date>\n"
		"  <key>Blob</key><data>aGVs\n bG8=</data>\n"
		"  <key>List</key><array><string>a</string><dict/><array/></array>\n"
		"  <key>Empty</key><string/>\n"
		"</dict></plist>\n";
	GError *err = NULL;
	mfi_plist *pl = parse_text(xml, &err);
	assert_null(err);
	assert_non_null(pl);
	assert_string_equal(mfi_plist_get_string(pl, "Title"), "Caf\xc3\xa9 & Co");
	assert_int_equal(mfi_plist_get(pl, "Order")->integer, -7);
	assert_true(mfi_plist_get(pl, "Ratio")->real == 0.5);
	assert_int_equal(mfi_plist_get(pl, "Checked")->type, MFI_PLIST_BOOL);
	assert_int_equal(mfi_plist_get(pl, "Checked")->integer, 1);
	assert_true(mfi_plist_get(pl, "When")->real == 86400.0);
	gsize n = 0;
	const char *blob = g_bytes_get_data(mfi_plist_get(pl, "Blob")->data, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(blob, "hello", 5);
	const mfi_plist *list = mfi_plist_get(pl, "List");
	assert_int_equal(list->type, MFI_PLIST_ARRAY);
	assert_int_equal(list->items->len, 3);
	assert_string_equal(mfi_plist_get_string(pl, "Empty"), "");
	assert_null(mfi_plist_get(pl, "Missing"));
	assert_null(mfi_plist_get_string(pl, "Order"));
	mfi_plist_free(pl);
}

static void test_plist_xml_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "not xml", "<plist/>", "<notplist><string>x</string></notplist>",
		"<plist><dict><string>no key</string></dict></plist>",
		"<plist><dict><key>k</key></dict></plist>",
		"<plist><integer>12x</integer></plist>",
		"<plist><mystery/></plist>",
		"<!DOCTYPE plist [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
		"<plist><string>&b;&b;</string></plist>",
		NULL,
	};
	for (const char *const *b = bad; *b; b++) {
		GError *err = NULL;
		mfi_plist *pl = parse_text(*b, &err);
		if (pl)
			fail_msg("parsed: %s", *b);
		assert_non_null(err);
		assert_non_null(strstr(err->message, "test.plist"));
		g_error_free(err);
	}
	/* nesting deeper than the limit */
	GString *deep = g_string_new("<plist>");
	for (int i = 0; i < MFI_PLIST_MAX_DEPTH + 5; i++)
		g_string_append(deep, "<array>");
	for (int i = 0; i < MFI_PLIST_MAX_DEPTH + 5; i++)
		g_string_append(deep, "</array>");
	g_string_append(deep, "</plist>");
	GError *err = NULL;
	assert_null(parse_text(deep->str, &err));
	assert_non_null(err);
	g_error_free(err);
	g_string_free(deep, TRUE);
}

/* ---- binary plists built by hand ---- */

typedef struct bp_builder {
	GByteArray *buf;
	GArray *offsets; /* guint64 */
} bp_builder;

static bp_builder bp_new(void)
{
	bp_builder b = { g_byte_array_new(), g_array_new(FALSE, FALSE, sizeof(guint64)) };
	g_byte_array_append(b.buf, (const guint8 *)"bplist00", 8);
	return b;
}

static void bp_obj(bp_builder *b, const guint8 *bytes, gsize n)
{
	guint64 off = b->buf->len;
	g_array_append_val(b->offsets, off);
	g_byte_array_append(b->buf, bytes, (guint)n);
}

static void be_put(GByteArray *a, guint64 v, guint n)
{
	for (guint i = 0; i < n; i++) {
		guint8 byte = (guint8)(v >> (8 * (n - 1 - i)));
		g_byte_array_append(a, &byte, 1);
	}
}

/* Finishes with 1-byte offsets and references; `table_off`/`count`/`top`
 * override the real values when not G_MAXUINT64. Caller frees. */
static GByteArray *bp_finish(bp_builder *b, guint64 top, guint64 count, guint64 table_off)
{
	guint64 real_table = b->buf->len;
	for (guint i = 0; i < b->offsets->len; i++)
		be_put(b->buf, g_array_index(b->offsets, guint64, i), 1);
	static const guint8 pad[6] = { 0 };
	g_byte_array_append(b->buf, pad, 6);
	guint8 sizes[2] = { 1, 1 };
	g_byte_array_append(b->buf, sizes, 2);
	be_put(b->buf, count != G_MAXUINT64 ? count : b->offsets->len, 8);
	be_put(b->buf, top, 8);
	be_put(b->buf, table_off != G_MAXUINT64 ? table_off : real_table, 8);
	g_array_unref(b->offsets);
	return b->buf;
}

static mfi_plist *bp_parse(GByteArray *a, GError **error)
{
	mfi_plist *pl = mfi_plist_parse(a->data, a->len, "test.bplist", error);
	g_byte_array_unref(a);
	return pl;
}

static void test_plist_binary_built(void **state)
{
	(void)state;
	/* { "Title": "Wörk" (UTF-16), "Order": 300, "On": true, "L": [ "x" ] } */
	bp_builder b = bp_new();
	static const guint8 dict[] = { 0xD4, 1, 2, 3, 4, 5, 6, 7, 8 };
	bp_obj(&b, dict, sizeof dict);                                       /* 0 */
	bp_obj(&b, (const guint8 *)"\x55Title", 6);                          /* 1 */
	bp_obj(&b, (const guint8 *)"\x55Order", 6);                          /* 2 */
	bp_obj(&b, (const guint8 *)"\x52On", 3);                             /* 3 */
	bp_obj(&b, (const guint8 *)"\x51L", 2);                              /* 4 */
	static const guint8 utf16[] = { 0x64, 0, 'W', 0, 0xF6, 0, 'r', 0, 'k' };
	bp_obj(&b, utf16, sizeof utf16);                                     /* 5 */
	static const guint8 i300[] = { 0x11, 0x01, 0x2C };
	bp_obj(&b, i300, sizeof i300);                                       /* 6 */
	bp_obj(&b, (const guint8 *)"\x09", 1);                               /* 7 */
	static const guint8 arr[] = { 0xA1, 9 };
	bp_obj(&b, arr, sizeof arr);                                         /* 8 */
	bp_obj(&b, (const guint8 *)"\x51x", 2);                              /* 9 */
	GError *err = NULL;
	mfi_plist *pl = bp_parse(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), &err);
	assert_null(err);
	assert_non_null(pl);
	assert_string_equal(mfi_plist_get_string(pl, "Title"), "W\xc3\xb6rk");
	assert_int_equal(mfi_plist_get(pl, "Order")->integer, 300);
	assert_int_equal(mfi_plist_get(pl, "On")->integer, 1);
	assert_string_equal(((mfi_plist *)mfi_plist_get(pl, "L")->items->pdata[0])->string, "x");
	mfi_plist_free(pl);
}

static void expect_bad(GByteArray *a, const char *what)
{
	GError *err = NULL;
	mfi_plist *pl = bp_parse(a, &err);
	if (pl)
		fail_msg("%s: parsed", what);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "test.bplist"));
	g_error_free(err);
}

static void test_plist_binary_hostile(void **state)
{
	(void)state;
	/* an array that contains itself */
	bp_builder b = bp_new();
	static const guint8 self[] = { 0xA1, 0 };
	bp_obj(&b, self, sizeof self);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "cycle");
	/* two arrays referring to each other */
	b = bp_new();
	static const guint8 a0[] = { 0xA1, 1 }, a1[] = { 0xA1, 0 };
	bp_obj(&b, a0, 2);
	bp_obj(&b, a1, 2);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "mutual cycle");
	/* a reference past the object count */
	b = bp_new();
	static const guint8 far[] = { 0xA1, 200 };
	bp_obj(&b, far, 2);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "reference out of range");
	/* a string longer than the file */
	b = bp_new();
	static const guint8 longstr[] = { 0x5F, 0x10, 0xFF, 'a' };
	bp_obj(&b, longstr, sizeof longstr);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "string past the end");
	/* offset table beyond the file, object count larger than the table */
	b = bp_new();
	bp_obj(&b, (const guint8 *)"\x09", 1);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, 1u << 30), "table outside");
	b = bp_new();
	bp_obj(&b, (const guint8 *)"\x09", 1);
	expect_bad(bp_finish(&b, 0, 1000000, G_MAXUINT64), "count too large");
	b = bp_new();
	bp_obj(&b, (const guint8 *)"\x09", 1);
	expect_bad(bp_finish(&b, 5, G_MAXUINT64, G_MAXUINT64), "top out of range");
	/* a dict whose key is an integer; an unknown marker */
	b = bp_new();
	static const guint8 d[] = { 0xD1, 1, 1 };
	bp_obj(&b, d, 3);
	bp_obj(&b, (const guint8 *)"\x10\x05", 2);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "non-string key");
	b = bp_new();
	bp_obj(&b, (const guint8 *)"\x70", 1);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "unknown marker");
	/* truncated: just the header, and a header with a short trailer */
	GByteArray *t = g_byte_array_new();
	g_byte_array_append(t, (const guint8 *)"bplist00\x09", 9);
	expect_bad(t, "truncated");
	/* a shared sub-array referenced twice is not a cycle */
	b = bp_new();
	static const guint8 twice[] = { 0xA2, 1, 1 }, leaf[] = { 0xA0 };
	bp_obj(&b, twice, 3);
	bp_obj(&b, leaf, 1);
	GError *err = NULL;
	mfi_plist *pl = bp_parse(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), &err);
	assert_non_null(pl);
	assert_int_equal(pl->items->len, 2);
	mfi_plist_free(pl);
}

/* Shared sub-arrays nested 30 deep would expand to 2^30 values. */
static void test_plist_binary_blowup(void **state)
{
	(void)state;
	bp_builder b = bp_new();
	for (guint8 i = 0; i < 30; i++) {
		guint8 two[] = { 0xA2, (guint8)(i + 1), (guint8)(i + 1) };
		bp_obj(&b, two, 3);
	}
	bp_obj(&b, (const guint8 *)"\x09", 1);
	expect_bad(bp_finish(&b, 0, G_MAXUINT64, G_MAXUINT64), "exponential sharing");
}

/* Every byte of a real binary plist (the fixture's) set to a few values and
 * every truncation of it: parsed or refused, never read out of bounds (the
 * sanitizer build runs this too). */
static void test_plist_binary_mutations(void **state)
{
	(void)state;
	char *path = testdata("Calendars/5E6F7A8B-0000-4000-8000-00000000000A.caldav/Info.plist");
	gchar *data = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	assert_true(len > 40 && memcmp(data, "bplist00", 8) == 0);
	static const guint8 values[] = { 0x00, 0x01, 0x0F, 0x1F, 0x4F, 0x5F, 0x6F, 0xAF, 0xDF, 0xFF };
	guint parsed = 0;
	for (gsize i = 0; i < len; i++) {
		for (gsize v = 0; v < G_N_ELEMENTS(values); v++) {
			guint8 *copy = g_memdup2(data, len);
			copy[i] = values[v];
			GError *err = NULL;
			mfi_plist *pl = mfi_plist_parse(copy, len, "mutated", &err);
			parsed += pl != NULL;
			assert_true((pl == NULL) != (err == NULL));
			mfi_plist_free(pl);
			g_clear_error(&err);
			g_free(copy);
		}
		guint8 *head = g_memdup2(data, i);
		mfi_plist_free(mfi_plist_parse(head, i, "truncated", NULL));
		g_free(head);
	}
	assert_true(parsed > 0);
	g_free(data);
	g_free(path);
}

static void test_plist_fixtures(void **state)
{
	(void)state;
	char *xml = testdata("Calendars/0A1B2C3D-0000-4000-8000-000000000001.calendar/Info.plist");
	char *bin = testdata("Calendars/0A1B2C3D-0000-4000-8000-000000000002.calendar/Info.plist");
	GError *err = NULL;
	mfi_plist *a = mfi_plist_load(xml, &err);
	assert_null(err);
	mfi_plist *b = mfi_plist_load(bin, &err);
	assert_null(err);
	assert_string_equal(mfi_plist_get_string(a, "Title"), "Home");
	assert_string_equal(mfi_plist_get_string(b, "Title"), "Work");
	assert_string_equal(mfi_plist_get_string(b, "Color"), "#1BADF8FF");
	assert_int_equal(mfi_plist_get(b, "Order")->integer, 2);
	assert_int_equal(mfi_plist_get(b, "AlarmsDisabled")->type, MFI_PLIST_BOOL);
	assert_int_equal(mfi_plist_get(b, "AlarmsDisabled")->integer, 0);
	mfi_plist_free(a);
	mfi_plist_free(b);
	g_free(xml);
	g_free(bin);
}

static void test_dav_value(void **state)
{
	(void)state;
	const char *xml = "<?xml version='1.0' encoding='UTF-8'?>\n"
	                  "<displayname xmlns='DAV:'> Team \xc3\xa9vents </displayname>";
	guint8 packed[512];
	uLongf packed_len = sizeof packed;
	assert_int_equal(compress(packed, &packed_len, (const Bytef *)xml, strlen(xml)), Z_OK);
	char *text = mfi_calstore_dav_value_text(packed, packed_len);
	assert_string_equal(text, "Team \xc3\xa9vents");
	g_free(text);
	text = mfi_calstore_dav_value_text((const guint8 *)xml, strlen(xml));
	assert_string_equal(text, "Team \xc3\xa9vents");
	g_free(text);
	assert_null(mfi_calstore_dav_value_text(packed, packed_len / 2)); /* truncated zlib */
	assert_null(mfi_calstore_dav_value_text((const guint8 *)"(dp0\nS'x'", 9)); /* a pickle */
	assert_null(mfi_calstore_dav_value_text((const guint8 *)"", 0));
}

static void put32(GByteArray *a, guint32 v)
{
	guint8 b[4] = { (guint8)(v >> 24), (guint8)(v >> 16), (guint8)(v >> 8), (guint8)v };
	g_byte_array_append(a, b, 4);
}

/* An AppleDouble file holding one attribute `name` = `value`. */
static GByteArray *appledouble(const char *name, const guint8 *value, gsize value_len)
{
	GByteArray *a = g_byte_array_new();
	gsize name_len = strlen(name) + 1, entry = (11 + name_len + 3) & ~(gsize)3;
	guint32 finder_off = 26 + 12, finder_len = 34 + 36 + (guint32)entry;
	guint32 value_off = finder_off + finder_len;
	put32(a, 0x00051607);
	put32(a, 0x00020000);
	static const guint8 filler[16] = { 0 };
	g_byte_array_append(a, filler, 16);
	static const guint8 one[2] = { 0, 1 };
	g_byte_array_append(a, one, 2);
	put32(a, 9);
	put32(a, finder_off);
	put32(a, finder_len + (guint32)value_len);
	static const guint8 finder[34] = { 0 };
	g_byte_array_append(a, finder, 34);
	put32(a, 0x41545452);
	for (int i = 0; i < 7; i++)
		put32(a, 0);
	static const guint8 flags_count[4] = { 0, 0, 0, 1 };
	g_byte_array_append(a, flags_count, 4);
	put32(a, value_off);
	put32(a, (guint32)value_len);
	static const guint8 flags[2] = { 0, 0 };
	g_byte_array_append(a, flags, 2);
	guint8 nl = (guint8)name_len;
	g_byte_array_append(a, &nl, 1);
	g_byte_array_append(a, (const guint8 *)name, (guint)name_len);
	while (a->len < value_off)
		g_byte_array_append(a, flags, 1);
	g_byte_array_append(a, value, (guint)value_len);
	return a;
}

static gboolean match_name(const char *name, gpointer want)
{
	return strcmp(name, want) == 0;
}

static void test_appledouble(void **state)
{
	(void)state;
	const char *xml = "<displayname xmlns='DAV:'>Sidecar name</displayname>";
	const char *attr = "WebDAV:{DAV:}displayname";
	GByteArray *a = appledouble(attr, (const guint8 *)xml, strlen(xml));
	char *text = mfi_calstore_appledouble_find(a->data, a->len, match_name, (gpointer)attr);
	assert_string_equal(text, "Sidecar name");
	g_free(text);
	assert_null(mfi_calstore_appledouble_find(a->data, a->len, match_name, "other"));
	/* every truncation of it: no crash, nothing read past the end */
	for (guint cut = 0; cut < a->len; cut++) {
		guint8 *copy = g_memdup2(a->data, cut);
		g_free(mfi_calstore_appledouble_find(copy, cut, match_name, (gpointer)attr));
		g_free(copy);
	}
	/* a value offset far outside the file */
	a->data[26 + 12 + 34 + 36 + 0] = 0x7F;
	assert_null(mfi_calstore_appledouble_find(a->data, a->len, match_name, (gpointer)attr));
	g_byte_array_unref(a);
}

static void test_probes(void **state)
{
	(void)state;
	static const struct {
		const char *dir;
		const char *driver;
	} cases[] = {
		{ "Calendars", "apple-calendars" },
		{ "Archive.icbu", "apple-calendars" },
		{ "Calendars/0A1B2C3D-0000-4000-8000-000000000002.calendar", "apple-calendars" },
		{ "Calendars/5E6F7A8B-0000-4000-8000-00000000000A.caldav", "apple-calendars" },
		{ "ccs-documents", "calendarserver-files" },
		{ "ccs-documents/calendars", "calendarserver-files" },
		{ "ccs-documents/calendars/__uids__", "calendarserver-files" },
		{ "ccs-documents/calendars/__uids__/10/00/10000000-0000-4000-8000-000000000001",
		  "calendarserver-files" },
		{ "ccs-users", "calendarserver-files" },
		{ "ccs-users/calendars/users", "calendarserver-files" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = testdata(cases[i].dir);
		GError *err = NULL;
		const mf_reader_driver *d = mf_reader_driver_detect(path, &err);
		assert_non_null(d);
		if (strcmp(d->name, cases[i].driver) != 0)
			fail_msg("%s detected as %s, expected %s", cases[i].dir, d->name, cases[i].driver);
		g_free(path);
	}
	/* a plain directory of .ics files stays the ics reader's */
	const char *dir = g_getenv("MF_TESTDATA");
	char *ics = g_build_filename(dir ? dir : "testdata", "ics", NULL);
	assert_int_equal(mfi_calstore_apple_probe(ics, TRUE, NULL, 0), MF_PROBE_NO);
	assert_int_equal(mfi_calstore_ccs_probe(ics, TRUE, NULL, 0), MF_PROBE_NO);
	assert_string_equal(mf_reader_driver_detect(ics, NULL)->name, "ics");
	g_free(ics);
	char *calendars = testdata("Calendars");
	assert_int_equal(mfi_calstore_ccs_probe(calendars, TRUE, NULL, 0), MF_PROBE_NO);
	g_free(calendars);
}

static const mfi_calstore_collection *collection(const mfi_calstore_store *s, guint i)
{
	assert_true(i < s->collections->len);
	return s->collections->pdata[i];
}

static gboolean has_ignored(const mfi_calstore_store *s, const char *start)
{
	for (guint i = 0; i < s->ignored->len; i++)
		if (g_str_has_prefix(s->ignored->pdata[i], start))
			return TRUE;
	return FALSE;
}

static void test_walk_apple(void **state)
{
	(void)state;
	char *root = testdata("Calendars");
	mfi_calstore_store *s = mfi_calstore_store_new(root);
	assert_true(mfi_calstore_apple_walk(s, NULL));
	static const char *const folders[] = { "Home", "Work", "Work (2)", "iCloud/Family" };
	static const guint files[] = { 3, 2, 1, 1 };
	assert_int_equal(s->collections->len, 4);
	for (guint i = 0; i < 4; i++) {
		const mfi_calstore_collection *c = collection(s, i);
		char *f = mf_folder_to_string((const char *const *)c->folder);
		assert_string_equal(f, folders[i]);
		assert_int_equal(c->files->len, files[i]);
		assert_null(c->mailbox);
		g_free(f);
	}
	assert_string_equal(collection(s, 0)->files->pdata[0], "Events/A1000001-TRAVEL.ics");
	assert_true(has_ignored(s, "Calendar Cache (Calendar.app Core Data"));
	assert_true(has_ignored(s, ".DS_Store"));
	assert_true(has_ignored(s, "5E6F7A8B-0000-4000-8000-00000000000A.caldav/inbox.calendar/Events/"));
	mfi_calstore_store_free(s);
	g_free(root);
}

static void test_walk_ccs(void **state)
{
	(void)state;
	char *root = testdata("ccs-documents");
	mfi_calstore_store *s = mfi_calstore_store_new(root);
	assert_true(mfi_calstore_ccs_walk(s, NULL));
	static const struct {
		const char *mailbox, *folder;
		guint files;
	} want[] = {
		{ "10000000-0000-4000-8000-000000000001", "addressbook", 1 },
		{ "10000000-0000-4000-8000-000000000001", "calendar", 2 },
		{ "10000000-0000-4000-8000-000000000001", "work", 3 },
		{ "20000000-0000-4000-8000-000000000002", "calendar", 3 },
	};
	assert_int_equal(s->collections->len, G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		const mfi_calstore_collection *c = collection(s, i);
		assert_string_equal(c->mailbox, want[i].mailbox);
		assert_string_equal(c->folder[0], want[i].folder);
		assert_null(c->folder[1]);
		assert_int_equal(c->files->len, want[i].files);
	}
	assert_ptr_equal(collection(s, 0)->decoder, &mf_vcf_reader);
	assert_ptr_equal(collection(s, 1)->decoder, &mf_ics_reader);
	assert_true(has_ignored(s, "calendars/__uids__/10/00/10000000-0000-4000-8000-000000000001/inbox/C3000002-INVITE.ics (scheduling inbox"));
	assert_true(has_ignored(s, "calendars/__uids__/10/00/10000000-0000-4000-8000-000000000001/dropbox/"));
	mfi_calstore_store_free(s);
	g_free(root);
}

static void test_read_apple(void **state)
{
	(void)state;
	char *root = testdata("Calendars");
	GError *err = NULL;
	mf_reader *r = mf_apple_calendars_reader.open(root, NULL, &err);
	assert_non_null(r);
	guint items = 0, broken = 0;
	mf_item *item;
	mf_next_result res;
	while ((res = mf_apple_calendars_reader.next(r, &item, &err)) != MF_NEXT_END) {
		assert_int_not_equal(res, MF_NEXT_FATAL);
		if (res == MF_NEXT_BROKEN)
			broken++;
		else
			items++;
		if (items == 1) {
			assert_string_equal(item->folder[0], "Home");
			assert_true(g_str_has_prefix(item->locator, "0A1B2C3D-0000-4000-8000-000000000001"
			                                            ".calendar/Events/A1000001-TRAVEL.ics: "));
			assert_non_null(item->ical);
		}
		mf_item_free(item);
		g_clear_error(&err);
	}
	assert_int_equal(items, 7);
	assert_int_equal(broken, 0);
	guint64 done = 0, total = 0;
	mf_apple_calendars_reader.progress(r, &done, &total);
	assert_true(total > 0 && done == total);
	mf_apple_calendars_reader.close(r);
	g_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plist_xml),
		cmocka_unit_test(test_plist_xml_bad),
		cmocka_unit_test(test_plist_binary_built),
		cmocka_unit_test(test_plist_binary_hostile),
		cmocka_unit_test(test_plist_binary_blowup),
		cmocka_unit_test(test_plist_binary_mutations),
		cmocka_unit_test(test_plist_fixtures),
		cmocka_unit_test(test_dav_value),
		cmocka_unit_test(test_appledouble),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_walk_apple),
		cmocka_unit_test(test_walk_ccs),
		cmocka_unit_test(test_read_apple),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
