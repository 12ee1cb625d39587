#include "util/term.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (n bytes available): 1..4;
 * 0 when invalid; -1 when it is a valid but incomplete prefix. */
static int term_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	int len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return len;
}

size_t term_escape(Buf *out, const char *text, size_t n, bool more)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;

	while (i < n) {
		int len = term_utf8_len(p + i, n - i);
		char esc[8];

		if (len < 0 && more)
			break;
		if (len == 1 && (p[i] >= 0x20 || p[i] == '\n' || p[i] == '\t') && p[i] != 0x7F) {
			size_t run = i + 1;

			/* Newlines and tabs belong to the run: JSON output is full
			 * of them, and each one ending a run cost an append. */
			while (run < n && ((p[run] >= 0x20 && p[run] < 0x7F) || p[run] == '\n' ||
					   p[run] == '\t'))
				run++;
			buf_append(out, text + i, run - i);
			i = run;
			continue;
		}
		if (len == 2 && p[i] == 0xC2 && p[i + 1] <= 0x9F) {
			snprintf(esc, sizeof esc, "\\u%04x", p[i + 1]);
			buf_puts(out, esc);
		} else if (len > 1) {
			buf_append(out, text + i, (size_t)len);
		} else {
			snprintf(esc, sizeof esc, "\\x%02x", p[i]);
			buf_puts(out, esc);
			len = 1;
		}
		i += (size_t)len;
	}
	return i;
}

char *term_escaped(const char *s)
{
	Buf b = BUF_INIT;

	term_escape(&b, s ? s : "", s ? strlen(s) : 0, false);
	if (!buf_append(&b, "", 0)) {
		buf_clear(&b);
		return NULL;
	}
	return buf_take(&b);
}

bool term_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		int len = term_utf8_len(p + i, n - i);

		if (len <= 0)
			return false;
		i += (size_t)len;
	}
	return true;
}

bool term_text_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0;

	for (size_t i = 0; i < n;) {
		int len = term_utf8_len(p + i, n - i);

		if (len <= 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7F)) ||
		    (len == 2 && p[i] == 0xC2 && p[i + 1] <= 0x9F))
			return false;
		i += (size_t)len;
	}
	return true;
}
