/* Pure string helpers of the Maildir driver: the info part of file names
 * (flags and keyword letters), dovecot-keywords files and IMAP modified UTF-7
 * folder names. No I/O here, so every helper is unit-tested directly.
 *
 * Modified UTF-7 (RFC 3501 5.1.3): printable ASCII stands for itself except
 * '&', written "&-"; any other run of characters is UTF-16BE in base64 with
 * ',' instead of '/', no '=' padding, between '&' and '-'. GLib does the
 * UTF-16 conversion and the base64; only the framing is done here.
 */
#include "maildir.h"
#include "mailferry/item.h"

#include <string.h>

static const struct {
	char letter;
	guint flag;
} flag_letters[] = {
	{ 'D', MF_FLAG_DRAFT },    { 'F', MF_FLAG_FLAGGED }, { 'P', MF_FLAG_FORWARDED },
	{ 'R', MF_FLAG_ANSWERED }, { 'S', MF_FLAG_SEEN },    { 'T', MF_FLAG_DELETED },
};

static const char *info_start(const char *filename)
{
	const char *colon = strrchr(filename, ':');
	const char *bang = strrchr(filename, '!');
	const char *sep = colon > bang ? colon : bang;
	if (!sep || sep[1] != '2' || sep[2] != ',')
		return NULL;
	return sep + 3;
}

static void info_add_letter(mfi_maildir_info *info, char c)
{
	for (gsize i = 0; i < G_N_ELEMENTS(flag_letters); i++) {
		if (flag_letters[i].letter == c) {
			info->flags |= flag_letters[i].flag;
			return;
		}
	}
	gsize len;
	if (c >= 'a' && c <= 'z') {
		len = strlen(info->keywords);
		if (!strchr(info->keywords, c) && len < MFI_MAILDIR_MAX_KEYWORDS)
			info->keywords[len] = c;
		return;
	}
	len = strlen(info->unknown);
	if (len + 1 < sizeof info->unknown)
		info->unknown[len] = c;
}

void mfi_maildir_info_parse(const char *filename, mfi_maildir_info *info_r)
{
	memset(info_r, 0, sizeof *info_r);
	const char *p = info_start(filename);
	if (!p)
		return;
	info_r->has_info = TRUE;
	for (; *p; p++)
		info_add_letter(info_r, *p);
}

char *mfi_maildir_flags_format(guint flags, const char *keyword_letters)
{
	gboolean used[128] = { FALSE };
	for (gsize i = 0; i < G_N_ELEMENTS(flag_letters); i++)
		if (flags & flag_letters[i].flag)
			used[(int)flag_letters[i].letter] = TRUE;
	for (const char *k = keyword_letters; k && *k; k++)
		if (*k >= 'a' && *k <= 'z')
			used[(int)*k] = TRUE;
	GString *out = g_string_new("");
	for (int c = 0; c < 128; c++)
		if (used[c])
			g_string_append_c(out, (char)c);
	return g_string_free(out, FALSE);
}

/* ---- dovecot-keywords ---- */

static gboolean keywords_line(const char *line, mfi_maildir_keywords *kw)
{
	const char *space = strchr(line, ' ');
	if (!space || space == line || space[1] == '\0')
		return FALSE;
	guint64 index = 0;
	for (const char *p = line; p < space; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
		index = index * 10 + (guint64)(*p - '0');
		if (index >= MFI_MAILDIR_MAX_KEYWORDS)
			return FALSE;
	}
	g_free(kw->names[index]);
	kw->names[index] = g_utf8_make_valid(space + 1, -1);
	return TRUE;
}

void mfi_maildir_keywords_parse(const char *text, gsize len, mfi_maildir_keywords *kw,
                                GArray *bad_lines)
{
	char *copy = g_strndup(text, len);
	char **lines = g_strsplit(copy, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		char *line = lines[i];
		gsize l = strlen(line);
		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		if (l == 0)
			continue;
		if (!keywords_line(line, kw) && bad_lines) {
			guint number = i + 1;
			g_array_append_val(bad_lines, number);
		}
	}
	g_strfreev(lines);
	g_free(copy);
}

void mfi_maildir_keywords_clear(mfi_maildir_keywords *kw)
{
	for (guint i = 0; i < MFI_MAILDIR_MAX_KEYWORDS; i++)
		g_clear_pointer(&kw->names[i], g_free);
}

char *mfi_maildir_keywords_format(const char *const *names, guint n)
{
	GString *out = g_string_new("");
	for (guint i = 0; i < n && i < MFI_MAILDIR_MAX_KEYWORDS; i++)
		g_string_append_printf(out, "%u %s\n", i, names[i]);
	return g_string_free(out, FALSE);
}

/* ---- IMAP modified UTF-7 ---- */

static gboolean is_direct(gunichar c) { return c >= 0x20 && c <= 0x7e; }

static void utf7_flush(GString *out, GByteArray *utf16be)
{
	if (utf16be->len == 0)
		return;
	char *b64 = g_base64_encode(utf16be->data, utf16be->len);
	g_string_append_c(out, '&');
	for (char *p = b64; *p && *p != '='; p++)
		g_string_append_c(out, *p == '/' ? ',' : *p);
	g_string_append_c(out, '-');
	g_free(b64);
	g_byte_array_set_size(utf16be, 0);
}

static void utf7_push(GByteArray *utf16be, gunichar c)
{
	gunichar2 units[2];
	int n = 1;
	if (c >= 0x10000) {
		c -= 0x10000;
		units[0] = (gunichar2)(0xd800 + (c >> 10));
		units[1] = (gunichar2)(0xdc00 + (c & 0x3ff));
		n = 2;
	} else {
		units[0] = (gunichar2)c;
	}
	for (int i = 0; i < n; i++) {
		guint8 be[2] = { (guint8)(units[i] >> 8), (guint8)(units[i] & 0xff) };
		g_byte_array_append(utf16be, be, 2);
	}
}

char *mfi_imap_utf7_encode(const char *utf8)
{
	char *valid = g_utf8_make_valid(utf8 ? utf8 : "", -1);
	GString *out = g_string_new("");
	GByteArray *pending = g_byte_array_new();
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (!is_direct(c)) {
			utf7_push(pending, c);
			continue;
		}
		utf7_flush(out, pending);
		if (c == '&')
			g_string_append(out, "&-");
		else
			g_string_append_c(out, (char)c);
	}
	utf7_flush(out, pending);
	g_byte_array_unref(pending);
	g_free(valid);
	return g_string_free(out, FALSE);
}

/* Decodes the base64 run [b64, end) and appends its UTF-8 to `out`. */
static gboolean utf7_decode_run(const char *b64, const char *end, GString *out)
{
	gsize n = (gsize)(end - b64);
	if (n == 0 || n % 4 == 1)
		return FALSE;
	GString *std = g_string_sized_new(n + 3);
	for (const char *p = b64; p < end; p++) {
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != ',') {
			g_string_free(std, TRUE);
			return FALSE;
		}
		g_string_append_c(std, *p == ',' ? '/' : *p);
	}
	while (std->len % 4)
		g_string_append_c(std, '=');
	gsize len;
	guchar *bytes = g_base64_decode(std->str, &len);
	g_string_free(std, TRUE);
	gboolean ok = len > 0 && len % 2 == 0;
	gunichar2 *units = g_new(gunichar2, len / 2 + 1);
	for (gsize i = 0; ok && i < len / 2; i++)
		units[i] = (gunichar2)((bytes[2 * i] << 8) | bytes[2 * i + 1]);
	char *utf8 = ok ? g_utf16_to_utf8(units, (glong)(len / 2), NULL, NULL, NULL) : NULL;
	if (utf8)
		g_string_append(out, utf8);
	g_free(utf8);
	g_free(units);
	g_free(bytes);
	return utf8 != NULL;
}

char *mfi_imap_utf7_decode(const char *mutf7)
{
	GString *out = g_string_new("");
	for (const char *p = mutf7; *p; p++) {
		if (!is_direct((guchar)*p))
			goto invalid;
		if (*p != '&') {
			g_string_append_c(out, *p);
			continue;
		}
		const char *dash = strchr(p + 1, '-');
		if (!dash)
			goto invalid;
		if (dash == p + 1)
			g_string_append_c(out, '&');
		else if (!utf7_decode_run(p + 1, dash, out))
			goto invalid;
		p = dash;
	}
	return g_string_free(out, FALSE);
invalid:
	g_string_free(out, TRUE);
	return NULL;
}
