/* MDaemon IMAP.MRK parser (formats/mdaemon/mdaemon-mrk.c): every flag,
 * truncated and hostile bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
