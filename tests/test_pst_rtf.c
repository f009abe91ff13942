/* Unit tests for the PST RTF helpers (formats/pst/pst-rtf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "../formats/pst/pst-rtf.h"
#include "mailferry/driver.h"

/* ---- helpers ---- */

static char *html(const char *rtf)
{
	return mfi_rtf_to_html((const guint8 *)rtf, strlen(rtf));
}

static char *text(const char *rtf)
{
	return mfi_rtf_to_text((const guint8 *)rtf, strlen(rtf));
}

static void assert_html(const char *rtf, const char *expected)
{
	char *got = html(rtf);
	assert_non_null(got);
	assert_string_equal(got, expected);
	g_free(got);
}

static void assert_text(const char *rtf, const char *expected)
{
	char *got = text(rtf);
	assert_non_null(got);
	assert_string_equal(got, expected);
	g_free(got);
}

/* [MS-OXRTFEX] section 3.1: the spec's example RTF (the RTF text of the spec,
 * line breaks as there; "a bold text" / "characters which" as in the spec). */
static const char spec_rtf[] =
	"{\\rtf1\\ANSI\\ansicpg1251\\fromhtml1 \\deff0\n"
	"{\\fonttbl {\\f0\\fmodern Courier New;}{\\f1\\fswiss Arial;}{\\f2\\fswiss\\fcharset0 Arial;}}\n"
	"{\\colortbl\\red0\\green0\\blue0;\\red0\\green0\\blue255;}\n"
	"{\\*\\htmltag64}\n"
	"\\uc1\\pard\\plain\\deftab360 \\f0\\fs24\n"
	"{\\*\\htmltag <HTML><head>\\par\n"
	"<style>\\par\n"
	"<!--\\par\n"
	"/* Style Definitions */\\par\n"
	"p.MsoNormal, li.MsoNormal \\{font-family:Arial;\\}\\par\n"
	"-->\\par\n"
	"</style>\\par\n"
	"\\tab <!-- This is a HTML comment.\\par\n"
	"There is a horizontal tab (%x09) character before the comment, \\par\n"
	"and some new lines inside the comment. -->\\par\n"
	"</head>\\par\n"
	"<body>\\par\n"
	"<p\\par\n"
	"class=\"MsoNormal\">}\n"
	"{\\htmlrtf \\f1 \\htmlrtf0 Note the line break inside a P tag. {\\*\\htmltag <b>}{\\htmlrtf \\b "
	"\\htmlrtf0 This is a bold text{\\*\\htmltag </b>}} \\htmlrtf\\par\\htmlrtf0}\n"
	"\\htmlrtf \\par \\htmlrtf0\n"
	"{\\*\\htmltag </p>\\par\n"
	"<p class=\"MsoNormal\">\\par}\n"
	"{\\htmlrtf \\f1 \\htmlrtf0 This is a normal text with a character references:\n"
	"{\\*\\htmltag &nbsp;}\\htmlrtf \\'a0\\htmlrtf0  {\\*\\htmltag &lt;}\\htmlrtf <\\htmlrtf0  "
	"{\\*\\htmltag &uml;}\\htmlrtf {\\f2\\'a8}\\htmlrtf0{\\*\\htmltag <br>\\par}\\htmlrtf\\line\\htmlrtf0\n"
	"characters which have special meaning in RTF: \\{\\}\\\\{\\*\\htmltag <br>\\par}"
	"\\htmlrtf\\line\\htmlrtf0\\htmlrtf\\par\\htmlrtf0}\n"
	"{\\*\\htmltag </p>\\par\n"
	"<ol>\\par\n"
	"<li class=\"MsoNormal\">}{\\htmlrtf {{\\*\\pn\\pnlvlbody\\pndec\\pnstart1\\pnindent360{\\pntxta.}}"
	"\\li360\\fi-360{\\pntext 1.\\tab} \\f1\n"
	"\\htmlrtf0 This is a list item}\\htmlrtf\\par\\htmlrtf0}\n"
	"{\\*\\htmltag \\par\n"
	"</ol>\\par\n"
	"</body>\\par\n"
	"</HTML>\\par }}\n";

/* The spec's source HTML, with its line breaks as CRLF (the spec allows
 * normalising line ends and insignificant whitespace). */
static const char spec_html[] =
	"<HTML><head>\r\n"
	"<style>\r\n"
	"<!--\r\n"
	"/* Style Definitions */\r\n"
	"p.MsoNormal, li.MsoNormal {font-family:Arial;}\r\n"
	"-->\r\n"
	"</style>\r\n"
	"\t<!-- This is a HTML comment.\r\n"
	"There is a horizontal tab (%x09) character before the comment, \r\n"
	"and some new lines inside the comment. -->\r\n"
	"</head>\r\n"
	"<body>\r\n"
	"<p\r\n"
	"class=\"MsoNormal\">Note the line break inside a P tag. <b>This is a bold text</b> </p>\r\n"
	"<p class=\"MsoNormal\">\r\n"
	"This is a normal text with a character references:&nbsp; &lt; &uml;<br>\r\n"
	"characters which have special meaning in RTF: {}\\<br>\r\n"
	"</p>\r\n"
	"<ol>\r\n"
	"<li class=\"MsoNormal\">This is a list item\r\n"
	"</ol>\r\n"
	"</body>\r\n"
	"</HTML>\r\n";

/* ---- detection ---- */

static void test_is_rtf(void **state)
{
	(void)state;
	assert_true(mfi_rtf_is_rtf((const guint8 *)"{\\rtf1}", 7));
	assert_false(mfi_rtf_is_rtf((const guint8 *)"{\\rt", 4));
	assert_false(mfi_rtf_is_rtf((const guint8 *)"<html>", 6));
	assert_false(mfi_rtf_is_rtf(NULL, 0));
	assert_null(text("plain text"));
	assert_null(html("<html></html>"));
}

/* ---- de-encapsulation ---- */

static void test_spec_example_html(void **state)
{
	(void)state;
	assert_html(spec_rtf, spec_html);
}

static void test_not_encapsulated(void **state)
{
	(void)state;
	assert_null(html("{\\rtf1\\ansi\\ansicpg1252 Hello\\par}"));
	/* encapsulated plain text is not HTML */
	assert_null(html("{\\rtf1\\ansi\\fromtext {\\*\\htmltag64 x}Hello}"));
	/* \fromhtml1 after document text is not the header's */
	assert_null(html("{\\rtf1\\ansi Hello \\fromhtml1 {\\*\\htmltag <p>}}"));
	/* an htmltag before \fromhtml1 */
	assert_null(html("{\\rtf1\\ansi{\\*\\htmltag <p>}\\fromhtml1 x}"));
	/* \fromhtml inside a nested group does not count */
	assert_null(html("{\\rtf1{\\info\\fromhtml1}{\\*\\htmltag <p>}}"));
	assert_null(html("{\\rtf1\\fromhtml0 {\\*\\htmltag <p>}}"));
}

static void test_htmlrtf_regions(void **state)
{
	(void)state;
	/* suppressed text, nested groups restoring the state, \htmlrtf1 */
	assert_html("{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag <p>}\\htmlrtf {\\b hidden}\\htmlrtf0 kept"
	            "{\\htmlrtf x{y}}z\\htmlrtf1 no\\htmlrtf0 !}",
	            "<p>keptz!");
	/* htmltag content is copied even inside an \htmlrtf region */
	assert_html("{\\rtf1\\fromhtml1 \\htmlrtf a{\\*\\htmltag84 <i>}b\\htmlrtf0 c}", "<i>c");
	/* the HTMLTagParameter is dropped; a space separates digits from content */
	assert_html("{\\rtf1\\fromhtml1 {\\*\\htmltag148 <FONT face=\"symbol\">}{\\*\\htmltag4 1}}",
	            "<FONT face=\"symbol\">1");
	/* \mhtmltag (rewritten URLs) is ignored in favour of \htmltag */
	assert_html("{\\rtf1\\fromhtml1 {\\*\\htmltag84 <img src=\"a\">}{\\*\\mhtmltag84 <img src=\"cid:a\">}}",
	            "<img src=\"a\">");
}

static void test_html_par_and_escapes(void **state)
{
	(void)state;
	assert_html("{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 {\\*\\htmltag <br>\\par}line\\par end\\line\\tab x}",
	            "<br>\r\nline\r\nend\r\n\tx");
	/* \uN and \'hh inside htmltag; htmltag uses the document code page even when
	 * the current font says otherwise */
	assert_html("{\\rtf1\\ansi\\ansicpg1251\\fromhtml1 {\\fonttbl{\\f1\\fcharset0 Arial;}}\\f1 "
	            "{\\*\\htmltag <p title=\"\\'e0\\u8364?\">}\\'e0}",
	            "<p title=\"а€\">à");
}

static void test_liberal_header(void **state)
{
	(void)state;
	/* \fromhtml1 after the font table, whitespace before it */
	assert_html("{\\rtf1\\ansi {\\fonttbl{\\f0 Arial;}} \\fromhtml1\\deff0 {\\*\\htmltag <p>}x}", "<p>x");
}

/* ---- text rendering ---- */

static void test_spec_example_text(void **state)
{
	(void)state;
	/* \'a0 in the default code page 1251 is U+00A0; {\f2\'a8} is \fcharset0, so
	 * code page 1252: U+00A8 */
	assert_text(spec_rtf,
	            "Note the line break inside a P tag. This is a bold text \n"
	            "\n"
	            "This is a normal text with a character references:\xC2\xA0 < \xC2\xA8\n"
	            "characters which have special meaning in RTF: {}\\\n"
	            "\n"
	            "1.\t This is a list item\n");
}

static void test_codepages(void **state)
{
	(void)state;
	assert_text("{\\rtf1\\ansi\\ansicpg1252 caf\\'e9 \\'80}", "caf\xC3\xA9 \xE2\x82\xAC");
	assert_text("{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}",
	            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
	/* no \ansicpg: \ansi means 1252 */
	assert_text("{\\rtf1\\ansi \\'e9}", "\xC3\xA9");
	/* the font's \fcharset wins over \ansicpg; \plain returns to \deff */
	assert_text("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fcharset0 A;}{\\f1\\fcharset204 B;}}"
	            "\\'e9\\f1\\'e9\\plain\\'e9}",
	            "\xC3\xA9\xD0\xB9\xC3\xA9");
	/* double-byte code page: a character split over two escapes, and a literal
	 * trail byte (Shift-JIS 0x83 0x6E is U+30CF) */
	assert_text("{\\rtf1\\ansi\\ansicpg936 \\'d6\\'d0\\'ce\\'c4}", "\xE4\xB8\xAD\xE6\x96\x87");
	assert_text("{\\rtf1\\ansi\\ansicpg932 \\'83n}", "\xE3\x83\x8F");
	/* undecodable bytes become U+FFFD; an unknown code page falls back to 1252 */
	assert_text("{\\rtf1\\ansi\\ansicpg932 a\\'ffb}", "a\xEF\xBF\xBD" "b");
	assert_text("{\\rtf1\\ansi\\ansicpg12345 \\'e9}", "\xC3\xA9");
	/* \'00 is dropped */
	assert_text("{\\rtf1 a\\'00b}", "ab");
}

static void test_unicode(void **state)
{
	(void)state;
	assert_text("{\\rtf1 caf\\u233?!}", "caf\xC3\xA9!");
	/* \ucN: the fallback may be several characters, \'hh count as one */
	assert_text("{\\rtf1\\uc2 \\u8364\\'80\\'80x}", "\xE2\x82\xACx");
	assert_text("{\\rtf1\\uc0 \\u233 e}", "\xC3\xA9" "e");
	/* \uc is scoped to the group */
	assert_text("{\\rtf1{\\uc0 \\u233}\\u233?}", "\xC3\xA9\xC3\xA9");
	/* skipping stops at a group boundary */
	assert_text("{\\rtf1\\uc3 {\\u233}abc}", "\xC3\xA9" "abc");
	/* negative values and surrogate pairs */
	assert_text("{\\rtf1 \\u-3913?}", "\xEF\x82\xB7");
	assert_text("{\\rtf1 \\u-10179?\\u-8704?}", "\xF0\x9F\x98\x80");
	assert_text("{\\rtf1 \\u-10179?x}", "\xEF\xBF\xBDx");
	assert_text("{\\rtf1 \\u-8704?}", "\xEF\xBF\xBD");
	/* a control word counts as one fallback character */
	assert_text("{\\rtf1 \\u233\\'e9\\par}", "\xC3\xA9\n");
	assert_text("{\\rtf1 \\u233\\b x}", "\xC3\xA9x");
}

static void test_nested_and_skipped(void **state)
{
	(void)state;
	assert_text("{\\rtf1 a{b{c}d}e}", "abcde");
	assert_text("{\\rtf1{\\*\\foo x{y}}z{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0;}"
	            "{\\stylesheet{\\s0 Normal;}}{\\info{\\title T}{\\author A}}{\\pict 0123}w}",
	            "zw");
	assert_text("{\\rtf1{\\header H}{\\footer F}{\\headerl H}{\\footerr F}body}", "body");
	/* fields: the instruction is dropped, the result kept */
	assert_text("{\\rtf1{\\field{\\*\\fldinst HYPERLINK \"http://x\"}{\\fldrslt link}}}", "link");
	/* \bin data is skipped even when it contains braces */
	assert_text("{\\rtf1 a{\\pict\\bin4 }}}}b}c}", "ac");
	/* text after the document's closing brace is ignored */
	assert_text("{\\rtf1 a}b", "a");
	/* unterminated groups end with the input */
	assert_text("{\\rtf1 a{b", "ab");
	/* a NUL ends the input (libpff leaves two after the RTF) */
	char with_nul[] = "{\\rtf1 ab\0cd}";
	char *got = mfi_rtf_to_text((const guint8 *)with_nul, sizeof with_nul - 1);
	assert_string_equal(got, "ab");
	g_free(got);
}

static void test_text_controls(void **state)
{
	(void)state;
	assert_text("{\\rtf1 a\\par b\\line c\\tab d\\page e}", "a\nb\nc\td\ne");
	assert_text("{\\rtf1 \\lquote x\\rquote  \\ldblquote y\\rdblquote  \\emdash \\endash \\bullet }",
	            "\xE2\x80\x98x\xE2\x80\x99 \xE2\x80\x9Cy\xE2\x80\x9D \xE2\x80\x94\xE2\x80\x93\xE2\x80\xA2");
	assert_text("{\\rtf1 a\\~b\\-c\\_d\\{\\}\\\\}", "a\xC2\xA0" "bc\xE2\x80\x91" "d{}\\");
	/* raw line breaks are not text; an escaped one is a paragraph */
	assert_text("{\\rtf1 a\r\nb\\\nc}", "ab\nc");
	/* table cells and rows */
	assert_text("{\\rtf1 x\\cell y\\cell\\row z}", "x\ty\t\nz");
	/* encapsulated HTML renders as its RTF text, htmltags skipped */
	assert_text("{\\rtf1\\fromhtml1 {\\*\\htmltag <p>}\\htmlrtf a\\htmlrtf0 b}", "ab");
}

/* ---- hostile input ---- */

static void test_deep_nesting(void **state)
{
	GString *s = g_string_new("{\\rtf1 a");
	char *got;

	(void)state;
	for (int i = 0; i < 100000; i++)
		g_string_append_c(s, '{');
	g_string_append(s, "deep");
	for (int i = 0; i < 100000; i++)
		g_string_append_c(s, '}');
	g_string_append(s, "b}");
	got = mfi_rtf_to_text((const guint8 *)s->str, s->len);
	assert_string_equal(got, "ab");
	g_free(got);
	g_string_free(s, TRUE);
}

static void test_garbage(void **state)
{
	GRand *rand = g_rand_new_with_seed(4242);
	guint8 buf[512];
	static const char alphabet[] = "{}\\'*uc0123456789abfhtmlrpa-? \r\n\x80\xff";

	(void)state;
	for (int round = 0; round < 2000; round++) {
		gsize len = 5 + g_rand_int_range(rand, 0, sizeof buf - 5);
		memcpy(buf, "{\\rtf", 5);
		for (gsize i = 5; i < len; i++)
			buf[i] = round % 2 ? (guint8)g_rand_int(rand)
			                   : (guint8)alphabet[g_rand_int_range(rand, 0, sizeof alphabet - 1)];
		char *t = mfi_rtf_to_text(buf, len);
		char *h = mfi_rtf_to_html(buf, len);
		assert_non_null(t);
		assert_true(g_utf8_validate(t, -1, NULL));
		assert_true(strlen(t) <= 3 * len);
		assert_true(h == NULL || g_utf8_validate(h, -1, NULL));
		g_free(t);
		g_free(h);
	}
	/* every truncation of the spec example */
	for (gsize n = 0; n <= sizeof spec_rtf - 1; n++) {
		g_free(mfi_rtf_to_text((const guint8 *)spec_rtf, n));
		g_free(mfi_rtf_to_html((const guint8 *)spec_rtf, n));
	}
	g_rand_free(rand);
}

/* ---- [MS-OXRTFCP] ---- */

/* Section 4.1 (simple compressed RTF) and 4.2 (dictionary cross-write) of the spec. */
static const guint8 lzfu_simple[] = {
	0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
	0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
	0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
	0xa0,
};
static const guint8 lzfu_crosswrite[] = {
	0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xe2, 0xd4, 0x4b, 0x51,
	0x41, 0x00, 0x04, 0x20, 0x57, 0x58, 0x59, 0x5a, 0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0,
};

static void assert_lzfu(const guint8 *in, gsize len, const char *expected)
{
	GError *error = NULL;
	gsize out_len = 0;
	guint8 *out = mfi_lzfu_decompress(in, len, &out_len, &error);

	assert_null(error);
	assert_non_null(out);
	assert_int_equal(out_len, strlen(expected));
	assert_memory_equal(out, expected, out_len);
	assert_int_equal(out[out_len], 0);
	g_free(out);
}

static void assert_lzfu_fails(const guint8 *in, gsize len)
{
	GError *error = NULL;
	gsize out_len = 7;

	assert_null(mfi_lzfu_decompress(in, len, &out_len, &error));
	assert_non_null(error);
	assert_true(g_error_matches(error, MF_ERROR, MF_ERROR_ITEM));
	assert_int_equal(out_len, 0);
	g_error_free(error);
}

static void test_lzfu_spec_examples(void **state)
{
	(void)state;
	assert_lzfu(lzfu_simple, sizeof lzfu_simple, "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
	assert_lzfu(lzfu_crosswrite, sizeof lzfu_crosswrite, "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}");
}

static GByteArray *mela(const char *rtf, guint32 raw_size)
{
	GByteArray *b = g_byte_array_new();
	guint32 len = (guint32)strlen(rtf);
	guint8 head[16] = { 0 };

	head[0] = (guint8)(len + 12);
	head[1] = (guint8)((len + 12) >> 8);
	head[4] = (guint8)raw_size;
	head[5] = (guint8)(raw_size >> 8);
	memcpy(head + 8, "MELA", 4);
	g_byte_array_append(b, head, sizeof head);
	g_byte_array_append(b, (const guint8 *)rtf, len);
	return b;
}

static void test_lzfu_uncompressed(void **state)
{
	GByteArray *b = mela("{\\rtf1 plain}", 13);

	(void)state;
	assert_lzfu(b->data, b->len, "{\\rtf1 plain}");
	g_byte_array_unref(b);
	/* as Aspose writes it: RAWSIZE == COMPSIZE, more than the payload */
	b = mela("{\\rtf1 plain}", 25);
	assert_lzfu(b->data, b->len, "{\\rtf1 plain}");
	g_byte_array_unref(b);
}

static void test_lzfu_bad(void **state)
{
	guint8 buf[sizeof lzfu_simple];

	(void)state;
	assert_lzfu_fails(lzfu_simple, 15);
	/* COMPSIZE larger than the data (truncated stream) */
	assert_lzfu_fails(lzfu_simple, sizeof lzfu_simple - 1);
	/* CRC mismatch */
	memcpy(buf, lzfu_simple, sizeof buf);
	buf[20] ^= 1;
	assert_lzfu_fails(buf, sizeof buf);
	/* unknown type */
	memcpy(buf, lzfu_simple, sizeof buf);
	buf[8] = 'X';
	assert_lzfu_fails(buf, sizeof buf);
	/* COMPSIZE too small for the header */
	memcpy(buf, lzfu_simple, sizeof buf);
	buf[0] = 11;
	assert_lzfu_fails(buf, sizeof buf);
}

static void test_lzfu_bounded(void **state)
{
	/* a stream of back references promising 4 GiB: output stops at what the
	 * input can produce, and at RAWSIZE */
	GByteArray *b = g_byte_array_new();
	guint8 head[16] = { 0 };
	guint32 crc;
	gsize out_len = 0;
	guint8 *out;

	(void)state;
	memset(head + 4, 0xff, 4);
	memcpy(head + 8, "LZFu", 4);
	g_byte_array_append(b, head, sizeof head);
	for (int i = 0; i < 1000; i++) {
		static const guint8 chunk[17] = { 0xff, 0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f,
		                                  0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f };
		g_byte_array_append(b, chunk, sizeof chunk);
	}
	b->data[0] = (guint8)((b->len - 4) & 0xff);
	b->data[1] = (guint8)((b->len - 4) >> 8);
	/* the spec's CRC: the CRC-32 table walk without zlib's inversions */
	crc = 0;
	for (guint i = 16; i < b->len; i++) {
		crc ^= b->data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	for (int k = 0; k < 4; k++)
		b->data[12 + k] = (guint8)(crc >> (8 * k));
	out = mfi_lzfu_decompress(b->data, b->len, &out_len, NULL);
	assert_non_null(out);
	assert_true(out_len <= (b->len - 16) * 9);
	assert_true(out_len > 0);
	g_free(out);
	/* same stream, RAWSIZE 10 */
	memset(b->data + 4, 0, 4);
	b->data[4] = 10;
	out = mfi_lzfu_decompress(b->data, b->len, &out_len, NULL);
	assert_non_null(out);
	assert_int_equal(out_len, 10);
	g_free(out);
	g_byte_array_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_rtf),
		cmocka_unit_test(test_spec_example_html),
		cmocka_unit_test(test_not_encapsulated),
		cmocka_unit_test(test_htmlrtf_regions),
		cmocka_unit_test(test_html_par_and_escapes),
		cmocka_unit_test(test_liberal_header),
		cmocka_unit_test(test_spec_example_text),
		cmocka_unit_test(test_codepages),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_nested_and_skipped),
		cmocka_unit_test(test_text_controls),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_lzfu_spec_examples),
		cmocka_unit_test(test_lzfu_uncompressed),
		cmocka_unit_test(test_lzfu_bad),
		cmocka_unit_test(test_lzfu_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
