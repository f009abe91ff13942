/* MDaemon store helpers: the IMAP.MRK parser (mdaemon-mrk.c: every flag,
 * truncated and hostile bytes), names and folder classes (mdaemon-names.c),
 * HIWATER.MRK (mdaemon-hiwater.c) and one folder's contents (mdaemon-folder.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "../formats/mdaemon/mdaemon.h"

static void put32(guint8 *p, guint32 v)
{
	p[0] = v & 0xff, p[1] = (v >> 8) & 0xff, p[2] = (v >> 16) & 0xff, p[3] = v >> 24;
}

static guint8 *build(guint n, gsize *len_r)
{
	gsize len = MFI_MDAEMON_MRK_HEADER + n * MFI_MDAEMON_MRK_RECORD;
	guint8 *d = g_malloc0(len);
	put32(d, 1), put32(d + 4, 1234), put32(d + 8, 100 + n);
	memcpy(d + 32, "\r\n\0\0", 4);
	for (guint i = 0; i < n; i++) {
		guint8 *r = d + MFI_MDAEMON_MRK_HEADER + i * MFI_MDAEMON_MRK_RECORD;
		char name[24];
		g_snprintf(name, sizeof name, "md50000000%03u.msg", i);
		memcpy(r, name, strlen(name));
		r[23] = (guint8)(1u << (i % 6));
		put32(r + 24, 100 + i), put32(r + 28, 500 + i), put32(r + 32, 1700000000u + i);
	}
	*len_r = len;
	return d;
}

static void test_every_flag(void **state)
{
	(void)state;
	gsize len;
	guint8 *d = build(6, &len);
	mfi_mdaemon_mrk mrk;
	assert_true(mfi_mdaemon_mrk_parse(d, len, &mrk));
	assert_int_equal(mrk.version, 1);
	assert_int_equal(mrk.uid_validity, 1234);
	assert_int_equal(mrk.uid_next, 106);
	assert_int_equal(mrk.records->len, 6);
	assert_int_equal(mrk.trailing, 0);
	static const guint want[6] = { MF_FLAG_RECENT, MF_FLAG_DRAFT, MF_FLAG_DELETED,
	                               MF_FLAG_FLAGGED, MF_FLAG_ANSWERED, MF_FLAG_SEEN };
	for (guint i = 0; i < 6; i++) {
		const mfi_mdaemon_mrk_record *r =
			&g_array_index(mrk.records, mfi_mdaemon_mrk_record, i);
		assert_int_equal(mfi_mdaemon_mrk_flags(r->raw_flags), want[i]);
		assert_int_equal(r->uid, 100 + i);
		assert_int_equal(r->size, 500 + i);
		assert_int_equal(r->date, 1700000000u + i);
		assert_int_equal(strlen(r->name), 17);
	}
	assert_int_equal(mfi_mdaemon_mrk_flags(0x3f), MF_FLAG_SEEN | MF_FLAG_ANSWERED |
	                 MF_FLAG_FLAGGED | MF_FLAG_DELETED | MF_FLAG_DRAFT | MF_FLAG_RECENT);
	mfi_mdaemon_mrk_clear(&mrk);
	g_free(d);
}

static void test_truncated(void **state)
{
	(void)state;
	gsize len;
	guint8 *d = build(3, &len);
	mfi_mdaemon_mrk mrk;
	for (gsize cut = 0; cut <= len; cut++) {
		guint8 *copy = g_memdup2(d, cut); /* exact-size heap copy: ASan sees overreads */
		gboolean ok = mfi_mdaemon_mrk_parse(copy, cut, &mrk);
		assert_int_equal(ok, cut >= MFI_MDAEMON_MRK_HEADER);
		if (ok) {
			gsize whole = (cut - MFI_MDAEMON_MRK_HEADER) / MFI_MDAEMON_MRK_RECORD;
			assert_int_equal(mrk.records->len, whole);
			assert_int_equal(mrk.trailing, (cut - MFI_MDAEMON_MRK_HEADER) % MFI_MDAEMON_MRK_RECORD);
			mfi_mdaemon_mrk_clear(&mrk);
		}
		g_free(copy);
	}
	assert_false(mfi_mdaemon_mrk_parse(NULL, 0, &mrk));
	g_free(d);
}

static void test_hostile(void **state)
{
	(void)state;
	gsize len;
	guint8 *d = build(4, &len);
	guint8 *r0 = d + MFI_MDAEMON_MRK_HEADER;
	memset(r0, 'A', 23);                                  /* no NUL: 23 chars kept */
	memset(r0 + 36, 0, 23);                               /* empty name: skipped */
	memcpy(r0 + 72, "../../etc/passwd", 16);              /* path: skipped */
	r0[108] = 0x01;                                       /* control byte: skipped */
	mfi_mdaemon_mrk mrk;
	assert_true(mfi_mdaemon_mrk_parse(d, len, &mrk));
	assert_int_equal(mrk.records->len, 1);
	assert_int_equal(mrk.bad_names, 3);
	assert_int_equal(strlen(g_array_index(mrk.records, mfi_mdaemon_mrk_record, 0).name), 23);
	mfi_mdaemon_mrk_clear(&mrk);
	/* random bytes never crash */
	GRand *rand = g_rand_new_with_seed(6);
	for (int i = 0; i < 2000; i++) {
		gsize n = g_rand_int_range(rand, 0, 400);
		guint8 *b = g_malloc(n + 1);
		for (gsize j = 0; j < n; j++)
			b[j] = (guint8)g_rand_int(rand);
		if (mfi_mdaemon_mrk_parse(b, n, &mrk))
			mfi_mdaemon_mrk_clear(&mrk);
		g_free(b);
	}
	g_rand_free(rand);
	g_free(d);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(mfi_mdaemon_is_md_name("md50000000123.msg"));
	assert_true(mfi_mdaemon_is_md_name("MD50000000123.MSG"));
	assert_true(mfi_mdaemon_is_md_name("pd75000000001.Msg"));
	assert_false(mfi_mdaemon_is_md_name("md5000000012.msg"));   /* 10 digits */
	assert_false(mfi_mdaemon_is_md_name("mx50000000123.msg"));
	assert_false(mfi_mdaemon_is_md_name("md5000000012a.msg"));
	assert_false(mfi_mdaemon_is_md_name("report.msg"));
	assert_false(mfi_mdaemon_is_md_name(NULL));
	assert_true(mfi_mdaemon_is_msg_name("Outlook item.MSG"));
	assert_false(mfi_mdaemon_is_msg_name(".msg"));
	assert_false(mfi_mdaemon_is_msg_name("msg"));
	assert_false(mfi_mdaemon_is_msg_name("a.msgx"));
	assert_true(mfi_mdaemon_name_is("imap.mrk", MFI_MDAEMON_INDEX_FILE));
	assert_false(mfi_mdaemon_name_is("imap.mrk.bak", MFI_MDAEMON_INDEX_FILE));

	char *s = mfi_mdaemon_folder_segment("Sent.IMAP");
	assert_string_equal(s, "Sent");
	g_free(s);
	s = mfi_mdaemon_folder_segment("Old.Mail.imap"); /* dots inside stay */
	assert_string_equal(s, "Old.Mail");
	g_free(s);
	s = mfi_mdaemon_folder_segment("Entw\xc3\xbcrfe.IMAP");
	assert_string_equal(s, "Entw\xc3\xbcrfe");
	g_free(s);
	s = mfi_mdaemon_folder_segment("Entw\xfcrfe.IMAP"); /* Windows-1252 on disk */
	assert_string_equal(s, "Entw\xc3\xbcrfe");
	g_free(s);
	s = mfi_mdaemon_folder_segment("Bad\x81.IMAP"); /* undefined in 1252: made valid */
	assert_non_null(s);
	assert_true(g_utf8_validate(s, -1, NULL));
	g_free(s);
	assert_null(mfi_mdaemon_folder_segment(".IMAP"));
	assert_null(mfi_mdaemon_folder_segment("IMAP"));
	assert_null(mfi_mdaemon_folder_segment("Sent"));
	assert_null(mfi_mdaemon_folder_segment("Sent.IMAP2"));
	assert_null(mfi_mdaemon_folder_segment(NULL));
}

static void test_classes(void **state)
{
	(void)state;
	assert_int_equal(mfi_mdaemon_class_parse("IPF.Appointment"), MFI_MD_CLASS_CALENDAR);
	assert_int_equal(mfi_mdaemon_class_parse("ipf.contact"), MFI_MD_CLASS_CONTACTS);
	assert_int_equal(mfi_mdaemon_class_parse("IPF.Contact.MOC.QuickContacts"), MFI_MD_CLASS_CONTACTS);
	assert_int_equal(mfi_mdaemon_class_parse("IPF.ContactX"), MFI_MD_CLASS_MAIL);
	assert_int_equal(mfi_mdaemon_class_parse("IPF.Task"), MFI_MD_CLASS_TASKS);
	assert_int_equal(mfi_mdaemon_class_parse("IPF.StickyNote"), MFI_MD_CLASS_NOTES);
	assert_int_equal(mfi_mdaemon_class_parse("IPF.Document"), MFI_MD_CLASS_DOCUMENTS);
	assert_int_equal(mfi_mdaemon_class_parse("IPF.Note"), MFI_MD_CLASS_MAIL);
	assert_int_equal(mfi_mdaemon_class_parse(""), MFI_MD_CLASS_MAIL);
	assert_int_equal(mfi_mdaemon_class_parse(NULL), MFI_MD_CLASS_MAIL);
	assert_int_equal(mfi_mdaemon_class_from_segment("calendar"), MFI_MD_CLASS_CALENDAR);
	assert_int_equal(mfi_mdaemon_class_from_segment("Contacts"), MFI_MD_CLASS_CONTACTS);
	assert_int_equal(mfi_mdaemon_class_from_segment("Tasks"), MFI_MD_CLASS_TASKS);
	assert_int_equal(mfi_mdaemon_class_from_segment("Notes"), MFI_MD_CLASS_NOTES);
	assert_int_equal(mfi_mdaemon_class_from_segment("Documents"), MFI_MD_CLASS_DOCUMENTS);
	assert_int_equal(mfi_mdaemon_class_from_segment("Sent"), MFI_MD_CLASS_MAIL);
	assert_int_equal(mfi_mdaemon_class_kind(MFI_MD_CLASS_CALENDAR), MF_KIND_EVENT);
	assert_int_equal(mfi_mdaemon_class_kind(MFI_MD_CLASS_CONTACTS), MF_KIND_CONTACT);
	assert_int_equal(mfi_mdaemon_class_kind(MFI_MD_CLASS_DOCUMENTS), MF_KIND_MESSAGE);
	assert_string_equal(mfi_mdaemon_class_name(MFI_MD_CLASS_NOTES), "notes");
}

static void test_hiwater(void **state)
{
	(void)state;
	static const char text[] =
		"; written by MDaemon\r\n"
		"[IMAPSubscribed]\r\n"
		"Sent=1\r\n"
		"FolderClass=IPF.Task\r\n"        /* wrong section: not taken */
		"stray line without equals\r\n"
		"[ groupware ]\r\n"
		"  folderclass =  IPF.Appointment  \r\n"
		"FolderClass=IPF.Contact\r\n";    /* first one wins */
	char *v = mfi_mdaemon_ini_get(text, sizeof text - 1, "Groupware", "FolderClass");
	assert_string_equal(v, "IPF.Appointment");
	g_free(v);
	v = mfi_mdaemon_ini_get(text, sizeof text - 1, "IMAPSubscribed", "sent");
	assert_string_equal(v, "1");
	g_free(v);
	assert_null(mfi_mdaemon_ini_get(text, sizeof text - 1, "Groupware", "Missing"));
	assert_null(mfi_mdaemon_ini_get(text, sizeof text - 1, "Nope", "Sent"));
	assert_int_equal(mfi_mdaemon_hiwater_class(text, sizeof text - 1), MFI_MD_CLASS_CALENDAR);
	/* no final newline, LF only, empty value */
	static const char lf[] = "[Groupware]\nFolderClass=";
	v = mfi_mdaemon_ini_get(lf, sizeof lf - 1, "Groupware", "FolderClass");
	assert_string_equal(v, "");
	g_free(v);
	assert_int_equal(mfi_mdaemon_hiwater_class(lf, sizeof lf - 1), MFI_MD_CLASS_MAIL);
	/* a NUL ends the text; length is respected without one */
	static const char nul[] = "[Groupware]\0FolderClass=IPF.Task\n";
	assert_int_equal(mfi_mdaemon_hiwater_class(nul, sizeof nul - 1), MFI_MD_CLASS_MAIL);
	static const char cut[] = "[Groupware]\nFolderClass=IPF.Task";
	assert_int_equal(mfi_mdaemon_hiwater_class(cut, sizeof cut - 1), MFI_MD_CLASS_TASKS);
	assert_int_equal(mfi_mdaemon_hiwater_class(cut, sizeof cut - 2), MFI_MD_CLASS_MAIL); /* "IPF.Tas" */
	assert_null(mfi_mdaemon_ini_get(NULL, 0, "a", "b"));
	assert_int_equal(mfi_mdaemon_hiwater_class("[", 1), MFI_MD_CLASS_MAIL);
	assert_int_equal(mfi_mdaemon_hiwater_class("[Groupware", 10), MFI_MD_CLASS_MAIL);
	/* random bytes never crash */
	GRand *rand = g_rand_new_with_seed(4);
	for (int i = 0; i < 2000; i++) {
		gsize n = g_rand_int_range(rand, 0, 200);
		char *b = g_malloc(n + 1);
		for (gsize j = 0; j < n; j++)
			b[j] = "[]=;\n\r GroupwarFoldClass"[g_rand_int_range(rand, 0, 24)];
		g_free(mfi_mdaemon_ini_get(b, n, "Groupware", "FolderClass"));
		g_free(b);
	}
	g_rand_free(rand);
}

static void write_file(const char *dir, const char *name, const void *data, gsize len)
{
	char *path = g_build_filename(dir, name, NULL);
	assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
	g_free(path);
}

static gboolean has_ignored(GPtrArray *ignored, const char *needle)
{
	for (guint i = 0; i < ignored->len; i++)
		if (strstr(ignored->pdata[i], needle))
			return TRUE;
	return FALSE;
}

/* A folder directory: case-insensitive join, records without file, strays. */
static void test_contents(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("mdaemon-test-XXXXXX", NULL);
	assert_non_null(dir);
	gsize len;
	guint8 *mrk = build(3, &len); /* md50000000000.msg .. 002 */
	write_file(dir, "imap.mrk", mrk, len);
	write_file(dir, "MD50000000000.MSG", "Subject: a\r\n\r\nx\r\n", 17);
	write_file(dir, "md50000000001.msg", "Subject: b\r\n\r\nx\r\n", 17);
	write_file(dir, "md50000000099.msg", "Subject: c\r\n\r\nx\r\n", 17);
	write_file(dir, "Thumbs.db", "x", 1);
	write_file(dir, "HIWATER.MRK", "[Groupware]\r\nFolderClass=IPF.Task\r\n", 35);
	char *sub = g_build_filename(dir, "Sub.IMAP", NULL);
	char *other = g_build_filename(dir, "junk", NULL);
	g_mkdir(sub, 0700);
	g_mkdir(other, 0700);
	GPtrArray *ignored = g_ptr_array_new_with_free_func(g_free);
	mfi_mdaemon_contents c;
	mfi_mdaemon_contents_load(&c, dir, "F.IMAP", "F", ignored);
	assert_int_equal(c.cls, MFI_MD_CLASS_TASKS);
	assert_int_equal(c.files->len, 3);
	const mfi_mdaemon_file *f = &g_array_index(c.files, mfi_mdaemon_file, 0);
	assert_string_equal(f->name, "MD50000000000.MSG");
	assert_non_null(f->record);
	assert_int_equal(f->record->uid, 100);
	assert_int_equal(g_array_index(c.files, mfi_mdaemon_file, 1).record->uid, 101);
	assert_null(g_array_index(c.files, mfi_mdaemon_file, 2).record);
	assert_true(has_ignored(ignored, "F.IMAP/imap.mrk: record md50000000002.msg uid 102: no such file"));
	assert_true(has_ignored(ignored, "F.IMAP/Thumbs.db: unknown file"));
	assert_true(has_ignored(ignored, "F.IMAP/junk: directory"));
	assert_false(has_ignored(ignored, "Sub.IMAP"));
	assert_int_equal(ignored->len, 3);
	mfi_mdaemon_contents_clear(&c);
	/* a folder name gives the class when HIWATER.MRK does not */
	g_ptr_array_set_size(ignored, 0);
	mfi_mdaemon_contents_load(&c, sub, "F.IMAP/Sub.IMAP", "calendar", ignored);
	assert_int_equal(c.cls, MFI_MD_CLASS_CALENDAR);
	assert_int_equal(c.files->len, 0);
	mfi_mdaemon_contents_clear(&c);
	g_ptr_array_unref(ignored);
	g_free(mrk);
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(sub);
	g_free(other);
	g_free(dir);
}

static char *mkdirs(const char *base, const char *rel)
{
	char *path = g_build_filename(base, rel, NULL);
	assert_int_equal(g_mkdir_with_parents(path, 0700), 0);
	return path;
}

/* Layouts (mailbox, domain, Users, MDaemon directory), Maildirs never
 * claimed, folder walk order, symbolic links not followed. */
static void test_layout(void **state)
{
	(void)state;
	char *tmp = g_dir_make_tmp("mdaemon-layout-XXXXXX", NULL);
	char *box = mkdirs(tmp, "MD/Users/b.org/jo");
	g_free(mkdirs(tmp, "MD/Users/a.com/zed/Sent.IMAP/Old.IMAP"));
	g_free(mkdirs(tmp, "MD/Users/a.com/amy/Z.imap"));
	g_free(mkdirs(tmp, "MD/Users/a.com/amy/A.IMAP"));
	g_free(mkdirs(tmp, "MD/App"));
	g_free(mkdirs(tmp, "dom/users/Sent.IMAP/Old.IMAP")); /* a mailbox named "users" */
	g_free(mkdirs(tmp, "dom/bea/Inbox.IMAP"));
	g_free(mkdirs(tmp, "maildir/cur"));
	write_file(box, "md50000000001.msg", "Subject: x\r\n\r\n", 14);
	write_file(tmp, "maildir/IMAP.MRK", "", 0);
	write_file(tmp, "dom/users/Sent.IMAP/Old.IMAP/IMAP.MRK", "", 0);
	char *amy = g_build_filename(tmp, "MD/Users/a.com/amy", NULL);
	char *link = g_build_filename(amy, "Link.IMAP", NULL);
	assert_int_equal(symlink(tmp, link), 0);
	static const struct { const char *rel; mfi_mdaemon_layout layout; int score; } cases[] = {
		{ "MD/Users/b.org/jo", MFI_MD_LAYOUT_MAILBOX, MF_PROBE_SURE },
		{ "MD/Users/a.com/amy", MFI_MD_LAYOUT_MAILBOX, MF_PROBE_LIKELY },
		{ "MD/Users/a.com", MFI_MD_LAYOUT_DOMAIN, MF_PROBE_LIKELY },
		{ "MD/Users", MFI_MD_LAYOUT_SERVER, MF_PROBE_SURE },
		{ "MD", MFI_MD_LAYOUT_ROOT, MF_PROBE_SURE },
		{ "maildir", MFI_MD_LAYOUT_NONE, MF_PROBE_NO },
		{ "MD/App", MFI_MD_LAYOUT_NONE, MF_PROBE_NO },
		{ "dom", MFI_MD_LAYOUT_DOMAIN, MF_PROBE_LIKELY },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = g_build_filename(tmp, cases[i].rel, NULL);
		int score = -1;
		assert_int_equal(mfi_mdaemon_detect_layout(path, &score), cases[i].layout);
		assert_int_equal(score, cases[i].score);
		g_free(path);
	}
	GPtrArray *ignored = g_ptr_array_new_with_free_func(g_free);
	char *users = g_build_filename(tmp, "MD/Users", NULL);
	GPtrArray *boxes = mfi_mdaemon_find_boxes(users, MFI_MD_LAYOUT_SERVER, ignored);
	assert_int_equal(boxes->len, 3);
	const mfi_mdaemon_box *b0 = boxes->pdata[0];
	assert_string_equal(b0->rel, "a.com/amy");
	assert_string_equal(b0->address, "amy@a.com");
	assert_string_equal(((mfi_mdaemon_box *)boxes->pdata[2])->address, "jo@b.org");
	GPtrArray *folders = mfi_mdaemon_find_folders(users, b0, ignored);
	assert_int_equal(folders->len, 3); /* inbox, A, Z; not Link */
	assert_string_equal(((mfi_mdaemon_folder *)folders->pdata[0])->rel, "a.com/amy");
	assert_null(((mfi_mdaemon_folder *)folders->pdata[0])->segments[0]);
	assert_string_equal(((mfi_mdaemon_folder *)folders->pdata[1])->segments[0], "A");
	assert_string_equal(((mfi_mdaemon_folder *)folders->pdata[2])->rel, "a.com/amy/Z.imap");
	g_ptr_array_unref(folders);
	folders = mfi_mdaemon_find_folders(users, boxes->pdata[1], ignored);
	assert_int_equal(folders->len, 3);
	char **old = ((mfi_mdaemon_folder *)folders->pdata[2])->segments;
	assert_string_equal(old[0], "Sent");
	assert_string_equal(old[1], "Old");
	assert_null(old[2]);
	g_ptr_array_unref(folders);
	g_ptr_array_unref(boxes);
	assert_int_equal(ignored->len, 0);
	g_ptr_array_unref(ignored);
	char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(users);
	g_free(link);
	g_free(amy);
	g_free(box);
	g_free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_hiwater),
		cmocka_unit_test(test_contents),
		cmocka_unit_test(test_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
