/* JSON Schema patterns are ECMA-262 regular expressions; we run them as
 * POSIX extended regexes (regcomp), translating what schemas commonly use:
 *
 *   \d \D \w \W \s \S      -> [0-9] [^0-9] [A-Za-z0-9_] ... [[:space:]]
 *   \t \n \r \f \v \uXXXX \xHH -> the character itself
 *   \. \/ \- ... (escaped punctuation) -> that character, literally
 *   [a-z\d_\-]             -> a POSIX bracket (where "\" is not an escape)
 *   (?:...) (?<name>...)   -> (...)
 *   *? +? ?? {n,m}?        -> the greedy form (same match/no-match answer)
 *
 * Lookaround, backreferences, \p{...} and the empty class [] have no POSIX
 * equivalent: such a pattern is a schema error, never a crash. Counted
 * repetition is limited (each count at most 1000, the expanded pattern at
 * most 4000 atoms) so a hostile schema cannot make regcomp build a huge
 * automaton. As in JSON Schema, a pattern is searched for anywhere in the
 * string unless anchored with ^ and $. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema_internal.h"

#define SCHEMA_RX_MAX_COUNT 1000
#define SCHEMA_RX_MAX_SIZE 4000
#define SCHEMA_RX_MAX_GROUPS 64

typedef struct SchemaRx {
	const char *p;   /* next input byte */
	Buf out;
	size_t size[SCHEMA_RX_MAX_GROUPS + 1]; /* expanded atoms per open group */
	size_t last;     /* expanded size of the last atom (for a quantifier) */
	bool can_repeat; /* the last thing was an atom a quantifier may follow */
	int depth;
	char *msg;
	size_t msglen;
	bool nomem;
} SchemaRx;

static bool schema_rx_fail(SchemaRx *rx, const char *why)
{
	snprintf(rx->msg, rx->msglen, "%s", why);
	return false;
}

static bool schema_rx_put(SchemaRx *rx, const char *s)
{
	if (!buf_puts(&rx->out, s)) {
		rx->nomem = true;
		return schema_rx_fail(rx, "out of memory");
	}
	return true;
}

static bool schema_rx_atom(SchemaRx *rx, size_t size)
{
	rx->last = size;
	rx->can_repeat = true;
	rx->size[rx->depth] += size;
	if (rx->size[rx->depth] > SCHEMA_RX_MAX_SIZE)
		return schema_rx_fail(rx, "the pattern is too large once its repetitions are expanded");
	return true;
}

static int schema_rx_hex(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		int c = (unsigned char)p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t schema_rx_utf8(unsigned cp, char out[5])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = 0;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		out[2] = 0;
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	out[3] = 0;
	return 3;
}

/* A character class member or escape: kind 'c' (one character, in ch),
 * or a class name ('d', 'w', 's'). rx->p is just past the backslash. */
static bool schema_rx_escape(SchemaRx *rx, char *kind, char ch[5])
{
	char e = *rx->p;
	int v;

	if (!e)
		return schema_rx_fail(rx, "the pattern ends with a lone backslash");
	rx->p++;
	*kind = 'c';
	switch (e) {
	case 'd': case 'w': case 's':
		*kind = e;
		return true;
	case 'D': case 'W': case 'S':
		*kind = e;
		return true;
	case 't': strcpy(ch, "\t"); return true;
	case 'n': strcpy(ch, "\n"); return true;
	case 'r': strcpy(ch, "\r"); return true;
	case 'f': strcpy(ch, "\f"); return true;
	case 'v': strcpy(ch, "\v"); return true;
	case 'u':
	case 'x': {
		int n = e == 'u' ? 4 : 2;

		if (strnlen(rx->p, (size_t)n) < (size_t)n || (v = schema_rx_hex(rx->p, n)) < 0)
			return schema_rx_fail(rx, e == 'u' ? "\\u must be followed by four hex digits"
							   : "\\x must be followed by two hex digits");
		if (v == 0)
			return schema_rx_fail(rx, "a NUL character cannot be matched");
		if (v >= 0xD800 && v <= 0xDFFF)
			return schema_rx_fail(rx, "surrogate escapes (\\uD800-\\uDFFF) are not supported");
		rx->p += n;
		schema_rx_utf8((unsigned)v, ch);
		return true;
	}
	default:
		break;
	}
	if (e >= '0' && e <= '9')
		return schema_rx_fail(rx, "backreferences and octal escapes are not supported");
	if (isalpha((unsigned char)e) || (unsigned char)e >= 0x80) {
		snprintf(rx->msg, rx->msglen, "the escape \\%c is not supported", e);
		return false;
	}
	ch[0] = e;
	ch[1] = 0;
	return true;
}

/* Appends ch as a literal outside a bracket. */
static bool schema_rx_literal(SchemaRx *rx, const char *ch)
{
	if (ch[1] == 0 && strchr(".[]()*+?{}|^$\\", ch[0])) {
		char esc[3] = { '\\', ch[0], 0 };

		/* "\}" and "\]" are not POSIX; a bracket is. */
		if (ch[0] == '}' || ch[0] == ']') {
			esc[0] = ch[0];
			esc[1] = 0;
			return schema_rx_put(rx, "[") && schema_rx_put(rx, esc) && schema_rx_put(rx, "]");
		}
		return schema_rx_put(rx, esc);
	}
	return schema_rx_put(rx, ch);
}

/* Reads one class member character (possibly multibyte) into ch; kind as
 * for schema_rx_escape. */
static bool schema_rx_class_char(SchemaRx *rx, char *kind, char ch[5])
{
	unsigned char c = (unsigned char)*rx->p;
	size_t n = 1;

	if (c == '\\') {
		rx->p++;
		if (*rx->p == 'b') { /* [\b] is a backspace in ECMA */
			rx->p++;
			*kind = 'c';
			strcpy(ch, "\b");
			return true;
		}
		return schema_rx_escape(rx, kind, ch);
	}
	if (c >= 0xC0) {
		while (n < 4 && ((unsigned char)rx->p[n] & 0xC0) == 0x80)
			n++;
	}
	memcpy(ch, rx->p, n);
	ch[n] = 0;
	rx->p += n;
	*kind = 'c';
	return true;
}

/* [...]: the members are sorted into a POSIX-safe order: "]" first, then
 * classes and ranges, plain characters, and "[", "^", "-" last. */
static bool schema_rx_bracket(SchemaRx *rx)
{
	Buf ranges = BUF_INIT, singles = BUF_INIT;
	bool negate = false, rbr = false, lbr = false, caret = false, hyphen = false, ok = true;
	bool space = false, any = false;

	rx->p++; /* '[' */
	if (*rx->p == '^') {
		negate = true;
		rx->p++;
	}
	if (*rx->p == ']')
		return schema_rx_fail(rx, "the empty class [] (or [^]) is not supported");
	buf_puts(&ranges, "");
	buf_puts(&singles, "");
	while (ok && *rx->p && *rx->p != ']') {
		char kind, lo[5], hi[5];

		ok = schema_rx_class_char(rx, &kind, lo);
		if (!ok)
			break;
		any = true;
		if (kind == 'D' || kind == 'W' || kind == 'S') {
			ok = schema_rx_fail(rx, "\\D, \\W and \\S inside [...] are not supported");
			break;
		}
		if (kind == 'd') {
			ok = buf_puts(&ranges, "0-9");
			continue;
		}
		if (kind == 'w') {
			ok = buf_puts(&ranges, "A-Za-z0-9_");
			continue;
		}
		if (kind == 's') {
			space = true;
			continue;
		}
		if (rx->p[0] == '-' && rx->p[1] && rx->p[1] != ']') {
			rx->p++;
			ok = schema_rx_class_char(rx, &kind, hi);
			if (!ok)
				break;
			if (kind != 'c') {
				ok = schema_rx_fail(rx, "a class such as \\d cannot end a range");
				break;
			}
			if (strpbrk(lo, "[]-^") || strpbrk(hi, "[]-^")) {
				ok = schema_rx_fail(rx, "a range may not start or end with [, ], - or ^");
				break;
			}
			if (strcmp(lo, hi) > 0 && lo[1] == 0 && hi[1] == 0) {
				ok = schema_rx_fail(rx, "a range is out of order");
				break;
			}
			ok = buf_puts(&ranges, lo) && buf_putc(&ranges, '-') && buf_puts(&ranges, hi);
			continue;
		}
		if (lo[1] == 0 && lo[0] == ']')
			rbr = true;
		else if (lo[1] == 0 && lo[0] == '[')
			lbr = true;
		else if (lo[1] == 0 && lo[0] == '^')
			caret = true;
		else if (lo[1] == 0 && lo[0] == '-')
			hyphen = true;
		else
			ok = buf_puts(&singles, lo);
	}
	if (ok && *rx->p != ']')
		ok = schema_rx_fail(rx, "a [ is never closed");
	if (ok && !any)
		ok = schema_rx_fail(rx, "the empty class [] is not supported");
	if (ok) {
		rx->p++;
		if (!negate && !rbr && !space && !ranges.len && !singles.len && !lbr && caret && !hyphen) {
			ok = schema_rx_put(rx, "\\^");
		} else {
			bool caret_first = !negate && !rbr && !space && !ranges.len && !singles.len && !lbr;

			ok = schema_rx_put(rx, negate ? "[^" : "[") && (!rbr || schema_rx_put(rx, "]")) &&
			     (!space || schema_rx_put(rx, "[:space:]")) &&
			     schema_rx_put(rx, ranges.data ? ranges.data : "") &&
			     schema_rx_put(rx, singles.data ? singles.data : "") &&
			     (!lbr || schema_rx_put(rx, "[")) &&
			     /* "[^-]" would negate: put the hyphen before a lone caret. */
			     (!(caret && caret_first) || schema_rx_put(rx, "-^")) &&
			     (!caret || caret_first || schema_rx_put(rx, "^")) &&
			     (!hyphen || (caret && caret_first) || schema_rx_put(rx, "-")) &&
			     schema_rx_put(rx, "]");
		}
	}
	if (ok)
		ok = schema_rx_atom(rx, 1);
	buf_free(&ranges);
	buf_free(&singles);
	return ok;
}

/* A quantifier needs something to repeat; "a++" or "(*)" is an error in
 * ECMA, and glibc would copy the operand for each stacked "+". */
static bool schema_rx_quantifier(SchemaRx *rx)
{
	if (!rx->can_repeat)
		return schema_rx_fail(rx, "nothing to repeat: a quantifier (*, +, ?, {n,m}) must "
					  "follow a character, a class or a group");
	rx->can_repeat = false;
	return true;
}

/* {n}, {n,}, {n,m}: returns false (not a quantifier) leaving rx->p alone. */
static bool schema_rx_count(const char *p, long *lo, long *hi, const char **end)
{
	char *e;

	if (*p != '{' || !isdigit((unsigned char)p[1]))
		return false;
	*lo = strtol(p + 1, &e, 10);
	*hi = *lo;
	if (*e == ',') {
		if (isdigit((unsigned char)e[1]))
			*hi = strtol(e + 1, &e, 10);
		else {
			*hi = -1;
			e++;
		}
	}
	if (*e != '}')
		return false;
	*end = e + 1;
	return true;
}

static bool schema_rx_translate(SchemaRx *rx)
{
	while (*rx->p) {
		char c = *rx->p;
		char kind, ch[5];
		long lo, hi;
		const char *end;

		switch (c) {
		case '\\':
			rx->p++;
			if (*rx->p == 'b' || *rx->p == 'B') {
				char esc[3] = { '\\', *rx->p, 0 };

				rx->p++;
				rx->can_repeat = false;
				if (!schema_rx_put(rx, esc))
					return false;
				continue; /* an assertion: nothing to repeat */
			}
			if (!schema_rx_escape(rx, &kind, ch))
				return false;
			if (!schema_rx_put(rx, kind == 'd' ? "[0-9]" : kind == 'D' ? "[^0-9]"
					      : kind == 'w' ? "[A-Za-z0-9_]" : kind == 'W' ? "[^A-Za-z0-9_]"
					      : kind == 's' ? "[[:space:]]" : kind == 'S' ? "[^[:space:]]" : "") ||
			    (kind == 'c' && !schema_rx_literal(rx, ch)) || !schema_rx_atom(rx, 1))
				return false;
			continue;
		case '[':
			if (!schema_rx_bracket(rx))
				return false;
			continue;
		case '(':
			rx->p++;
			if (rx->p[0] == '?') {
				if (rx->p[1] == ':') {
					rx->p += 2;
				} else if (rx->p[1] == '<' && rx->p[2] != '=' && rx->p[2] != '!') {
					const char *gt = strchr(rx->p, '>');

					if (!gt)
						return schema_rx_fail(rx, "a named group (?<name> is never closed");
					rx->p = gt + 1;
				} else {
					return schema_rx_fail(rx, "lookahead, lookbehind and inline flags "
								  "((?=, (?!, (?<=, (?i) are not supported");
				}
			}
			if (rx->depth >= SCHEMA_RX_MAX_GROUPS)
				return schema_rx_fail(rx, "groups are nested too deeply");
			rx->depth++;
			rx->size[rx->depth] = 0;
			rx->can_repeat = false;
			if (!schema_rx_put(rx, "("))
				return false;
			continue;
		case ')':
			rx->p++;
			if (rx->depth == 0)
				return schema_rx_fail(rx, "a ) has no matching (");
			rx->depth--;
			if (!schema_rx_put(rx, ")") || !schema_rx_atom(rx, rx->size[rx->depth + 1]))
				return false;
			continue;
		case '*': case '+': case '?':
			rx->p++;
			ch[0] = c;
			ch[1] = 0;
			if (!schema_rx_quantifier(rx) || !schema_rx_put(rx, ch))
				return false;
			if (c == '+') {
				/* regcomp expands x+ to x x*. */
				if (rx->last > SCHEMA_RX_MAX_SIZE)
					return schema_rx_fail(rx, "the pattern is too large once its "
								  "repetitions are expanded");
				rx->size[rx->depth] += rx->last;
				rx->last *= 2;
				if (rx->size[rx->depth] > SCHEMA_RX_MAX_SIZE)
					return schema_rx_fail(rx, "the pattern is too large once its "
								  "repetitions are expanded");
			}
			if (*rx->p == '?') /* lazy: same answer for match/no-match */
				rx->p++;
			continue;
		case '{':
			if (schema_rx_count(rx->p, &lo, &hi, &end)) {
				long mult;
				char q[64];

				/* strtol saturates at LONG_MAX: check before lo + 1. */
				if (lo > SCHEMA_RX_MAX_COUNT || hi > SCHEMA_RX_MAX_COUNT)
					return schema_rx_fail(rx, "a repetition count is larger than 1000");
				mult = hi < 0 ? lo + 1 : hi;
				if (hi >= 0 && hi < lo)
					return schema_rx_fail(rx, "a repetition {n,m} has m smaller than n");
				if (!schema_rx_quantifier(rx))
					return false;
				if (hi < 0)
					snprintf(q, sizeof q, "{%ld,}", lo);
				else if (hi == lo)
					snprintf(q, sizeof q, "{%ld}", lo);
				else
					snprintf(q, sizeof q, "{%ld,%ld}", lo, hi);
				rx->p = end;
				if (*rx->p == '?')
					rx->p++;
				if (!schema_rx_put(rx, q))
					return false;
				if (mult > 1) {
					if (rx->last > SCHEMA_RX_MAX_SIZE / (size_t)mult)
						return schema_rx_fail(rx, "the pattern is too large once its "
									  "repetitions are expanded");
					rx->size[rx->depth] += rx->last * (size_t)(mult - 1);
					rx->last *= (size_t)mult;
					if (rx->size[rx->depth] > SCHEMA_RX_MAX_SIZE)
						return schema_rx_fail(rx, "the pattern is too large once its "
									  "repetitions are expanded");
				}
				continue;
			}
			rx->p++;
			if (!schema_rx_put(rx, "\\{") || !schema_rx_atom(rx, 1))
				return false;
			continue;
		case '}':
		case ']':
			rx->p++;
			ch[0] = c;
			ch[1] = 0;
			if (!schema_rx_literal(rx, ch) || !schema_rx_atom(rx, 1))
				return false;
			continue;
		case '|':
			rx->p++;
			rx->last = 0;
			rx->can_repeat = false;
			if (!schema_rx_put(rx, "|"))
				return false;
			continue;
		default:
			rx->p++;
			ch[0] = c;
			ch[1] = 0;
			if (!schema_rx_put(rx, ch))
				return false;
			if (c == '^' || c == '$')
				rx->can_repeat = false;
			else if (!schema_rx_atom(rx, 1))
				return false;
			continue;
		}
	}
	if (rx->depth)
		return schema_rx_fail(rx, "a ( is never closed");
	return true;
}

bool schema_regex_compile(const char *pattern, regex_t *out, char *msg, size_t msglen)
{
	SchemaRx rx;
	int rc;

	memset(&rx, 0, sizeof rx);
	rx.p = pattern;
	rx.msg = msg;
	rx.msglen = msglen;
	if (strlen(pattern) > SCHEMA_MAX_PATTERN) {
		snprintf(msg, msglen, "the pattern is longer than %d characters", SCHEMA_MAX_PATTERN);
		return false;
	}
	if (!schema_rx_put(&rx, "") || !schema_rx_translate(&rx)) {
		buf_free(&rx.out);
		return false;
	}
	rc = regcomp(out, rx.out.data, REG_EXTENDED | REG_NOSUB);
	buf_free(&rx.out);
	if (rc != 0) {
		char why[256];

		regerror(rc, out, why, sizeof why);
		snprintf(msg, msglen, "%s", why);
		return false;
	}
	return true;
}

bool schema_regex_match(const regex_t *re, const char *text)
{
	return regexec(re, text, 0, NULL, 0) == 0;
}
