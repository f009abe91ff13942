/* Calendar items, tasks, notes, contacts and distribution lists of the corpus
 * PSTs/OSTs -> iCalendar / vCard. Every such item must convert; every VCALENDAR
 * must pass libical's restriction check, survive a libical round trip and
 * parse with python3-icalendar; every vCard must parse with python3-vobject;
 * two conversions give the same bytes. Meeting requests' VCALENDARs too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-python.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "../formats/pst/pst-items.h"
#include "../formats/vcf/vcf.h"

static const char *const corpus_files[] = {
	"pst/aspose_Outlook.pst",
	"pst/aspose_Outlook_1.pst",
	"pst/aspose_py_test.pst",
	"pst/aspose_SampleContacts.pst",
	"pst/gopst_32-bit.pst",
	"ost/aspose_SampleOstFile.ost",
	"ost/pstextractortest@outlook.com.ost",
};

typedef struct {
	mfi_pst_file pf;
	char *outdir;
	guint counts[MF_KIND_COUNT];
	guint meetings, recurring, overrides, exdates, tzs, attendees, failures;
	GString *ics_list; /* file names for the Python check */
	GString *vcf_list;
} walk_ctx;

static char *corpus_path(const char *rel)
{
	const char *dir = g_getenv("MF_CORPUS");
	return g_build_filename(dir ? dir : "../shared/corpus", rel, NULL);
}

static char *message_class(libpff_item_t *item)
{
	return mfi_pst_get_string(item, MFI_PR_MESSAGE_CLASS, 1252);
}

static guint count_props(icalcomponent *cal, icalcomponent_kind ck, icalproperty_kind pk)
{
	guint n = 0;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ck); c;
	     c = icalcomponent_get_next_component(cal, ck))
		n += icalcomponent_count_properties(c, pk);
	return n;
}

static void check_vcalendar(walk_ctx *w, icalcomponent *cal, const char *where)
{
	char *text = icalcomponent_as_ical_string_r(cal);
	icalcomponent *copy = icalparser_parse_string(text);
	if (!copy || !icalrestriction_check(copy)) {
		char *after = copy ? icalcomponent_as_ical_string_r(copy) : g_strdup("(unparseable)");
		print_error("%s: libical restriction check failed:\n%s\n", where, after);
		g_free(after);
		w->failures++;
	}
	if (copy)
		icalcomponent_free(copy);
	static guint seq = 0;
	char *file = g_strdup_printf("%s/%05u.ics", w->outdir, ++seq);
	g_file_set_contents(file, text, -1, NULL);
	g_string_append_printf(w->ics_list, "%s\n", file);
	g_free(file);
	g_free(text);
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	if (ev && icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY))
		w->recurring++;
	w->overrides += count_props(cal, ICAL_VEVENT_COMPONENT, ICAL_RECURRENCEID_PROPERTY);
	w->exdates += count_props(cal, ICAL_VEVENT_COMPONENT, ICAL_EXDATE_PROPERTY);
	w->attendees += count_props(cal, ICAL_VEVENT_COMPONENT, ICAL_ATTENDEE_PROPERTY);
	w->tzs += icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT);
}

static char *item_text(mf_item *it)
{
	return it->ical ? icalcomponent_as_ical_string_r(it->ical) : g_strdup(it->vcard);
}

static void convert_one(walk_ctx *w, libpff_item_t *item, uint32_t id)
{
	char *cls = message_class(item);
	mf_kind kind = mfi_pst_class_kind(cls);
	char *locator = g_strdup_printf("node %u", id);
	char *where = g_strdup_printf("%s %s (%s)", w->pf.path, locator, cls ? cls : "?");
	if (kind == MF_KIND_MESSAGE) {
		if (cls && g_str_has_prefix(cls, "IPM.Schedule.Meeting")) {
			GError *err = NULL;
			icalcomponent *cal = mfi_pst_build_vcalendar(&w->pf, item, locator, NULL, &err);
			if (!cal)
				fail_msg("%s: %s", where, err->message);
			/* as a text/calendar part: with its iTIP METHOD, whose rules libical checks */
			icalcomponent_add_property(cal, icalproperty_new_method(
				icalenum_string_to_method(mfi_pst_itip_method(cls))));
			check_vcalendar(w, cal, where);
			icalcomponent_free(cal);
			w->meetings++;
		}
		goto out;
	}
	GError *err = NULL;
	mf_item *it = mfi_pst_item_convert(&w->pf, item, kind, locator, &err);
	if (!it)
		fail_msg("%s: %s", where, err->message);
	assert_int_equal(it->kind, kind);
	w->counts[kind]++;
	mf_item *again = mfi_pst_item_convert(&w->pf, item, kind, locator, NULL);
	char *a = item_text(it), *b = item_text(again);
	assert_string_equal(a, b); /* deterministic */
	g_free(a);
	g_free(b);
	mf_item_free(again);
	if (it->ical) {
		check_vcalendar(w, it->ical, where);
	} else {
		static guint seq = 0;
		char *file = g_strdup_printf("%s/%05u.vcf", w->outdir, ++seq);
		g_file_set_contents(file, it->vcard, -1, NULL);
		g_string_append_printf(w->vcf_list, "%s\n", file);
		g_free(file);
	}
	mf_item_free(it);
out:
	g_free(where);
	g_free(locator);
	g_free(cls);
}

static void walk(walk_ctx *w, libpff_item_t *folder)
{
	int n = 0;
	if (libpff_folder_get_number_of_sub_messages(folder, &n, NULL) == 1)
		for (int i = 0; i < n; i++) {
			libpff_item_t *m = NULL;
			uint32_t id = 0;
			if (libpff_folder_get_sub_message(folder, i, &m, NULL) != 1)
				continue;
			libpff_item_get_identifier(m, &id, NULL);
			convert_one(w, m, id);
			libpff_item_free(&m, NULL);
		}
	if (libpff_folder_get_number_of_sub_folders(folder, &n, NULL) == 1)
		for (int i = 0; i < n; i++) {
			libpff_item_t *f = NULL;
			if (libpff_folder_get_sub_folder(folder, i, &f, NULL) != 1)
				continue;
			walk(w, f);
			libpff_item_free(&f, NULL);
		}
}

static char *check_script(void)
{
	const char *td = g_getenv("MF_TESTDATA");
	return g_build_filename(td ? td : "testdata", "..", "tests", "e2e", "pstcal_check.py", NULL);
}

/* readpst -e of one corpus file into outdir/readpst-N (its .ics files are
 * compared with ours); NULL when readpst is not there. */
static char *run_readpst(walk_ctx *w, const char *path, guint n)
{
	if (!g_file_test("/usr/bin/readpst", G_FILE_TEST_IS_EXECUTABLE))
		return NULL;
	char *dir = g_strdup_printf("%s/readpst-%u", w->outdir, n);
	g_mkdir(dir, 0700);
	char *argv[] = { "/usr/bin/readpst", "-e", "-q", "-o", dir, (char *)path, NULL };
	int status = 0;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
	                  NULL, NULL, NULL, NULL, &status, NULL)) {
		g_free(dir);
		return NULL;
	}
	return dir;
}

static void python_checks(walk_ctx *w, GPtrArray *readpst_dirs)
{
	char *ics = g_build_filename(w->outdir, "ics.list", NULL);
	char *vcf = g_build_filename(w->outdir, "vcf.list", NULL);
	char *script = check_script();
	g_file_set_contents(ics, w->ics_list->str, -1, NULL);
	g_file_set_contents(vcf, w->vcf_list->str, -1, NULL);
	GPtrArray *args = g_ptr_array_new();
	g_ptr_array_add(args, script);
	g_ptr_array_add(args, ics);
	g_ptr_array_add(args, vcf);
	for (guint i = 0; i < readpst_dirs->len; i++)
		g_ptr_array_add(args, readpst_dirs->pdata[i]);
	g_ptr_array_add(args, NULL);
	char *out = mf_test_python((const char *const *)args->pdata,
	                           "python3-icalendar/vobject/readpst check");
	print_message("%s", out ? out : "");
	g_ptr_array_unref(args);
	g_free(out);
	g_free(ics);
	g_free(vcf);
	g_free(script);
}

static void rm_rf(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(path, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			rm_rf(p);
		else
			g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(path);
}

static void test_corpus_items(void **state)
{
	(void)state;
	walk_ctx w = { 0 };
	w.outdir = g_dir_make_tmp("mf-pstitems-XXXXXX", NULL);
	w.ics_list = g_string_new(NULL);
	w.vcf_list = g_string_new(NULL);
	GPtrArray *readpst_dirs = g_ptr_array_new_with_free_func(g_free);
	for (gsize i = 0; i < G_N_ELEMENTS(corpus_files); i++) {
		char *path = corpus_path(corpus_files[i]);
		libpff_file_t *file = NULL;
		libpff_item_t *root = NULL;
		libpff_file_initialize(&file, NULL);
		if (libpff_file_open(file, path, LIBPFF_OPEN_READ, NULL) != 1)
			fail_msg("cannot open %s", path);
		w.pf.file = file;
		w.pf.path = path;
		w.pf.ascii_codepage = 1252;
		g_strlcpy(w.pf.id_hash, "0123456789abcdef", sizeof w.pf.id_hash);
		if (libpff_file_get_root_folder(file, &root, NULL) == 1) {
			walk(&w, root);
			libpff_item_free(&root, NULL);
		}
		libpff_file_close(file, NULL);
		libpff_file_free(&file, NULL);
		char *rp = run_readpst(&w, path, (guint)i);
		if (rp)
			g_ptr_array_add(readpst_dirs, rp);
		g_free(path);
	}
	print_message("converted: %u events, %u tasks, %u notes, %u contacts, %u lists; "
	              "%u meeting messages; %u series, %u overrides, %u EXDATEs, %u VTIMEZONEs, "
	              "%u ATTENDEEs\n",
	              w.counts[MF_KIND_EVENT], w.counts[MF_KIND_TASK], w.counts[MF_KIND_NOTE],
	              w.counts[MF_KIND_CONTACT], w.counts[MF_KIND_DISTLIST], w.meetings, w.recurring,
	              w.overrides, w.exdates, w.tzs, w.attendees);
	assert_int_equal(w.failures, 0);
	assert_true(w.counts[MF_KIND_EVENT] >= 170);
	assert_true(w.counts[MF_KIND_CONTACT] >= 9);
	assert_true(w.recurring >= 10);
	python_checks(&w, readpst_dirs);
	g_ptr_array_unref(readpst_dirs);
	g_string_free(w.ics_list, TRUE);
	g_string_free(w.vcf_list, TRUE);
	/* MF_PST_ITEMS_KEEP=1 keeps the files for a look */
	if (g_getenv("MF_PST_ITEMS_KEEP"))
		print_message("kept %s\n", w.outdir);
	else
		rm_rf(w.outdir);
	g_free(w.outdir);
}

static void test_classes(void **state)
{
	(void)state;
	/* the item kinds by class: test_pst.c's test_class_kind */
	assert_string_equal(mfi_pst_itip_method("IPM.Schedule.Meeting.Request"), "REQUEST");
	assert_string_equal(mfi_pst_itip_method("IPM.Schedule.Meeting.Resp.Tent"), "REPLY");
	assert_string_equal(mfi_pst_itip_method("IPM.Schedule.Meeting.Canceled"), "CANCEL");
	assert_string_equal(mfi_pst_itip_method("IPM.Appointment"), "PUBLISH");
	assert_string_equal(mfi_pst_itip_method("IPM.Schedule.Meeting.Notification.Forward"),
	                    "PUBLISH");
	assert_string_equal(mfi_pst_itip_method(NULL), "PUBLISH");
}

/* [MS-ASEMAIL] 4.3 examples of GlobalObjId -> UID. */
static void test_goid_uid(void **state)
{
	(void)state;
	const char *b64_outlook =
		"BAAAAIIA4AB0xbcQGoLgCAfUCRDgQMnBJoXEAQAAAAAAAAAAEAAAAAvw7UtuTulOnjnjhns3jvM=";
	const char *b64_vcal = "BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAMwAAAHZDYWwtVWlkAQAAAH"
	                       "s4MTQxMkQzQy0yQTI0LTRFOUQtQjIwRS0xMUY3QkJFOTI3OTl9AA==";
	gsize len = 0;
	guchar *d = g_base64_decode(b64_outlook, &len);
	char *uid = mfi_pst_goid_to_uid(d, len);
	assert_string_equal(uid, "040000008200E00074C5B7101A82E00800000000E040C9C12685C4010000000000"
	                         "000000100000000BF0ED4B6E4EE94E9E39E3867B378EF3");
	g_free(uid);
	g_free(d);
	d = g_base64_decode(b64_vcal, &len);
	uid = mfi_pst_goid_to_uid(d, len);
	assert_string_equal(uid, "{81412D3C-2A24-4E9D-B20E-11F7BBE92799}");
	g_free(uid);
	assert_null(mfi_pst_goid_to_uid(d, 20));
	g_free(d);
}

static GByteArray *one_off(gboolean unicode, const char *const strs[3])
{
	static const guint8 head[24] = { 0, 0, 0, 0, 0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19,
		                             0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02, 0, 0, 0, 0 };
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, head, sizeof head);
	if (unicode) {
		a->data[23] = 0x80 | 0x01; /* MAPI_UNICODE | no rich info */
		a->data[22] = 0x00;
	}
	for (int i = 0; i < 3; i++) {
		if (unicode) {
			glong n = 0;
			gunichar2 *u = g_utf8_to_utf16(strs[i], -1, NULL, &n, NULL);
			g_byte_array_append(a, (const guint8 *)u, (guint)((n + 1) * 2)); /* LE host */
			g_free(u);
		} else {
			g_byte_array_append(a, (const guint8 *)strs[i], (guint)strlen(strs[i]) + 1);
		}
	}
	return a;
}

/* Distribution list members: one-off EntryIDs ([MS-OXCDATA] 2.2.5.1). */
static void test_one_off(void **state)
{
	(void)state;
	const char *const uni[3] = { "J\xc3\xb6rg M\xc3\xbcller", "SMTP", "joerg@example.com" };
	const char *const ansi[3] = { "Ann Lee", "SMTP", "ann@example.org" };
	char *name = NULL, *type = NULL, *addr = NULL;
	GByteArray *a = one_off(TRUE, uni);
	assert_true(mfi_pst_parse_one_off(a->data, a->len, &name, &type, &addr));
	assert_string_equal(name, uni[0]);
	assert_string_equal(type, "SMTP");
	assert_string_equal(addr, "joerg@example.com");
	g_free(name);
	g_free(type);
	g_free(addr);
	/* truncated: never reads past the end */
	assert_true(mfi_pst_parse_one_off(a->data, a->len - 7, &name, &type, &addr));
	assert_string_equal(addr, "joerg@example."); /* half a character dropped */
	g_free(name);
	g_free(type);
	g_free(addr);
	a->data[4] = 0;
	assert_false(mfi_pst_parse_one_off(a->data, a->len, &name, &type, &addr));
	g_byte_array_unref(a);
	a = one_off(FALSE, ansi);
	assert_true(mfi_pst_parse_one_off(a->data, a->len, &name, &type, &addr));
	assert_string_equal(name, "Ann Lee");
	assert_string_equal(addr, "ann@example.org");
	g_free(name);
	g_free(type);
	g_free(addr);
	g_byte_array_unref(a);
}

/* The group card pst-contact.c writes survives the vcf writer's 3.0
 * normalisation and reads back as a distribution list. */
static void test_distlist_card(void **state)
{
	(void)state;
	const char *card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Team;;;;\r\nFN:Team\r\n"
	                   "X-ADDRESSBOOKSERVER-KIND:group\r\n"
	                   "X-ADDRESSBOOKSERVER-MEMBER;X-CN=\"Ann Lee\":mailto:ann@example.org\r\n"
	                   "UID:node-1-0123456789abcdef@pst.mailferry\r\nEND:VCARD\r\n";
	assert_int_equal(mfi_vcf_card_kind(card), MF_KIND_DISTLIST);
	char *v3 = mfi_vcf_card_to_v3(card);
	assert_non_null(strstr(v3, "X-ADDRESSBOOKSERVER-MEMBER;X-CN=\"Ann Lee\":mailto:ann@example.org"));
	assert_non_null(strstr(v3, "X-ADDRESSBOOKSERVER-KIND:group"));
	g_free(v3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_goid_uid),
		cmocka_unit_test(test_one_off),
		cmocka_unit_test(test_distlist_card),
		cmocka_unit_test(test_corpus_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
