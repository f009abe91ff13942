/* Unit tests for formats/maildir: file-name flags, modified UTF-7, keywords
 * files, reading the shared corpus and the project fixture, and writing then
 * reading back a Maildir++ tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailferry/driver.h"
#include "mailferry/outpath.h"
#include "../formats/maildir/maildir.h"

extern const mf_reader_driver mf_maildir_reader;
extern const mf_writer_driver mf_maildir_writer;

/* ---- helpers ---- */

static char *corpus_path(const char *rel)
{
	const char *corpus = g_getenv("MF_CORPUS");
	return corpus ? g_build_filename(corpus, rel, NULL) : NULL;
}

static char *testdata_path(const char *rel)
{
	const char *testdata = g_getenv("MF_TESTDATA");
	return testdata ? g_build_filename(testdata, rel, NULL) : NULL;
}

typedef struct read_result {
	GPtrArray *items;   /* mf_item* */
	GPtrArray *ignored; /* char* copies */
	guint broken;
	guint64 done, total;
} read_result;

static void read_result_free(read_result *r)
{
	g_ptr_array_unref(r->items);
	g_ptr_array_unref(r->ignored);
	g_free(r);
}

static read_result *read_all(const char *path)
{
	GError *error = NULL;
	mf_options opts = { 0 };
	mf_reader *reader = mf_maildir_reader.open(path, &opts, &error);
	assert_null(error);
	assert_non_null(reader);
	read_result *r = g_new0(read_result, 1);
	r->items = g_ptr_array_new_with_free_func((GDestroyNotify)mf_item_free);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	for (;;) {
		mf_item *item = NULL;
		mf_next_result res = mf_maildir_reader.next(reader, &item, &error);
		if (res == MF_NEXT_END)
			break;
		assert_int_not_equal(res, MF_NEXT_FATAL);
		if (res == MF_NEXT_BROKEN) {
			r->broken++;
			g_clear_error(&error);
			mf_item_free(item);
			continue;
		}
		g_ptr_array_add(r->items, item);
	}
	mf_maildir_reader.progress(reader, &r->done, &r->total);
	const GPtrArray *ignored = mf_maildir_reader.ignored(reader);
	for (guint i = 0; i < ignored->len; i++)
		g_ptr_array_add(r->ignored, g_strdup(ignored->pdata[i]));
	mf_maildir_reader.close(reader);
	return r;
}

static gboolean contains(const GPtrArray *strings, const char *s)
{
	for (guint i = 0; i < strings->len; i++)
		if (strcmp(strings->pdata[i], s) == 0)
			return TRUE;
	return FALSE;
}

static char *folder_str(const mf_item *item)
{
	return mf_folder_to_string((const char *const *)item->folder);
}

static const mf_item *find_locator(const read_result *r, const char *locator)
{
	for (guint i = 0; i < r->items->len; i++) {
		const mf_item *item = r->items->pdata[i];
		if (strcmp(item->locator, locator) == 0)
			return item;
	}
	return NULL;
}

static char *item_sha(const mf_item *item)
{
	gsize len;
	const void *data = g_bytes_get_data(item->mime, &len);
	return mf_sha256_hex(data, len);
}

static void rm_rf(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	if (d) {
		const char *name;
		while ((name = g_dir_read_name(d))) {
			char *child = g_build_filename(path, name, NULL);
			rm_rf(child);
			g_free(child);
		}
		g_dir_close(d);
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

/* ---- pure helpers ---- */

static void test_info_parse(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		gboolean has_info;
		guint flags;
		const char *keywords, *unknown;
	} cases[] = {
		{ "1220863087.12663_15.mindcrime!2,PS", TRUE, MF_FLAG_FORWARDED | MF_FLAG_SEEN, "", "" },
		{ "1220863087.12663_7.mindcrime!2,RS", TRUE, MF_FLAG_ANSWERED | MF_FLAG_SEEN, "", "" },
		{ "1354585346.000260:2,", TRUE, 0, "", "" },
		{ "x:2,DFPRST", TRUE, MF_FLAG_DRAFT | MF_FLAG_FLAGGED | MF_FLAG_FORWARDED |
		                      MF_FLAG_ANSWERED | MF_FLAG_SEEN | MF_FLAG_DELETED, "", "" },
		{ "special!2,Sabc", TRUE, MF_FLAG_SEEN, "abc", "" },
		{ "x:2,SXa9", TRUE, MF_FLAG_SEEN, "a", "X9" },
		{ "host!name:2,F", TRUE, MF_FLAG_FLAGGED, "", "" },  /* last separator counts */
		{ "1220863087.12663_21.mindcrime", FALSE, 0, "", "" },
		{ "x:1,S", FALSE, 0, "", "" },                       /* experimental semantics */
		{ "x!2", FALSE, 0, "", "" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		mfi_maildir_info info;
		mfi_maildir_info_parse(cases[i].name, &info);
		assert_int_equal(info.has_info, cases[i].has_info);
		assert_int_equal(info.flags, cases[i].flags);
		assert_string_equal(info.keywords, cases[i].keywords);
		assert_string_equal(info.unknown, cases[i].unknown);
	}
}

static void test_flags_format(void **state)
{
	(void)state;
	char *s = mfi_maildir_flags_format(MF_FLAG_SEEN | MF_FLAG_DRAFT | MF_FLAG_RECENT, "ca");
	assert_string_equal(s, "DSac");
	g_free(s);
	s = mfi_maildir_flags_format(MF_FLAG_SEEN | MF_FLAG_ANSWERED | MF_FLAG_FLAGGED |
	                             MF_FLAG_DELETED | MF_FLAG_FORWARDED | MF_FLAG_DRAFT, NULL);
	assert_string_equal(s, "DFPRST");
	g_free(s);
	s = mfi_maildir_flags_format(MF_FLAG_RECENT, "");
	assert_string_equal(s, "");
	g_free(s);
}

static void test_utf7(void **state)
{
	(void)state;
	static const struct {
		const char *utf8, *mutf7;
	} pairs[] = {
		{ "Entwürfe", "Entw&APw-rfe" },
		{ "&", "&-" },
		{ "Sent & Drafts", "Sent &- Drafts" },
		{ "台北", "&U,BTFw-" },               /* RFC 3501 5.1.3 example */
		{ "日本語", "&ZeVnLIqe-" },
		{ "Inbox", "Inbox" },
		{ "a~b", "a~b" },
		{ "😀x", "&2D3eAA-x" },              /* non-BMP: a surrogate pair */
		{ "", "" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(pairs); i++) {
		char *enc = mfi_imap_utf7_encode(pairs[i].utf8);
		assert_string_equal(enc, pairs[i].mutf7);
		char *dec = mfi_imap_utf7_decode(pairs[i].mutf7);
		assert_non_null(dec);
		assert_string_equal(dec, pairs[i].utf8);
		g_free(enc);
		g_free(dec);
	}
	static const char *const invalid[] = { "&APw", "Entw\xc3\xbcrfe", "&A-", "&A*w-", "&2D0-" };
	for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++)
		assert_null(mfi_imap_utf7_decode(invalid[i]));
}

static void test_keywords_file(void **state)
{
	(void)state;
	const char *text = "0 $Junk\r\n1 work item\n\n25 last\n26 too-far\nx bad\n3\n2 NonJunk";
	mfi_maildir_keywords kw = { { NULL } };
	GArray *bad = g_array_new(FALSE, FALSE, sizeof(guint));
	mfi_maildir_keywords_parse(text, strlen(text), &kw, bad);
	assert_string_equal(kw.names[0], "$Junk");
	assert_string_equal(kw.names[1], "work item");
	assert_string_equal(kw.names[2], "NonJunk");
	assert_string_equal(kw.names[25], "last");
	assert_null(kw.names[3]);
	assert_int_equal(bad->len, 3);
	assert_int_equal(g_array_index(bad, guint, 0), 5);
	assert_int_equal(g_array_index(bad, guint, 1), 6);
	assert_int_equal(g_array_index(bad, guint, 2), 7);
	g_array_unref(bad);
	mfi_maildir_keywords_clear(&kw);
	assert_null(kw.names[0]);

	const char *names[] = { "$Junk", "Work" };
	char *out = mfi_maildir_keywords_format(names, 2);
	assert_string_equal(out, "0 $Junk\n1 Work\n");
	g_free(out);
}

/* ---- reading ---- */

static void test_probe(void **state)
{
	(void)state;
	char *root = corpus_path("maildir");
	char *mu = corpus_path("maildir/mu/testdir");
	char *file = corpus_path("maildir/mu/testdir/cur/signed!2,S");
	if (!root)
		skip();
	assert_int_equal(mf_maildir_reader.probe(root, TRUE, NULL, 0), MF_PROBE_LIKELY);
	assert_int_equal(mf_maildir_reader.probe(mu, TRUE, NULL, 0), MF_PROBE_SURE);
	assert_int_equal(mf_maildir_reader.probe(file, FALSE, (const guint8 *)"From: x", 7),
	                 MF_PROBE_NO);
	char *empty = g_dir_make_tmp("mf-maildir-XXXXXX", NULL);
	assert_int_equal(mf_maildir_reader.probe(empty, TRUE, NULL, 0), MF_PROBE_NO);
	g_rmdir(empty);
	g_free(empty);
	g_free(root);
	g_free(mu);
	g_free(file);
}

/* Expected numbers established outside mailferry, by listing the corpus:
 *   find maildir/mu/testdir/cur maildir/mu/testdir/new -type f | wc -l          -> 19 (15 + 4)
 *   find maildir/notmuch/lkml/cur maildir/notmuch/lkml/new -type f | wc -l      -> 210
 *   find <same dirs> -type f -printf '%s\n' | awk '{s+=$1} END {print s}'       -> 70888, 861383
 *   maildir/mu/testdir/tmp holds one file; no dot files, no dovecot-keywords.
 * The SHA-256 of cur/1220863042.12663_1.mindcrime!2,S is from corpus/MANIFEST.tsv. */
static void test_read_corpus(void **state)
{
	(void)state;
	char *root = corpus_path("maildir");
	if (!root)
		skip();
	read_result *r = read_all(root);
	assert_int_equal(r->broken, 0);
	assert_int_equal(r->items->len, 19 + 210);
	guint mu = 0, lkml = 0, recent = 0;
	for (guint i = 0; i < r->items->len; i++) {
		const mf_item *item = r->items->pdata[i];
		char *folder = folder_str(item);
		if (strcmp(folder, "mu/testdir") == 0)
			mu++;
		else if (strcmp(folder, "notmuch/lkml") == 0)
			lkml++;
		else
			fail_msg("unexpected folder %s", folder);
		/* folder order: mu before notmuch, as sorted */
		assert_true(i < 19 ? strcmp(folder, "mu/testdir") == 0 : TRUE);
		if (item->flags & MF_FLAG_RECENT)
			recent++;
		assert_int_equal(item->kind, MF_KIND_MESSAGE);
		assert_true(item->internal_date > 0);
		assert_string_equal(item->source, root);
		g_free(folder);
	}
	assert_int_equal(mu, 19);
	assert_int_equal(lkml, 210);
	assert_int_equal(recent, 4);
	assert_int_equal(r->done, 70888 + 861383);
	assert_int_equal(r->total, r->done);

	const mf_item *first = r->items->pdata[0];
	assert_string_equal(first->locator, "mu/testdir/cur/1220863042.12663_1.mindcrime!2,S");
	assert_int_equal(first->flags, MF_FLAG_SEEN);
	char *sha = item_sha(first);
	assert_string_equal(sha, "f1811c4328d18ee1f75513fb14905f29ecb337f5640ca170d656c687ac651e95");
	g_free(sha);

	const mf_item *ps = find_locator(r, "mu/testdir/cur/1220863087.12663_15.mindcrime!2,PS");
	assert_non_null(ps);
	assert_int_equal(ps->flags, MF_FLAG_FORWARDED | MF_FLAG_SEEN);
	const mf_item *special = find_locator(r, "mu/testdir/cur/special!2,Sabc");
	assert_non_null(special);
	assert_int_equal(special->flags, MF_FLAG_SEEN);
	assert_int_equal(special->keywords->len, 0);
	const mf_item *fresh = find_locator(r, "mu/testdir/new/1220863087.12663_21.mindcrime");
	assert_non_null(fresh);
	assert_int_equal(fresh->flags, MF_FLAG_RECENT);
	const mf_item *colon = find_locator(r, "notmuch/lkml/cur/1354585346.000260:2,");
	assert_non_null(colon);
	assert_int_equal(colon->flags, 0);

	assert_true(contains(r->ignored, "mu/testdir/tmp/1220863087.12663.ignore"));
	assert_true(contains(r->ignored, "mu/testdir/cur/special!2,Sabc: keyword letters 'abc' "
	                                 "not in dovecot-keywords"));
	assert_int_equal(r->ignored->len, 2);
	read_result_free(r);
	g_free(root);
}

static void test_read_single_maildir(void **state)
{
	(void)state;
	char *root = corpus_path("maildir/mu/testdir");
	if (!root)
		skip();
	read_result *r = read_all(root);
	assert_int_equal(r->items->len, 19);
	const mf_item *first = r->items->pdata[0];
	assert_null(first->folder[0]);
	assert_string_equal(first->locator, "cur/1220863042.12663_1.mindcrime!2,S");
	assert_true(contains(r->ignored, "tmp/1220863087.12663.ignore"));
	read_result_free(r);
	g_free(root);
}

static void test_read_fixture(void **state)
{
	(void)state;
	char *root = testdata_path("maildir/plusplus");
	if (!root)
		skip();
	read_result *r = read_all(root);
	assert_int_equal(r->items->len, 4);
	/* Root first (sorted cur/new by name), then ".A.B" before ".Entw&APw-rfe". */
	static const struct {
		const char *locator, *folder;
		guint flags;
		const char *keyword;
	} want[] = {
		{ "cur/1000000000.M1P1.fixture:2,Sa", "", MF_FLAG_SEEN, "$Junk" },
		{ "new/1000000001.M2P1.fixture", "", MF_FLAG_RECENT, NULL },
		{ ".A.B/new/1000000004.M5P1.fixture", "A/B", MF_FLAG_RECENT, NULL },
		{ ".Entw&APw-rfe/cur/1000000003.M4P1.fixture!2,DS", "Entwürfe",
		  MF_FLAG_DRAFT | MF_FLAG_SEEN, NULL },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
		const mf_item *item = r->items->pdata[i];
		char *folder = folder_str(item);
		assert_string_equal(item->locator, want[i].locator);
		assert_string_equal(folder, want[i].folder);
		assert_int_equal(item->flags, want[i].flags);
		assert_int_equal(item->keywords->len, want[i].keyword ? 1 : 0);
		if (want[i].keyword)
			assert_string_equal(item->keywords->pdata[0], want[i].keyword);
		g_free(folder);
	}
	const char *ignored[] = { "cur/.hidden-file", "tmp/1000000002.M3P1.fixture",
	                          "dovecot-keywords line 3", "dovecot-uidlist" };
	for (gsize i = 0; i < G_N_ELEMENTS(ignored); i++)
		assert_true(contains(r->ignored, ignored[i]));
	assert_int_equal(r->ignored->len, G_N_ELEMENTS(ignored));
	read_result_free(r);
	g_free(root);
}

static void test_read_vanished_file(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("mf-maildir-XXXXXX", NULL);
	char *cur = g_build_filename(dir, "cur", NULL);
	g_mkdir(cur, 0755);
	char *a = g_build_filename(cur, "1.a:2,S", NULL);
	char *b = g_build_filename(cur, "2.b:2,S", NULL);
	assert_true(g_file_set_contents(a, "Subject: a\n\na\n", -1, NULL));
	assert_true(g_file_set_contents(b, "Subject: b\n\nb\n", -1, NULL));

	GError *error = NULL;
	mf_reader *reader = mf_maildir_reader.open(dir, NULL, &error);
	assert_non_null(reader);
	mf_item *item = NULL;
	assert_int_equal(mf_maildir_reader.next(reader, &item, &error), MF_NEXT_ITEM);
	mf_item_free(item);
	g_unlink(b); /* listed already, gone when read */
	assert_int_equal(mf_maildir_reader.next(reader, &item, &error), MF_NEXT_BROKEN);
	assert_non_null(error);
	assert_int_equal(error->code, MF_ERROR_ITEM);
	assert_non_null(strstr(error->message, "cur/2.b:2,S"));
	assert_non_null(item);
	assert_string_equal(item->locator, "cur/2.b:2,S");
	assert_null(item->mime);
	g_clear_error(&error);
	mf_item_free(item);
	assert_int_equal(mf_maildir_reader.next(reader, &item, &error), MF_NEXT_END);
	mf_maildir_reader.close(reader);

	assert_null(mf_maildir_reader.open(a, NULL, &error)); /* a file, not a directory */
	assert_int_equal(error->code, MF_ERROR_SOURCE);
	g_clear_error(&error);
	rm_rf(dir);
	g_free(a);
	g_free(b);
	g_free(cur);
	g_free(dir);
}

/* ---- writing, then reading back ---- */

typedef struct src_msg {
	const char *folder;     /* '|'-separated segments ("" = root) */
	guint flags;
	const char *keywords;   /* ','-separated or NULL */
	gint64 date;
	const char *eol;
	const char *want_folder;/* as read back, segments joined by '/' */
	guint want_flags;
} src_msg;

static const src_msg roundtrip_msgs[] = {
	{ "", MF_FLAG_SEEN, "$Junk,work", 1600000000, "\n", "", MF_FLAG_SEEN },
	{ "INBOX", MF_FLAG_RECENT, NULL, 0, "\r\n", "", MF_FLAG_RECENT },
	{ "Entwürfe", MF_FLAG_DRAFT | MF_FLAG_SEEN, NULL, 1600000100, "\n", "Entwürfe",
	  MF_FLAG_DRAFT | MF_FLAG_SEEN },
	{ "A|B", MF_FLAG_FLAGGED | MF_FLAG_ANSWERED | MF_FLAG_FORWARDED | MF_FLAG_DELETED, "work",
	  1600000200, "\n", "A/B",
	  MF_FLAG_FLAGGED | MF_FLAG_ANSWERED | MF_FLAG_FORWARDED | MF_FLAG_DELETED },
	{ "a/b", MF_FLAG_SEEN, NULL, 1600000300, "\n", "a_b", MF_FLAG_SEEN },
	{ "..", 0, NULL, 1600000400, "\n", "__", 0 },
	{ "..|..|etc", 0, NULL, 1600000450, "\n", "__/__/etc", 0 },
	{ "x.y", MF_FLAG_SEEN, "Ärger", 1600000500, "\n", "x_y", MF_FLAG_SEEN },
	{ "x_y", MF_FLAG_SEEN, NULL, 1600000600, "\n", "x_y~2", MF_FLAG_SEEN },
	{ "Sent & Drafts", MF_FLAG_SEEN | MF_FLAG_RECENT, NULL, 1600000700, "\r\n",
	  "Sent & Drafts", MF_FLAG_SEEN },
	{ "A|B", MF_FLAG_RECENT, "work", 1600000800, "\n", "A/B", 0 },
	{ "Inbox", 0, NULL, 1600000900, "\n", "", 0 },
};

static GBytes *make_message(guint i, const char *eol)
{
	char *text = g_strdup_printf("From: a@example.org%sSubject: message %u%s"
	                             "Date: Sun, 13 Sep 2020 12:26:40 +0000%s%sbody %u%s",
	                             eol, i, eol, eol, eol, i, eol);
	return g_bytes_new_take(text, strlen(text));
}

static mf_item *make_item(guint i, const src_msg *m)
{
	char *locator = g_strdup_printf("msg %u", i);
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, "test", locator);
	char **folder = *m->folder ? g_strsplit(m->folder, "|", -1) : g_new0(char *, 1);
	mf_item_set_folder(item, (const char *const *)folder);
	item->flags = m->flags;
	item->internal_date = m->date;
	if (m->keywords) {
		char **kws = g_strsplit(m->keywords, ",", -1);
		for (char **k = kws; *k; k++)
			mf_item_add_keyword(item, *k);
		g_strfreev(kws);
	}
	mf_item_take_mime(item, make_message(i, m->eol));
	g_strfreev(folder);
	g_free(locator);
	return item;
}

static void write_items(const char *outdir, const src_msg *msgs, gsize n)
{
	GError *error = NULL;
	mf_options opts = { 0 };
	mf_writer *w = mf_maildir_writer.open(outdir, &opts, &error);
	assert_null(error);
	for (gsize i = 0; i < n; i++) {
		mf_item *item = make_item((guint)i, &msgs[i]);
		assert_true(mf_maildir_writer.put(w, item, &error));
		mf_item_free(item);
	}
	assert_true(mf_maildir_writer.close(w, &error));
	assert_null(error);
}

static gboolean keywords_equal(const GPtrArray *got, const char *want)
{
	char **names = want ? g_strsplit(want, ",", -1) : g_new0(char *, 1);
	gboolean ok = g_strv_length(names) == got->len;
	for (char **k = names; ok && *k; k++)
		ok = contains(got, *k);
	g_strfreev(names);
	return ok;
}

static void check_roundtrip_item(const mf_item *item)
{
	for (gsize i = 0; i < G_N_ELEMENTS(roundtrip_msgs); i++) {
		const src_msg *m = &roundtrip_msgs[i];
		GBytes *want = make_message((guint)i, m->eol);
		gboolean same = g_bytes_equal(want, item->mime);
		g_bytes_unref(want);
		if (!same)
			continue;
		char *folder = folder_str(item);
		assert_string_equal(folder, m->want_folder);
		assert_int_equal(item->flags, m->want_flags);
		assert_true(keywords_equal(item->keywords, m->keywords));
		/* no internal date: the Date: header's, 2020-09-13T12:26:40Z */
		assert_int_equal(item->internal_date, m->date ? m->date : 1600000000);
		g_free(folder);
		return;
	}
	fail_msg("read back a message that was not written: %s", item->locator);
}

static void test_roundtrip(void **state)
{
	(void)state;
	char *base = g_dir_make_tmp("mf-maildir-XXXXXX", NULL);
	char *out = g_build_filename(base, "out", NULL);
	write_items(out, roundtrip_msgs, G_N_ELEMENTS(roundtrip_msgs));

	/* Nothing escaped OUTDIR: its parent holds only OUTDIR. */
	GPtrArray *top = mfi_maildir_list_dir(base);
	assert_int_equal(top->len, 1);
	assert_string_equal(top->pdata[0], "out");
	g_ptr_array_unref(top);

	GPtrArray *dirs = mfi_maildir_list_dir(out);
	static const char *const want_dirs[] = {
		".A.B", ".Entw&APw-rfe", ".Sent &- Drafts", ".__", ".__.__.etc", ".a_b", ".x_y",
		".x_y~2", "cur", "dovecot-keywords", "new", "tmp",
	};
	assert_int_equal(dirs->len, G_N_ELEMENTS(want_dirs));
	for (gsize i = 0; i < G_N_ELEMENTS(want_dirs); i++)
		assert_string_equal(dirs->pdata[i], want_dirs[i]);
	g_ptr_array_unref(dirs);

	char *marker = g_build_filename(out, ".A.B", "maildirfolder", NULL);
	char *root_marker = g_build_filename(out, "maildirfolder", NULL);
	assert_true(g_file_test(marker, G_FILE_TEST_IS_REGULAR));
	assert_false(g_file_test(root_marker, G_FILE_TEST_EXISTS));
	char *kw_path = g_build_filename(out, "dovecot-keywords", NULL);
	char *kw_text = NULL;
	assert_true(g_file_get_contents(kw_path, &kw_text, NULL, NULL));
	assert_string_equal(kw_text, "0 $Junk\n1 work\n");
	/* Names are deterministic: "<date>.M<seq>P<crc8>.mailferry:2,<flags>". */
	char *inbox_cur = g_build_filename(out, "cur", NULL);
	GPtrArray *cur = mfi_maildir_list_dir(inbox_cur);
	assert_int_equal(cur->len, 2);
	assert_true(g_str_has_prefix(cur->pdata[0], "1600000000.M1P"));
	assert_true(g_str_has_suffix(cur->pdata[0], ".mailferry:2,Sab"));
	assert_true(g_str_has_prefix(cur->pdata[1], "1600000900.M3P"));
	assert_true(g_str_has_suffix(cur->pdata[1], ".mailferry:2,"));
	g_ptr_array_unref(cur);
	char *inbox_tmp = g_build_filename(out, "tmp", NULL);
	GPtrArray *tmp = mfi_maildir_list_dir(inbox_tmp);
	assert_int_equal(tmp->len, 0);
	g_ptr_array_unref(tmp);

	read_result *r = read_all(out);
	assert_int_equal(r->items->len, G_N_ELEMENTS(roundtrip_msgs));
	assert_int_equal(r->ignored->len, 0);
	for (guint i = 0; i < r->items->len; i++)
		check_roundtrip_item(r->items->pdata[i]);
	read_result_free(r);

	g_free(inbox_tmp);
	g_free(inbox_cur);
	g_free(kw_text);
	g_free(kw_path);
	g_free(root_marker);
	g_free(marker);
	rm_rf(base);
	g_free(out);
	g_free(base);
}

static char *tree_digest(const char *root, const char *rel)
{
	GString *out = g_string_new("");
	char *dir = g_build_filename(root, rel, NULL);
	GPtrArray *names = mfi_maildir_list_dir(dir);
	for (guint i = 0; names && i < names->len; i++) {
		char *child_rel = mfi_maildir_rel_join(rel, names->pdata[i]);
		char *child = g_build_filename(root, child_rel, NULL);
		struct stat st;
		assert_int_equal(stat(child, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			char *sub = tree_digest(root, child_rel);
			g_string_append_printf(out, "%s/\n%s", child_rel, sub);
			g_free(sub);
		} else {
			/* Messages carry their internal date as mtime; side files
			 * (maildirfolder, dovecot-keywords) are stamped when written. */
			gboolean message = strstr(child_rel, "cur/") || strstr(child_rel, "new/");
			char *sha = mf_sha256_file(child, NULL);
			g_string_append_printf(out, "%s %s %jd\n", child_rel, sha,
			                       message ? (intmax_t)st.st_mtime : (intmax_t)0);
			g_free(sha);
		}
		g_free(child);
		g_free(child_rel);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(dir);
	return g_string_free(out, FALSE);
}

static void test_deterministic(void **state)
{
	(void)state;
	char *base = g_dir_make_tmp("mf-maildir-XXXXXX", NULL);
	char *one = g_build_filename(base, "one", NULL);
	char *two = g_build_filename(base, "two", NULL);
	write_items(one, roundtrip_msgs, G_N_ELEMENTS(roundtrip_msgs));
	write_items(two, roundtrip_msgs, G_N_ELEMENTS(roundtrip_msgs));
	char *a = tree_digest(one, "");
	char *b = tree_digest(two, "");
	assert_string_equal(a, b);
	g_free(a);
	g_free(b);
	rm_rf(base);
	g_free(one);
	g_free(two);
	g_free(base);
}

static void test_keyword_overflow(void **state)
{
	(void)state;
	char *out = g_dir_make_tmp("mf-maildir-XXXXXX", NULL);
	GError *error = NULL;
	mf_writer *w = mf_maildir_writer.open(out, NULL, &error);
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, "test", "msg 0");
	const char *folder[] = { "Many", NULL };
	mf_item_set_folder(item, folder);
	for (int i = 0; i < 28; i++) {
		char *kw = g_strdup_printf("kw%02d", i);
		mf_item_add_keyword(item, kw);
		g_free(kw);
	}
	mf_item_add_keyword(item, "bad\nkeyword");
	mf_item_take_mime(item, make_message(0, "\n"));
	assert_true(mf_maildir_writer.put(w, item, &error)); /* written, extras dropped */
	mf_item_free(item);

	mf_item *song = mf_item_new(MF_KIND_EVENT, "test", "event 0");
	assert_false(mf_maildir_writer.put(w, song, &error));
	assert_int_equal(error->code, MF_ERROR_ITEM);
	g_clear_error(&error);
	mf_item_free(song);
	assert_true(mf_maildir_writer.close(w, &error));

	read_result *r = read_all(out);
	assert_int_equal(r->items->len, 1);
	const mf_item *back = r->items->pdata[0];
	assert_int_equal(back->keywords->len, MFI_MAILDIR_MAX_KEYWORDS);
	assert_string_equal(back->keywords->pdata[0], "kw00");
	assert_string_equal(back->keywords->pdata[25], "kw25");
	assert_false(contains(back->keywords, "kw26"));
	read_result_free(r);
	rm_rf(out);
	g_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_parse),
		cmocka_unit_test(test_flags_format),
		cmocka_unit_test(test_utf7),
		cmocka_unit_test(test_keywords_file),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_read_corpus),
		cmocka_unit_test(test_read_single_maildir),
		cmocka_unit_test(test_read_fixture),
		cmocka_unit_test(test_read_vanished_file),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_keyword_overflow),
	};
	return cmocka_run_group_tests_name("maildir", tests, NULL, NULL);
}
