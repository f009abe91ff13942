/* RTF bodies of PST messages: pure helpers, no I/O (formats/pst/pst-rtf.c).
 *
 * What libpff gives us (checked against /usr/include/libpff.h, the libpff/libfmapi
 * sources and the Debian build 20180714 with the corpus):
 *
 * - libpff_message_get_rtf_body_size() / libpff_message_get_rtf_body() read
 *   PR_RTF_COMPRESSED (0x1009) and run it through libfmapi_lzfu_decompress(), so
 *   for "LZFu" streams they return DECOMPRESSED RTF ([MS-OXRTFCP]); the CRC is
 *   checked. The header's "encoded in UTF-8" is wrong: the bytes are the RTF
 *   itself (7-bit text with \'hh escapes in the document's code page).
 * - The size is RAWSIZE + 2 and the last two bytes are zero: allocate exactly that
 *   (zero-filled) and pass it as is; these parsers stop at the first NUL byte.
 * - Uncompressed "MELA" streams are NOT handled: libfmapi checks the CRC (0 for
 *   MELA) against the data and then LZ-decodes the raw bytes, so
 *   libpff_message_get_rtf_body() returns -1. The corpus has such bodies
 *   (aspose_passwordprotectedPST*.pst, 9 each; pffexport writes an empty
 *   Message.rtf for them). Fallback: read 0x1009 raw (libpff_record_set_get_entry_by_type
 *   + libpff_record_entry_get_data, or the deprecated
 *   libpff_item_get_entry_value_binary_data) and call mfi_lzfu_decompress().
 *   Aspose writes RAWSIZE == COMPSIZE for MELA, so the payload is clamped to the
 *   bytes actually present.
 *
 * Output of the converters is always valid UTF-8 and at most about 3x the input
 * length (no construct amplifies more); group nesting is tracked to a fixed depth
 * and anything nested deeper is dropped.
 */
#ifndef MF_PST_RTF_H
#define MF_PST_RTF_H

#include <glib.h>

/* TRUE when the bytes start like RTF ("{\rtf"). */
gboolean mfi_rtf_is_rtf(const guint8 *data, gsize len);

/* HTML recovered from RTF that encapsulates it ([MS-OXRTFEX]: \fromhtml1 in the
 * header, \*\htmltag groups copied, text outside them copied unless suppressed by
 * \htmlrtf), or NULL when the RTF does not encapsulate HTML (or is not RTF).
 * \par and \line become CRLF as the spec says. Caller frees (g_free). */
char *mfi_rtf_to_html(const guint8 *rtf, gsize len);

/* A plain-text rendering of any RTF: text content; \par, \line, \page, \row -> "\n";
 * \tab, \cell -> "\t"; \'hh in the code page of the current font (\fcharset) or of
 * the document (\ansicpg) -> UTF-8; \uN with \ucN fallback skipping; skipped
 * destinations: \*\..., fonttbl, colortbl, stylesheet, info, pict, headers,
 * footers, fldinst and the like. NULL when not RTF. Caller frees (g_free). */
char *mfi_rtf_to_text(const guint8 *rtf, gsize len);

/* [MS-OXRTFCP] decompression of a PR_RTF_COMPRESSED stream ("LZFu", checked
 * against its CRC, or uncompressed "MELA"). Returns a g_malloc'ed buffer of
 * *out_len bytes plus a terminating NUL (not counted), or NULL with *error
 * (MF_ERROR, MF_ERROR_ITEM) when the header is bad, the stream is truncated or
 * the CRC does not match. Output is at most min(RAWSIZE, 8.5 x input). Outlook's
 * RAWSIZE usually counts a trailing NUL after the RTF (the corpus streams do), so
 * take strnlen() of the result before using it as RTF. */
guint8 *mfi_lzfu_decompress(const guint8 *in, gsize len, gsize *out_len, GError **error);

#endif
