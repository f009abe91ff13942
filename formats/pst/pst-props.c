/* Property access on a libpff item: record set 0 holds the item's own
 * properties. Strings come out as UTF-8 whatever they were stored as: PT_UNICODE
 * is UTF-16LE, PT_STRING8 is in the item's code page ([MS-OXCMSG] 2.2.1.4
 * PidTagMessageCodepage). Named properties are found through libpff's
 * name-to-id map: numeric ones (PidLid*) by their LID, string ones by name. */
#include "pst.h"

#include <string.h>

char *mfi_pst_error_text(libpff_error_t **error)
{
	if (!error || !*error)
		return g_strdup("unknown libpff error");
	char buf[4096];
	int n = libpff_error_backtrace_sprint(*error, buf, sizeof buf);
	libpff_error_free(error);
	if (n <= 0)
		return g_strdup("unknown libpff error");
	char *text = g_strstrip(g_strdup(buf));
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return text;
}

gint64 mfi_pst_filetime_to_unix(guint64 filetime)
{
	/* 100 ns intervals since 1601-01-01; 11644473600 s between the epochs. */
	if (filetime == 0)
		return 0;
	return (gint64)(filetime / 10000000u) - G_GINT64_CONSTANT(11644473600);
}

static const char *iconv_name(int codepage, char *buf, gsize len)
{
	switch (codepage) {
	case 65001: return "UTF-8";
	case 20127: return "ASCII";
	case 1200: return "UTF-16LE";
	case 20866: return "KOI8-R";
	case 21866: return "KOI8-U";
	case 50220: case 50221: case 50222: return "ISO-2022-JP";
	case 51932: return "EUC-JP";
	case 51936: return "GB2312";
	case 51949: return "EUC-KR";
	case 54936: return "GB18030";
	case 52936: return "HZ-GB-2312";
	}
	if (codepage >= 28591 && codepage <= 28605)
		g_snprintf(buf, len, "ISO-8859-%d", codepage - 28590);
	else
		g_snprintf(buf, len, "CP%d", codepage > 0 ? codepage : 1252);
	return buf;
}

char *mfi_pst_cp_to_utf8(const guint8 *data, gsize len, int codepage)
{
	while (len > 0 && data[len - 1] == 0)
		len--;
	char name[32];
	char *out = g_convert((const char *)data, (gssize)len, "UTF-8",
	                      iconv_name(codepage, name, sizeof name), NULL, NULL, NULL);
	if (out)
		return out;
	if (g_utf8_validate((const char *)data, (gssize)len, NULL))
		return g_strndup((const char *)data, len);
	/* Bytes the code page does not define: keep what is valid. */
	return g_utf8_make_valid((const char *)data, (gssize)len);
}

static char *utf16le_to_utf8(const guint8 *data, gsize len)
{
	gsize n = len / 2;
	gunichar2 *units = g_new(gunichar2, n + 1);
	for (gsize i = 0; i < n; i++)
		units[i] = (gunichar2)(data[2 * i] | (data[2 * i + 1] << 8));
	while (n > 0 && units[n - 1] == 0)
		n--;
	char *out = g_utf16_to_utf8(units, (glong)n, NULL, NULL, NULL);
	if (!out) {
		/* Lone surrogates: replace each with U+FFFD. */
		GString *s = g_string_sized_new(n);
		for (gsize i = 0; i < n; i++) {
			gunichar c = units[i];
			if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && units[i + 1] >= 0xdc00 &&
			    units[i + 1] <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (units[i + 1] - 0xdc00);
				i++;
			} else if (c >= 0xd800 && c <= 0xdfff) {
				c = 0xfffd;
			}
			g_string_append_unichar(s, c);
		}
		out = g_string_free(s, FALSE);
	}
	g_free(units);
	return out;
}

int mfi_pst_item_codepage(libpff_item_t *item, int fallback)
{
	gint64 cp = 0;
	if (mfi_pst_get_int(item, MFI_PR_MESSAGE_CODEPAGE, &cp) == 1 && cp > 0)
		return (int)cp;
	if (mfi_pst_get_int(item, MFI_PR_INTERNET_CPID, &cp) == 1 && cp > 0)
		return (int)cp;
	return fallback;
}

/* The record entry for `tag` (or string `name`), borrowed from the item. */
static int find_entry_in(libpff_item_t *item, int set_index, guint32 tag, const char *name,
                         libpff_record_entry_t **entry_r)
{
	libpff_record_set_t *set = NULL;
	libpff_error_t *err = NULL;
	*entry_r = NULL;
	int n = 0;
	if (libpff_item_get_number_of_record_sets(item, &n, &err) != 1 || n <= set_index ||
	    libpff_item_get_record_set_by_index(item, set_index, &set, &err) != 1) {
		libpff_error_free(&err);
		return -1;
	}
	int r = name ? libpff_record_set_get_entry_by_utf8_name(
	                   set, (const uint8_t *)name, strlen(name), 0, entry_r,
	                   LIBPFF_ENTRY_VALUE_FLAG_MATCH_ANY_VALUE_TYPE, &err)
	             : libpff_record_set_get_entry_by_type(
	                   set, tag, 0, entry_r, LIBPFF_ENTRY_VALUE_FLAG_MATCH_ANY_VALUE_TYPE, &err);
	libpff_error_free(&err);
	libpff_record_set_free(&set, NULL);
	return r;
}

static int find_entry(libpff_item_t *item, guint32 tag, const char *name,
                      libpff_record_entry_t **entry_r)
{
	return find_entry_in(item, 0, tag, name, entry_r);
}

GBytes *mfi_pst_entry_data(libpff_record_entry_t *entry)
{
	libpff_error_t *err = NULL;
	size_t size = 0;
	if (libpff_record_entry_get_data_size(entry, &size, &err) != 1) {
		libpff_error_free(&err);
		return NULL;
	}
	guint8 *buf = g_malloc(size ? size : 1);
	if (size && libpff_record_entry_get_data(entry, buf, size, &err) != 1) {
		libpff_error_free(&err);
		g_free(buf);
		return NULL;
	}
	return g_bytes_new_take(buf, size);
}

/* The value bytes when there are any. */
static GBytes *entry_nonempty_data(libpff_record_entry_t *entry)
{
	GBytes *b = mfi_pst_entry_data(entry);
	if (b && g_bytes_get_size(b) == 0) {
		g_bytes_unref(b);
		return NULL;
	}
	return b;
}

guint32 mfi_pst_entry_type(libpff_record_entry_t *entry)
{
	uint32_t type = 0;
	libpff_error_t *err = NULL;
	if (libpff_record_entry_get_value_type(entry, &type, &err) != 1)
		libpff_error_free(&err);
	return type;
}

char *mfi_pst_entry_string(libpff_record_entry_t *entry, int codepage)
{
	guint32 type = mfi_pst_entry_type(entry);
	if (type != LIBPFF_VALUE_TYPE_STRING_UNICODE && type != LIBPFF_VALUE_TYPE_STRING_ASCII)
		return NULL;
	GBytes *b = entry_nonempty_data(entry);
	if (!b)
		return NULL;
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(b, &len);
	char *s = type == LIBPFF_VALUE_TYPE_STRING_UNICODE ? utf16le_to_utf8(d, len)
	                                                   : mfi_pst_cp_to_utf8(d, len, codepage);
	g_bytes_unref(b);
	return s;
}

int mfi_pst_entry_int(libpff_record_entry_t *entry, gint64 *value_r)
{
	GBytes *b = entry_nonempty_data(entry);
	if (!b)
		return -1;
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(b, &len);
	guint64 v = 0;
	for (gsize i = 0; i < len && i < 8; i++)
		v |= (guint64)d[i] << (8 * i);
	g_bytes_unref(b);
	/* booleans by their first byte; the 16- and 32-bit forms sign-extended */
	if (mfi_pst_entry_type(entry) == LIBPFF_VALUE_TYPE_BOOLEAN)
		*value_r = (v & 0xff) != 0;
	else if (len == 2)
		*value_r = (gint16)v;
	else if (len == 4)
		*value_r = (gint32)v;
	else
		*value_r = (gint64)v;
	return 1;
}

int mfi_pst_entry_time(libpff_record_entry_t *entry, gint64 *unix_r)
{
	GBytes *b = mfi_pst_entry_type(entry) == LIBPFF_VALUE_TYPE_FILETIME
	                    ? mfi_pst_entry_data(entry) : NULL;
	if (!b || g_bytes_get_size(b) != 8) {
		if (b)
			g_bytes_unref(b);
		return -1;
	}
	const guint8 *d = g_bytes_get_data(b, NULL);
	guint64 ft = 0;
	for (int i = 0; i < 8; i++)
		ft |= (guint64)d[i] << (8 * i);
	g_bytes_unref(b);
	/* 0x0CB34557A3DD4000 (4501-01-01) is Outlook's "none" date */
	if (ft == 0 || ft >= G_GUINT64_CONSTANT(0x0CB34557A3DD4000))
		return 0;
	*unix_r = mfi_pst_filetime_to_unix(ft);
	return *unix_r != 0 ? 1 : 0;
}

char *mfi_pst_get_string(libpff_item_t *item, guint32 tag, int codepage)
{
	return mfi_pst_get_string_in(item, 0, tag, codepage);
}

char *mfi_pst_get_subject(libpff_item_t *item, int codepage)
{
	char *s = mfi_pst_get_string(item, MFI_PR_SUBJECT, codepage);
	/* "\x01" and the prefix length some stores put in front ([MS-OXCMSG] 2.2.1.46) */
	if (s && s[0] == 0x01 && s[1] != '\0')
		memmove(s, s + 2, strlen(s + 2) + 1);
	return s;
}

char *mfi_pst_get_string_in(libpff_item_t *item, int set, guint32 tag, int codepage)
{
	libpff_record_entry_t *entry = NULL;
	if (find_entry_in(item, set, tag, NULL, &entry) != 1)
		return NULL;
	char *s = mfi_pst_entry_string(entry, codepage);
	libpff_record_entry_free(&entry, NULL);
	return s;
}

char *mfi_pst_get_named_string(libpff_item_t *item, const char *name, int codepage)
{
	libpff_record_entry_t *entry = NULL;
	if (find_entry(item, 0, name, &entry) != 1)
		return NULL;
	char *s = mfi_pst_entry_string(entry, codepage);
	libpff_record_entry_free(&entry, NULL);
	return s;
}

static char *multi_value_string(libpff_multi_value_t *mv, int i)
{
	libpff_error_t *err = NULL;
	size_t size = 0;
	if (libpff_multi_value_get_value_utf8_string_size(mv, i, &size, &err) != 1 || size == 0) {
		libpff_error_free(&err);
		return NULL;
	}
	char *s = g_malloc(size + 1);
	if (libpff_multi_value_get_value_utf8_string(mv, i, (uint8_t *)s, size, &err) != 1) {
		libpff_error_free(&err);
		g_free(s);
		return NULL;
	}
	s[size] = '\0';
	return s;
}

char **mfi_pst_get_strings(libpff_item_t *item, const char *name, guint32 tag, int codepage)
{
	libpff_record_entry_t *entry = NULL;
	if (find_entry(item, tag, name, &entry) != 1)
		return NULL;
	guint32 type = mfi_pst_entry_type(entry);
	GPtrArray *out = g_ptr_array_new();
	if (type == LIBPFF_VALUE_TYPE_STRING_UNICODE || type == LIBPFF_VALUE_TYPE_STRING_ASCII) {
		char *s = mfi_pst_entry_string(entry, codepage);
		if (s)
			g_ptr_array_add(out, s);
	} else if (type == LIBPFF_VALUE_TYPE_MULTI_VALUE_STRING_UNICODE ||
	           type == LIBPFF_VALUE_TYPE_MULTI_VALUE_STRING_ASCII) {
		libpff_multi_value_t *mv = NULL;
		libpff_error_t *err = NULL;
		int n = 0;
		if (libpff_record_entry_get_multi_value(entry, &mv, &err) == 1 &&
		    libpff_multi_value_get_number_of_values(mv, &n, &err) == 1) {
			for (int i = 0; i < n; i++) {
				char *s = multi_value_string(mv, i);
				if (s && !g_utf8_validate(s, -1, NULL)) {
					char *v = g_utf8_make_valid(s, -1);
					g_free(s);
					s = v;
				}
				if (s)
					g_ptr_array_add(out, s);
			}
		}
		libpff_error_free(&err);
		libpff_multi_value_free(&mv, NULL);
	}
	libpff_record_entry_free(&entry, NULL);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

int mfi_pst_get_int(libpff_item_t *item, guint32 tag, gint64 *value_r)
{
	return mfi_pst_get_int_in(item, 0, tag, value_r);
}

int mfi_pst_get_int_in(libpff_item_t *item, int set, guint32 tag, gint64 *value_r)
{
	libpff_record_entry_t *entry = NULL;
	int r = find_entry_in(item, set, tag, NULL, &entry);
	if (r != 1)
		return r;
	r = mfi_pst_entry_int(entry, value_r);
	libpff_record_entry_free(&entry, NULL);
	return r;
}

int mfi_pst_get_time(libpff_item_t *item, guint32 tag, gint64 *unix_r)
{
	libpff_record_entry_t *entry = NULL;
	int r = find_entry(item, tag, NULL, &entry);
	if (r != 1)
		return r;
	r = mfi_pst_entry_time(entry, unix_r);
	libpff_record_entry_free(&entry, NULL);
	return r;
}

int mfi_pst_get_binary(libpff_item_t *item, guint32 tag, GBytes **bytes_r)
{
	libpff_record_entry_t *entry = NULL;
	int r = find_entry(item, tag, NULL, &entry);
	if (r != 1)
		return r;
	*bytes_r = entry_nonempty_data(entry);
	libpff_record_entry_free(&entry, NULL);
	return *bytes_r ? 1 : 0;
}
