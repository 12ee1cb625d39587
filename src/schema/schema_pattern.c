/* JSON Schema patterns are ECMA-262 regular expressions (in Unicode mode,
 * as ajv runs them). They run on PCRE2, compiled with UTF and UCP and with
 * PCRE2's own character tables, so the verdict never depends on the
 * process locale. PCRE2 and ECMA-262 differ in a few places; this file
 * rewrites exactly those and rejects what ECMA-262 rejects:
 *
 *   .            any code point but \n \r U+2028 U+2029 (PCRE2: not \n)
 *   \d \w \b     ASCII, as in ECMA-262 (PCRE2 with UCP: Unicode)
 *   \s           ECMA-262's WhiteSpace + LineTerminator list
 *   \v \uXXXX \u{X}  the character (PCRE2: \v is a class, \u unknown)
 *   \p{Letter} \p{gc=Lu}  long and gc= names (PCRE2 10.42: short names)
 *   [] [^]       nothing / any code point (PCRE2: "]" would be literal)
 *   $            end of input only (PCRE2_DOLLAR_ENDONLY)
 *   a** a{2}{3} (?i) \a ...  syntax errors, as in ECMA-262
 *
 * Matching runs under a match limit, a depth limit and a heap limit, so a
 * catastrophic pattern such as ^(a+)+$ on a long subject gives up (the
 * value is then reported as not checkable) instead of hanging. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"

/* Each {n,m} count at most this (beyond it a pattern is a mistake). */
#define SCHEMA_RX_MAX_COUNT 1000
#define SCHEMA_RX_MATCH_LIMIT 200000
#define SCHEMA_RX_DEPTH_LIMIT 5000
#define SCHEMA_RX_HEAP_KIB 16384

struct SchemaRegex {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

/* ECMA-262 WhiteSpace and LineTerminator, as the body of a class. */
#define RX_WS "\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}" \
	      "\\x{202f}\\x{205f}\\x{3000}\\x{feff}"
#define RX_WORD "A-Za-z0-9_"
#define RX_WORDC "[A-Za-z0-9_]"

typedef struct SchemaRx {
	const char *p;
	Buf out;
	bool can_repeat; /* the last item is an atom a quantifier may follow */
	int depth;
	char *msg;
	size_t msglen;
	bool nomem;
} SchemaRx;

static bool rx_fail(SchemaRx *rx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool rx_fail(SchemaRx *rx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rx->msg, rx->msglen, fmt, ap);
	va_end(ap);
	return false;
}

/* s == NULL reports a failed append made by the caller. */
static bool rx_put(SchemaRx *rx, const char *s)
{
	if (!s || !buf_puts(&rx->out, s)) {
		rx->nomem = true;
		return rx_fail(rx, "out of memory");
	}
	return true;
}

static bool rx_putcp(SchemaRx *rx, unsigned long cp)
{
	char tmp[24];

	snprintf(tmp, sizeof tmp, "\\x{%lx}", cp);
	return rx_put(rx, tmp);
}

/* n hex digits at p, or -1. */
static long rx_hexn(const char *p, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		int d = schema_hex_digit(p[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* \uXXXX (a surrogate pair as one code point) or \u{X...}; rx->p is after
 * the "u". Returns the code point, -2 for a lone surrogate (no valid UTF-8
 * string holds one), -1 on a syntax error. */
static long rx_unicode_escape(SchemaRx *rx)
{
	const char *p = rx->p;
	long cp;

	if (*p == '{') {
		const char *q = p + 1;

		cp = 0;
		while (schema_hex_digit(*q) >= 0 && cp <= 0x10FFFF)
			cp = cp * 16 + schema_hex_digit(*q++);
		if (q == p + 1 || *q != '}' || cp > 0x10FFFF)
			return -1;
		rx->p = q + 1;
		return cp >= 0xD800 && cp <= 0xDFFF ? -2 : cp;
	}
	cp = rx_hexn(p, 4);
	if (cp < 0)
		return -1;
	rx->p = p + 4;
	if (cp >= 0xD800 && cp <= 0xDBFF && rx->p[0] == '\\' && rx->p[1] == 'u') {
		long lo = rx_hexn(rx->p + 2, 4);

		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			rx->p += 6;
			return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
	}
	return cp >= 0xD800 && cp <= 0xDFFF ? -2 : cp;
}

/* ECMA-262 General_Category long names -> the short ones PCRE2 knows. */
static const char *rx_gc_short(const char *name, size_t n)
{
	static const char *const map[][2] = {
		{ "Letter", "L" }, { "Cased_Letter", "L&" }, { "Uppercase_Letter", "Lu" },
		{ "Lowercase_Letter", "Ll" }, { "Titlecase_Letter", "Lt" },
		{ "Modifier_Letter", "Lm" }, { "Other_Letter", "Lo" }, { "Mark", "M" },
		{ "Combining_Mark", "M" }, { "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" },
		{ "Enclosing_Mark", "Me" }, { "Number", "N" }, { "Decimal_Number", "Nd" },
		{ "digit", "Nd" }, { "Letter_Number", "Nl" }, { "Other_Number", "No" },
		{ "Punctuation", "P" }, { "punct", "P" }, { "Connector_Punctuation", "Pc" },
		{ "Dash_Punctuation", "Pd" }, { "Open_Punctuation", "Ps" },
		{ "Close_Punctuation", "Pe" }, { "Initial_Punctuation", "Pi" },
		{ "Final_Punctuation", "Pf" }, { "Other_Punctuation", "Po" }, { "Symbol", "S" },
		{ "Math_Symbol", "Sm" }, { "Currency_Symbol", "Sc" }, { "Modifier_Symbol", "Sk" },
		{ "Other_Symbol", "So" }, { "Separator", "Z" }, { "Space_Separator", "Zs" },
		{ "Line_Separator", "Zl" }, { "Paragraph_Separator", "Zp" }, { "Other", "C" },
		{ "Control", "Cc" }, { "cntrl", "Cc" }, { "Format", "Cf" }, { "Surrogate", "Cs" },
		{ "Private_Use", "Co" }, { "Unassigned", "Cn" }, { "LC", "L&" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i][0]) == n && !strncmp(map[i][0], name, n))
			return map[i][1];
	return NULL;
}

/* \p{...} / \P{...}; rx->p is after the "p". */
static bool rx_property(SchemaRx *rx, bool negated)
{
	const char *start = rx->p + 1, *end, *eq, *val;
	const char *gc;
	Buf tmp = BUF_INIT;
	bool ok;

	if (*rx->p != '{' || !(end = strchr(start, '}')) || end == start)
		return rx_fail(rx, "\\p must be followed by a property in braces, such as \\p{Letter}");
	for (const char *q = start; q < end; q++)
		if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
		      (*q >= '0' && *q <= '9') || *q == '_' || *q == '='))
			return rx_fail(rx, "invalid Unicode property name in \\p{...}");
	eq = memchr(start, '=', (size_t)(end - start));
	val = eq ? eq + 1 : start;
	if (eq && ((eq - start == 2 && !strncmp(start, "gc", 2)) ||
		   (eq - start == 16 && !strncmp(start, "General_Category", 16))))
		start = val; /* gc=Lu is the same as Lu */
	gc = rx_gc_short(start, (size_t)(end - start));
	ok = buf_puts(&tmp, negated ? "\\P{" : "\\p{");
	if (gc)
		ok = ok && buf_puts(&tmp, gc);
	else
		ok = ok && buf_append(&tmp, start, (size_t)(end - start));
	ok = ok && buf_puts(&tmp, "}");
	ok = ok ? rx_put(rx, tmp.data) : rx_put(rx, NULL);
	buf_clear(&tmp);
	rx->p = end + 1;
	return ok;
}

/* An escape that stands for one character, shared by both contexts. rx->p
 * is at the letter after the backslash. Returns 1 when handled, 0 when it
 * is not such an escape, -1 on error. */
static int rx_char_escape(SchemaRx *rx, bool in_class)
{
	char c = *rx->p;
	long cp;

	switch (c) {
	case 't': rx->p++; return rx_put(rx, "\\t") ? 1 : -1;
	case 'n': rx->p++; return rx_put(rx, "\\n") ? 1 : -1;
	case 'v': rx->p++; return rx_put(rx, "\\x{0b}") ? 1 : -1;
	case 'f': rx->p++; return rx_put(rx, "\\f") ? 1 : -1;
	case 'r': rx->p++; return rx_put(rx, "\\r") ? 1 : -1;
	case '0':
		if (rx->p[1] >= '0' && rx->p[1] <= '9')
			return rx_fail(rx, "\\0 followed by a digit is not allowed (octal escapes are "
				       "not ECMA-262)"), -1;
		rx->p++;
		return rx_put(rx, "\\x{0}") ? 1 : -1;
	case 'c':
		if (!((rx->p[1] >= 'A' && rx->p[1] <= 'Z') || (rx->p[1] >= 'a' && rx->p[1] <= 'z')))
			return rx_fail(rx, "\\c must be followed by a letter"), -1;
		cp = rx->p[1] % 32;
		rx->p += 2;
		return rx_putcp(rx, (unsigned long)cp) ? 1 : -1;
	case 'x':
		cp = rx_hexn(rx->p + 1, 2);
		if (cp < 0)
			return rx_fail(rx, "\\x must be followed by two hex digits"), -1;
		rx->p += 3;
		return rx_putcp(rx, (unsigned long)cp) ? 1 : -1;
	case 'u':
		rx->p++;
		cp = rx_unicode_escape(rx);
		if (cp == -1)
			return rx_fail(rx, "\\u must be followed by four hex digits or {hex}"), -1;
		if (cp == -2) /* a lone surrogate matches nothing in valid UTF-8 */
			return rx_put(rx, in_class ? "" : "(?!)") ? 1 : -1;
		return rx_putcp(rx, (unsigned long)cp) ? 1 : -1;
	case 'p':
	case 'P':
		rx->p++;
		return rx_property(rx, c == 'P') ? 1 : -1;
	default:
		break;
	}
	if (c && strchr("^$\\.*+?()[]{}|/", c)) {
		char tmp[3] = { '\\', c, '\0' };

		rx->p++;
		return rx_put(rx, c == '/' ? "/" : tmp) ? 1 : -1;
	}
	if (in_class && c == '-') {
		rx->p++;
		return rx_put(rx, "\\-") ? 1 : -1;
	}
	return 0;
}

/* A class [...]; rx->p is after the "[". A class holding \D \W or \S
 * (whose ASCII/ECMA complement cannot sit inside a PCRE2 class) becomes
 * an alternation. */
static bool rx_class(SchemaRx *rx)
{
	bool negated = false, ok = true;
	Buf body = BUF_INIT, save = rx->out;
	char neg[8] = "";
	size_t nneg = 0;

	if (*rx->p == '^') {
		negated = true;
		rx->p++;
	}
	if (*rx->p == ']') { /* [] matches nothing, [^] any code point */
		rx->p++;
		return rx_put(rx, negated ? "(?s:.)" : "(?!)");
	}
	rx->out = body; /* the class body is built in its own buffer */
	while (ok && *rx->p && *rx->p != ']') {
		char c = *rx->p;

		if (c == '\\') {
			int r;

			rx->p++;
			c = *rx->p;
			if (!c) {
				ok = rx_fail(rx, "the pattern ends with a lone backslash");
				break;
			}
			if (c == 'd' || c == 'w' || c == 's') {
				rx->p++;
				ok = rx_put(rx, c == 'd' ? "0-9" : c == 'w' ? RX_WORD : RX_WS);
				continue;
			}
			if (c == 'D' || c == 'W' || c == 'S') {
				rx->p++;
				if (!strchr(neg, c) && nneg < sizeof neg - 1)
					neg[nneg++] = c;
				continue;
			}
			if (c == 'b') {
				rx->p++;
				ok = rx_put(rx, "\\x{8}");
				continue;
			}
			r = rx_char_escape(rx, true);
			if (r == 0) {
				char tmp[8] = { c, '\0' };

				ok = rx_fail(rx, "invalid escape \\%s in a class", tmp);
			} else {
				ok = r > 0;
			}
			continue;
		}
		if (c == '[') { /* literal in ECMA-262; PCRE2 would read [:alpha:] */
			rx->p++;
			ok = rx_put(rx, "\\[");
			continue;
		}
		ok = buf_putc(&rx->out, c) || rx_put(rx, NULL);
		rx->p++;
	}
	body = rx->out;
	rx->out = save;
	if (ok && *rx->p != ']')
		ok = rx_fail(rx, "a [ is never closed");
	if (ok) {
		rx->p++;
		if (!nneg) {
			ok = rx_put(rx, negated ? "[^" : "[") && rx_put(rx, body.data ? body.data : "") &&
			     rx_put(rx, "]");
		} else {
			bool first = true;

			ok = rx_put(rx, negated ? "(?:(?!" : "(?:");
			if (ok && body.len) {
				ok = rx_put(rx, "[") && rx_put(rx, body.data) && rx_put(rx, "]");
				first = false;
			}
			for (size_t i = 0; ok && i < nneg; i++) {
				ok = (first || rx_put(rx, "|")) &&
				     rx_put(rx, neg[i] == 'D' ? "[^0-9]" : neg[i] == 'W' ? "[^" RX_WORD "]"
											 : "[^" RX_WS "]");
				first = false;
			}
			ok = ok && rx_put(rx, negated ? ")(?s:.))" : ")");
		}
	}
	buf_clear(&body);
	return ok;
}

/* {n}, {n,}, {n,m} at rx->p; *len gets its length, 0 when it is not one. */
static bool rx_counted(SchemaRx *rx, size_t *len)
{
	const char *p = rx->p + 1;
	unsigned long n = 0, m = 0;
	bool has_m = false;
	const char *d = p;

	*len = 0;
	/* Every digit is read (the value capped past the limit): stopping
	 * early would leave digits before the '}' and make a huge count a
	 * literal brace instead of the error it is. */
	for (; *p >= '0' && *p <= '9'; p++)
		if (n <= SCHEMA_RX_MAX_COUNT)
			n = n * 10 + (unsigned long)(*p - '0');
	if (p == d)
		return true;
	if (*p == ',') {
		const char *e = ++p;

		for (; *p >= '0' && *p <= '9'; p++)
			if (m <= SCHEMA_RX_MAX_COUNT)
				m = m * 10 + (unsigned long)(*p - '0');
		has_m = p != e;
	}
	if (*p != '}')
		return true;
	if (n > SCHEMA_RX_MAX_COUNT || m > SCHEMA_RX_MAX_COUNT) {
		char tmp[16];

		snprintf(tmp, sizeof tmp, "%d", SCHEMA_RX_MAX_COUNT);
		return rx_fail(rx, "a repetition count is larger than %s", tmp);
	}
	if (has_m && m < n)
		return rx_fail(rx, "a repetition {n,m} has m smaller than n");
	*len = (size_t)(p + 1 - rx->p);
	return true;
}

static bool rx_quantifier(SchemaRx *rx, size_t len)
{
	if (!rx->can_repeat)
		return rx_fail(rx, "nothing to repeat before a quantifier");
	if (!buf_append(&rx->out, rx->p, len))
		return rx_put(rx, NULL);
	rx->p += len;
	if (*rx->p == '?') { /* lazy */
		rx->p++;
		if (!rx_put(rx, "?"))
			return false;
	}
	rx->can_repeat = false;
	return true;
}

static bool rx_group_open(SchemaRx *rx)
{
	const char *p = rx->p + 1;

	if (++rx->depth > 200)
		return rx_fail(rx, "groups are nested too deeply");
	rx->can_repeat = false;
	if (*p != '?') {
		rx->p = p;
		return rx_put(rx, "(");
	}
	if (p[1] == ':' || p[1] == '=' || p[1] == '!') {
		char tmp[4] = { '(', '?', p[1], '\0' };

		rx->p = p + 2;
		return rx_put(rx, tmp);
	}
	if (p[1] == '<' && (p[2] == '=' || p[2] == '!')) {
		char tmp[5] = { '(', '?', '<', p[2], '\0' };

		rx->p = p + 3;
		return rx_put(rx, tmp);
	}
	if (p[1] == '<') {
		const char *q = p + 2;

		while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		       *q == '_' || *q == '$')
			q++;
		if (q == p + 2 || *q != '>')
			return rx_fail(rx, "a named group needs a name: (?<name>...)");
		if (!buf_append(&rx->out, rx->p, (size_t)(q + 1 - rx->p)))
			return rx_put(rx, NULL);
		rx->p = q + 1;
		return true;
	}
	return rx_fail(rx, "(? must be followed by :, =, !, <= or <! (ECMA-262 has no inline flags)");
}

/* Rewrites an ECMA-262 pattern into PCRE2 syntax, checking ECMA's rules. */
static bool rx_translate(SchemaRx *rx)
{
	while (*rx->p) {
		char c = *rx->p;
		size_t len;

		switch (c) {
		case '\\': {
			int r;

			rx->p++;
			c = *rx->p;
			if (!c)
				return rx_fail(rx, "the pattern ends with a lone backslash");
			if (strchr("dDwWsS", c)) {
				static const char *const rep[] = { "[0-9]", "[^0-9]", RX_WORDC,
								   "[^" RX_WORD "]", "[" RX_WS "]",
								   "[^" RX_WS "]" };

				rx->p++;
				if (!rx_put(rx, rep[strchr("dDwWsS", c) - "dDwWsS"]))
					return false;
				rx->can_repeat = true;
				continue;
			}
			if (c == 'b' || c == 'B') {
				rx->p++;
				if (!rx_put(rx, c == 'b'
						  ? "(?:(?<=" RX_WORDC ")(?!" RX_WORDC ")|(?<!" RX_WORDC ")(?=" RX_WORDC "))"
						  : "(?:(?<=" RX_WORDC ")(?=" RX_WORDC ")|(?<!" RX_WORDC ")(?!" RX_WORDC "))"))
					return false;
				rx->can_repeat = false;
				continue;
			}
			if (c >= '1' && c <= '9') {
				char tmp[32];
				unsigned n = 0;

				while (*rx->p >= '0' && *rx->p <= '9' && n < 10000)
					n = n * 10 + (unsigned)(*rx->p++ - '0');
				snprintf(tmp, sizeof tmp, "\\g{%u}", n);
				if (!rx_put(rx, tmp))
					return false;
				rx->can_repeat = true;
				continue;
			}
			if (c == 'k') {
				const char *q = rx->p + 2;

				if (rx->p[1] != '<' || !(q = strchr(q, '>')))
					return rx_fail(rx, "\\k must be followed by <name>");
				if (!rx_put(rx, "\\") || !buf_append(&rx->out, rx->p, (size_t)(q + 1 - rx->p)))
					return rx_put(rx, NULL);
				rx->p = q + 1;
				rx->can_repeat = true;
				continue;
			}
			r = rx_char_escape(rx, false);
			if (r < 0)
				return false;
			if (r == 0) {
				char tmp[8] = { c, '\0' };

				return rx_fail(rx, "invalid escape \\%s (ECMA-262 Unicode mode)", tmp);
			}
			rx->can_repeat = true;
			continue;
		}
		case '.':
			rx->p++;
			if (!rx_put(rx, "[^\\n\\r\\x{2028}\\x{2029}]"))
				return false;
			rx->can_repeat = true;
			continue;
		case '[':
			rx->p++;
			if (!rx_class(rx))
				return false;
			rx->can_repeat = true;
			continue;
		case '(':
			if (!rx_group_open(rx))
				return false;
			continue;
		case ')':
			if (rx->depth == 0)
				return rx_fail(rx, "a ) has no matching (");
			rx->depth--;
			rx->p++;
			if (!rx_put(rx, ")"))
				return false;
			rx->can_repeat = true;
			continue;
		case '*':
		case '+':
		case '?':
			if (!rx_quantifier(rx, 1))
				return false;
			continue;
		case '{':
			if (!rx_counted(rx, &len))
				return false;
			if (len) {
				if (!rx_quantifier(rx, len))
					return false;
				continue;
			}
			rx->p++; /* a brace that is not a count is literal (Annex B) */
			if (!rx_put(rx, "\\{"))
				return false;
			rx->can_repeat = true;
			continue;
		case '}':
		case ']':
			rx->p++;
			if (!rx_put(rx, c == '}' ? "\\}" : "\\]"))
				return false;
			rx->can_repeat = true;
			continue;
		case '|':
		case '^':
		case '$':
			rx->p++;
			if (!buf_putc(&rx->out, c))
				return rx_put(rx, NULL);
			rx->can_repeat = false;
			continue;
		default:
			/* A literal; PCRE2-only metacharacters ('#' only under
			 * PCRE2_EXTENDED) need no escape. */
			rx->p++;
			if (!buf_putc(&rx->out, c))
				return rx_put(rx, NULL);
			rx->can_repeat = true;
			continue;
		}
	}
	if (rx->depth)
		return rx_fail(rx, "a ( is never closed");
	return true;
}

void schema_regex_free(SchemaRegex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re);
}

SchemaRegex *schema_regex_compile(const char *pattern, char *msg, size_t msglen)
{
	SchemaRx rx = { .p = pattern, .out = BUF_INIT, .msg = msg, .msglen = msglen };
	SchemaRegex *re;
	int code;
	PCRE2_SIZE off;

	if (strlen(pattern) > SCHEMA_MAX_PATTERN) {
		snprintf(msg, msglen, "the pattern is longer than %d characters", SCHEMA_MAX_PATTERN);
		return NULL;
	}
	if (!rx_translate(&rx) || !rx_put(&rx, "")) {
		buf_clear(&rx.out);
		return NULL;
	}
	re = calloc(1, sizeof *re);
	if (!re) {
		buf_clear(&rx.out);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	re->code = pcre2_compile((PCRE2_SPTR)rx.out.data, rx.out.len,
				 PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C,
				 &code, &off, NULL);
	buf_clear(&rx.out);
	if (!re->code) {
		PCRE2_UCHAR why[256];

		pcre2_get_error_message(code, why, sizeof why);
		snprintf(msg, msglen, "%s", (const char *)why);
		free(re);
		return NULL;
	}
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	re->mctx = pcre2_match_context_create(NULL);
	if (!re->md || !re->mctx) {
		schema_regex_free(re);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	pcre2_set_match_limit(re->mctx, SCHEMA_RX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, SCHEMA_RX_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, SCHEMA_RX_HEAP_KIB);
	return re;
}

int schema_regex_match(const SchemaRegex *re, const char *text, size_t len)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, 0, 0, re->md, re->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1; /* a limit, or a subject that is not valid UTF-8 */
}
