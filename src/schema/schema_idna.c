/* Host names with IDNA2008 labels (RFC 5890-5893), for formats "hostname"
 * (A-labels, xn--..., are decoded and checked) and "idn-hostname"
 * (U-labels too), and the domain of "idn-email".
 *
 * What is checked: Punycode (RFC 3492) decodes, is canonical (re-encodes
 * to itself) and is not pure ASCII; labels are 1-63 octets in A-label form,
 * the name at most 253; no leading/trailing hyphen, no "--" in positions 3-4
 * of a U-label; no combining mark first; each code point is a letter, digit
 * or mark of the kinds IDNA2008 derives as PVALID (Ll Lo Lm Mn Mc Nd; the
 * RFC 5892 exceptions both ways), and the CONTEXTJ/CONTEXTO rules (ZWJ/ZWNJ
 * after a virama or between joining letters, MIDDLE DOT between l's,
 * KERAIA, GERESH/GERSHAYIM, KATAKANA MIDDLE DOT, the two Arabic-Indic digit
 * sets); the Bidi rule (RFC 5893) when any label is right-to-left.
 * Unicode properties come from PCRE2's tables (no locale, no extra
 * dependency). What is not: the NFKC stability part of the derivation
 * (a compatibility character such as a fullwidth letter passes). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"

#define IDNA_MAX_CPS 256

enum { GC_ENCLOSING = 1, GC_MARK, GC_LETTER_DIGIT, GC_OTHER };
enum { SC_GREEK = 1, SC_HEBREW, SC_KANA_HAN, SC_JOINING, SC_OTHER };
enum { BC_L = 1, BC_R, BC_AL, BC_AN, BC_EN, BC_ES, BC_CS, BC_ET, BC_ON, BC_BN, BC_NSM, BC_OTHER };

typedef struct Idna {
	pcre2_code *gc, *script, *bidi;
	pcre2_match_data *md;
} Idna;

static void idna_clear(Idna *x)
{
	pcre2_code_free(x->gc);
	pcre2_code_free(x->script);
	pcre2_code_free(x->bidi);
	pcre2_match_data_free(x->md);
}

static pcre2_code *idna_compile(const char *p)
{
	int code;
	PCRE2_SIZE off;

	return pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_ANCHORED, &code,
			     &off, NULL);
}

static bool idna_init(Idna *x)
{
	memset(x, 0, sizeof *x);
	x->gc = idna_compile("(\\p{Me})|(\\p{Mn}|\\p{Mc})|(\\p{Ll}|\\p{Lo}|\\p{Lm}|\\p{Nd})");
	x->script = idna_compile("(\\p{Greek})|(\\p{Hebrew})|(\\p{Hiragana}|\\p{Katakana}|\\p{Han})|"
				 "(\\p{Arabic}|\\p{Syriac}|\\p{Nko}|\\p{Mongolian})");
	x->bidi = idna_compile("(\\p{bc=L})|(\\p{bc=R})|(\\p{bc=AL})|(\\p{bc=AN})|(\\p{bc=EN})|"
			       "(\\p{bc=ES})|(\\p{bc=CS})|(\\p{bc=ET})|(\\p{bc=ON})|(\\p{bc=BN})|"
			       "(\\p{bc=NSM})");
	x->md = pcre2_match_data_create(16, NULL);
	if (!x->gc || !x->script || !x->bidi || !x->md) {
		idna_clear(x);
		return false;
	}
	return true;
}

static size_t idna_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Which alternative (1-based) of re the code point matches; other = none. */
static int idna_class(Idna *x, pcre2_code *re, uint32_t cp, int other)
{
	char buf[4];
	size_t n = idna_utf8(cp, buf);
	PCRE2_SIZE *ov;
	int rc = pcre2_match(re, (PCRE2_SPTR)buf, n, 0, 0, x->md, NULL);

	if (rc <= 1)
		return other;
	ov = pcre2_get_ovector_pointer(x->md);
	for (int g = 1; g < rc; g++)
		if (ov[2 * g] != PCRE2_UNSET)
			return g;
	return other;
}

/* Decodes UTF-8 [s, s+n) into cps; false on invalid UTF-8 or too long. */
static bool idna_decode_utf8(const char *s, size_t n, uint32_t *cps, size_t *count)
{
	size_t k = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

		if (!len || i + len > n || k == IDNA_MAX_CPS)
			return false;
		cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
		for (size_t j = 1; j < len; j++) {
			if (((unsigned char)s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		cps[k++] = cp;
		i += len;
	}
	*count = k;
	return true;
}

/* ------------------------------------------------------------ Punycode */

static uint32_t puny_adapt(uint32_t delta, uint32_t points, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / points;
	while (delta > ((36 - 1) * 26) / 2) {
		delta /= 36 - 1;
		k += 36;
	}
	return k + (36 * delta) / (delta + 38);
}

static bool puny_decode(const char *in, size_t len, uint32_t *out, size_t *count)
{
	uint32_t n = 128, i = 0, bias = 72;
	size_t b = 0, o = 0, p;

	for (size_t j = 0; j < len; j++)
		if (in[j] == '-')
			b = j;
	if (b > 0 || (len && in[0] == '-')) {
		for (size_t j = 0; j < b; j++) {
			if ((unsigned char)in[j] >= 0x80 || o == IDNA_MAX_CPS)
				return false;
			out[o++] = (unsigned char)in[j];
		}
		p = b + 1;
	} else {
		p = 0;
	}
	while (p < len) {
		uint32_t oldi = i, w = 1;

		for (uint32_t k = 36;; k += 36) {
			char c;
			uint32_t digit, t;

			if (p >= len)
				return false;
			c = in[p++];
			digit = c >= '0' && c <= '9' ? (uint32_t)(c - '0' + 26)
				: c >= 'a' && c <= 'z' ? (uint32_t)(c - 'a')
				: c >= 'A' && c <= 'Z' ? (uint32_t)(c - 'A') : 36;
			if (digit >= 36 || digit > (UINT32_MAX - i) / w)
				return false;
			i += digit * w;
			t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
			if (digit < t)
				break;
			if (w > UINT32_MAX / (36 - t))
				return false;
			w *= 36 - t;
		}
		if (o == IDNA_MAX_CPS)
			return false;
		bias = puny_adapt(i - oldi, (uint32_t)o + 1, oldi == 0);
		if (i / (o + 1) > UINT32_MAX - n)
			return false;
		n += i / (uint32_t)(o + 1);
		i %= (uint32_t)(o + 1);
		if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF))
			return false;
		memmove(out + i + 1, out + i, (o - i) * sizeof *out);
		out[i++] = n;
		o++;
	}
	*count = o;
	return true;
}

/* Encodes cps into out (lowercase); false when longer than cap. */
static bool puny_encode(const uint32_t *cps, size_t count, char *out, size_t cap, size_t *len)
{
	uint32_t n = 128, delta = 0, bias = 72;
	size_t h, b = 0, o = 0;

	for (size_t j = 0; j < count; j++) {
		if (cps[j] < 0x80) {
			if (o + 1 >= cap)
				return false;
			out[o++] = (char)cps[j];
			b++;
		}
	}
	h = b;
	if (b > 0) {
		if (o + 1 >= cap)
			return false;
		out[o++] = '-';
	}
	while (h < count) {
		uint32_t m = UINT32_MAX;

		for (size_t j = 0; j < count; j++)
			if (cps[j] >= n && cps[j] < m)
				m = cps[j];
		if ((uint64_t)(m - n) * (h + 1) > UINT32_MAX - delta)
			return false;
		delta += (m - n) * (uint32_t)(h + 1);
		n = m;
		for (size_t j = 0; j < count; j++) {
			if (cps[j] < n && ++delta == 0)
				return false;
			if (cps[j] == n) {
				uint32_t q = delta;

				for (uint32_t k = 36;; k += 36) {
					uint32_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias, d;

					if (q < t)
						break;
					d = t + (q - t) % (36 - t);
					if (o + 1 >= cap)
						return false;
					out[o++] = (char)(d < 26 ? 'a' + d : '0' + d - 26);
					q = (q - t) / (36 - t);
				}
				if (o + 1 >= cap)
					return false;
				out[o++] = (char)(q < 26 ? 'a' + q : '0' + q - 26);
				bias = puny_adapt(delta, (uint32_t)h + 1, h == b);
				delta = 0;
				h++;
			}
		}
		delta++;
		n++;
	}
	out[o] = '\0';
	*len = o;
	return true;
}

/* ------------------------------------------------------------ labels */

static bool idna_is_virama(uint32_t c)
{
	static const uint32_t v[] = {
		0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D3B, 0x0D3C,
		0x0D4D, 0x0DCA, 0x0E3A, 0x0EBA, 0x0F84, 0x1039, 0x103A, 0x1714, 0x1715, 0x1734,
		0x17D2, 0x1A60, 0x1B44, 0x1BAA, 0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F, 0xA806, 0xA82C,
		0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED, 0x10A3F, 0x11046, 0x11070, 0x1107F,
		0x110B9, 0x11133, 0x11134, 0x111C0, 0x11235, 0x112EA, 0x1134D, 0x11442, 0x114C2,
		0x115BF, 0x1163F, 0x116B6, 0x1172B, 0x11839, 0x1193D, 0x1193E, 0x119E0, 0x11A34,
		0x11A47, 0x11A99, 0x11C3F, 0x11D44, 0x11D45, 0x11D97,
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] == c)
			return true;
	return false;
}

/* Joining letters (approximated: the letters of the joining scripts) and
 * transparent marks, for the ZWNJ rule of RFC 5892 A.1. */
static bool idna_joining(Idna *x, uint32_t c)
{
	return idna_class(x, x->script, c, SC_OTHER) == SC_JOINING &&
	       idna_class(x, x->gc, c, GC_OTHER) == GC_LETTER_DIGIT;
}

static bool idna_transparent(Idna *x, uint32_t c)
{
	return idna_class(x, x->bidi, c, BC_OTHER) == BC_NSM;
}

/* The rules of one U-label (cps). */
static bool idna_ulabel(Idna *x, const uint32_t *c, size_t n)
{
	static const uint32_t pvalid_ex[] = { 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007 };
	static const uint32_t disallowed_ex[] = { 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032,
						  0x3033, 0x3034, 0x3035, 0x303B };
	bool arabic_indic = false, extended = false;

	if (!n || c[0] == '-' || c[n - 1] == '-' || (n >= 4 && c[2] == '-' && c[3] == '-'))
		return false;
	if (c[0] >= 0x80 && (idna_class(x, x->gc, c[0], GC_OTHER) == GC_MARK ||
			     idna_class(x, x->gc, c[0], GC_OTHER) == GC_ENCLOSING))
		return false; /* a combining mark first */
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = c[i];
		bool ok = false, listed = false;

		if (cp < 0x80) {
			if (!((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
			      cp == '-'))
				return false;
			continue;
		}
		for (size_t j = 0; j < sizeof pvalid_ex / sizeof pvalid_ex[0]; j++)
			if (pvalid_ex[j] == cp)
				ok = listed = true;
		for (size_t j = 0; j < sizeof disallowed_ex / sizeof disallowed_ex[0]; j++)
			if (disallowed_ex[j] == cp)
				return false;
		if (listed)
			continue;
		switch (cp) {
		case 0x00B7: /* MIDDLE DOT: between two l's */
			ok = i > 0 && i + 1 < n && c[i - 1] == 'l' && c[i + 1] == 'l';
			break;
		case 0x0375: /* GREEK KERAIA: before Greek */
			ok = i + 1 < n && idna_class(x, x->script, c[i + 1], SC_OTHER) == SC_GREEK;
			break;
		case 0x05F3:
		case 0x05F4: /* GERESH, GERSHAYIM: after Hebrew */
			ok = i > 0 && idna_class(x, x->script, c[i - 1], SC_OTHER) == SC_HEBREW;
			break;
		case 0x30FB: /* KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han */
			for (size_t j = 0; j < n && !ok; j++)
				ok = c[j] != 0x30FB && idna_class(x, x->script, c[j], SC_OTHER) == SC_KANA_HAN;
			break;
		case 0x200D: /* ZWJ */
			ok = i > 0 && idna_is_virama(c[i - 1]);
			break;
		case 0x200C: /* ZWNJ: after a virama, or between joining letters */
			if (i > 0 && idna_is_virama(c[i - 1])) {
				ok = true;
			} else {
				size_t l = i, r = i + 1;

				while (l > 0 && idna_transparent(x, c[l - 1]))
					l--;
				while (r < n && idna_transparent(x, c[r]))
					r++;
				ok = l > 0 && idna_joining(x, c[l - 1]) && r < n && idna_joining(x, c[r]);
			}
			break;
		default:
			if (cp >= 0x0660 && cp <= 0x0669)
				arabic_indic = true;
			if (cp >= 0x06F0 && cp <= 0x06F9)
				extended = true;
			ok = idna_class(x, x->gc, cp, GC_OTHER) == GC_MARK ||
			     idna_class(x, x->gc, cp, GC_OTHER) == GC_LETTER_DIGIT;
			break;
		}
		if (!ok)
			return false;
	}
	return !(arabic_indic && extended);
}

/* RFC 5893 for one label of a name that has a right-to-left label. */
static bool idna_bidi_label(Idna *x, const uint32_t *c, size_t n)
{
	int first = idna_class(x, x->bidi, c[0], BC_OTHER), last = BC_OTHER;
	bool rtl = first == BC_R || first == BC_AL, en = false, an = false;

	if (first != BC_L && !rtl)
		return false;
	for (size_t i = 0; i < n; i++) {
		int b = idna_class(x, x->bidi, c[i], BC_OTHER);

		if (rtl ? !(b == BC_R || b == BC_AL || b == BC_AN || b == BC_EN || b == BC_ES ||
			    b == BC_CS || b == BC_ET || b == BC_ON || b == BC_BN || b == BC_NSM)
			: !(b == BC_L || b == BC_EN || b == BC_ES || b == BC_CS || b == BC_ET ||
			    b == BC_ON || b == BC_BN || b == BC_NSM))
			return false;
		en |= b == BC_EN;
		an |= b == BC_AN;
		if (b != BC_NSM)
			last = b;
	}
	if (rtl)
		return (last == BC_R || last == BC_AL || last == BC_EN || last == BC_AN) && !(en && an);
	return last == BC_L || last == BC_EN;
}

/* A label separator at s (its length), 0 when none. */
static size_t idna_dot(const char *s, bool idn)
{
	if (*s == '.')
		return 1;
	if (!idn)
		return 0;
	if (!strncmp(s, "\xe3\x80\x82", 3) || !strncmp(s, "\xef\xbc\x8e", 3) ||
	    !strncmp(s, "\xef\xbd\xa1", 3))
		return 3; /* U+3002, U+FF0E, U+FF61 */
	return 0;
}

typedef struct IdnaLabel {
	uint32_t cps[IDNA_MAX_CPS];
	size_t n;
} IdnaLabel;

bool schema_idna_hostname(const char *s, bool idn)
{
	IdnaLabel *labels = NULL;
	size_t nl = 0, labels_cap = 0, total = 0;
	bool ok = true, any_rtl = false;
	Idna x;

	/* Without memory for the property tables the name cannot be shown
	 * valid: it is refused (formats have no error channel). */
	if (!*s || !idna_init(&x))
		return false;
	for (const char *p = s; ok;) {
		const char *e = p;
		size_t dl = 0, len;
		IdnaLabel *l;
		char enc[IDNA_MAX_CPS * 4 + 8];
		bool ascii = true;

		while (*e && !(dl = idna_dot(e, idn)))
			e++;
		len = (size_t)(e - p);
		if (!array_reserve(&labels, &labels_cap, nl, sizeof *labels) || !len ||
		    len > IDNA_MAX_CPS) {
			ok = false;
			break;
		}
		l = &labels[nl++];
		for (size_t i = 0; i < len; i++)
			ascii &= (unsigned char)p[i] < 0x80;
		if (!ascii && !idn) {
			ok = false;
		} else if (ascii && len >= 4 && (p[0] == 'x' || p[0] == 'X') && (p[1] == 'n' || p[1] == 'N') &&
			   p[2] == '-' && p[3] == '-') {
			/* An A-label: canonical Punycode of a real U-label. */
			size_t elen = 0;
			bool non_ascii = false;

			ok = len <= 63 && puny_decode(p + 4, len - 4, l->cps, &l->n) &&
			     puny_encode(l->cps, l->n, enc, sizeof enc, &elen) && elen == len - 4;
			for (size_t i = 0; ok && i < elen; i++) {
				char a = p[4 + i];

				ok = enc[i] == (a >= 'A' && a <= 'Z' ? (char)(a - 'A' + 'a') : a);
			}
			for (size_t i = 0; ok && i < l->n; i++)
				non_ascii |= l->cps[i] >= 0x80;
			ok = ok && non_ascii && idna_ulabel(&x, l->cps, l->n);
			total += len;
		} else if (ascii) {
			ok = len <= 63;
			for (size_t i = 0; ok && i < len; i++) {
				char c = p[i];

				ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				     c == '-';
				l->cps[i] = (unsigned char)c;
			}
			l->n = len;
			ok = ok && p[0] != '-' && p[len - 1] != '-' && !(len >= 4 && p[2] == '-' && p[3] == '-');
			total += len;
		} else {
			size_t elen = 0;

			ok = idna_decode_utf8(p, len, l->cps, &l->n) &&
			     puny_encode(l->cps, l->n, enc, sizeof enc, &elen) && elen + 4 <= 63 &&
			     idna_ulabel(&x, l->cps, l->n);
			total += elen + 4;
		}
		for (size_t i = 0; ok && i < l->n; i++) {
			int b = idna_class(&x, x.bidi, l->cps[i], BC_OTHER);

			any_rtl |= b == BC_R || b == BC_AL || b == BC_AN;
		}
		if (!*e)
			break;
		total++;
		p = e + dl;
		if (!*p)
			ok = false; /* a trailing dot */
	}
	ok = ok && total <= 253;
	for (size_t i = 0; ok && any_rtl && i < nl; i++)
		ok = idna_bidi_label(&x, labels[i].cps, labels[i].n);
	free(labels);
	idna_clear(&x);
	return ok;
}
