/* String formats envctl asserts, each by its RFC's grammar (ASCII only;
 * a non-ASCII digit is not a digit). Locale-free: no ctype.h.
 *
 *   date-time date time   RFC 3339 (leap seconds only at 23:59:60 UTC)
 *   duration              RFC 3339 Appendix A
 *   email                 RFC 5321 Mailbox (dot-string or quoted local
 *                         part, domain or [IPv4]/[IPv6:...] literal)
 *   hostname              RFC 1123 labels, at most 253 characters; an
 *                         A-label (xn--) must be valid IDNA2008
 *   idn-hostname idn-email  IDNA2008 labels (schema_idna.c)
 *   ipv4 ipv6             RFC 2673 dotted quad (no leading zeros), RFC 4291
 *   uri uri-reference     RFC 3986 (uri: absolute, and the network schemes
 *                         http(s), ws(s), ftp, ssh, git need a host)
 *   iri iri-reference     RFC 3987 (uri plus non-ASCII characters)
 *   uuid                  RFC 4122 8-4-4-4-12 hex
 *   json-pointer relative-json-pointer  RFC 6901, draft-handrews
 *   regex                 ECMA-262, as the pattern keyword compiles it
 *   uri-template          RFC 6570 expression braces
 *
 * Anything else (secret-ref, textarea, unknown names) is an annotation:
 * it passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"

static bool fm_digit(char c) { return c >= '0' && c <= '9'; }
static bool fm_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool fm_hex(char c) { return fm_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* n digits at s -> *v. */
static bool fm_num(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!fm_digit(s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* ------------------------------------------------------------ dates */

static bool fm_full_date(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, max;

	if (strlen(s) < 10 || !fm_num(s, 4, &y) || s[4] != '-' || !fm_num(s + 5, 2, &m) ||
	    s[7] != '-' || !fm_num(s + 8, 2, &d))
		return false;
	if (m < 1 || m > 12 || d < 1)
		return false;
	max = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

/* full-time of RFC 3339 (s is exactly that). */
static bool fm_full_time(const char *s)
{
	int h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p = s + 8;

	if (!fm_num(s, 2, &h) || s[2] != ':' || !fm_num(s + 3, 2, &mi) || s[5] != ':' ||
	    !fm_num(s + 6, 2, &sec))
		return false;
	if (*p == '.') {
		const char *q = ++p;

		while (fm_digit(*p))
			p++;
		if (p == q)
			return false;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (!fm_num(p + 1, 2, &oh) || p[3] != ':' || !fm_num(p + 4, 2, &om))
			return false;
		if (oh > 23 || om > 59)
			return false;
		p += 6;
	} else {
		return false;
	}
	if (*p || h > 23 || mi > 59 || sec > 60)
		return false;
	if (sec == 60) { /* a leap second is 23:59:60 in UTC */
		int utc = (h * 60 + mi - sign * (oh * 60 + om)) % 1440;

		if (utc < 0)
			utc += 1440;
		return utc == 23 * 60 + 59;
	}
	return true;
}

static bool fm_date_time(const char *s)
{
	return strlen(s) > 11 && fm_full_date(s) && (s[10] == 'T' || s[10] == 't') &&
	       fm_full_time(s + 11);
}

static bool fm_date(const char *s)
{
	return strlen(s) == 10 && fm_full_date(s);
}

/* P[nY][nM][nD][T[nH][nM][nS]] or PnW, with at least one element; the
 * grammar chains the elements (Y is followed by nothing or M, M by nothing
 * or D), so none may be skipped between two that are present. */
static bool fm_duration(const char *s)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	const char *p = s;
	bool any = false;
	int next = 0;

	if (*p++ != 'P' || !*p)
		return false;
	if (fm_digit(*p)) {
		const char *q = p;

		while (fm_digit(*q))
			q++;
		if (*q == 'W')
			return q[1] == '\0';
	}
	while (fm_digit(*p)) {
		const char *u;

		while (fm_digit(*p))
			p++;
		u = strchr(date_units + next, *p);
		if (!*p || !u || (next && u != date_units + next))
			return false;
		next = (int)(u - date_units) + 1;
		p++;
		any = true;
	}
	if (*p == 'T') {
		bool t_any = false;

		p++;
		next = 0;
		while (fm_digit(*p)) {
			const char *u;

			while (fm_digit(*p))
				p++;
			u = strchr(time_units + next, *p);
			if (!*p || !u || (next && u != time_units + next))
				return false;
			next = (int)(u - time_units) + 1;
			p++;
			t_any = true;
		}
		if (!t_any)
			return false;
		any = true;
	}
	return any && !*p;
}

/* ------------------------------------------------------------ network */

static bool fm_ipv4_n(const char *s, size_t n)
{
	int parts = 0;
	size_t i = 0;

	while (i < n) {
		int v = 0, digits = 0;

		while (i < n && fm_digit(s[i])) {
			v = v * 10 + (s[i] - '0');
			if (++digits > 3)
				return false;
			i++;
		}
		if (!digits || v > 255 || (digits > 1 && s[i - digits] == '0'))
			return false;
		parts++;
		if (i < n) {
			if (s[i] != '.' || parts == 4)
				return false;
			i++;
			if (i == n)
				return false;
		}
	}
	return parts == 4;
}

static bool fm_ipv4(const char *s)
{
	return fm_ipv4_n(s, strlen(s));
}

static bool fm_ipv6_n(const char *s, size_t n)
{
	int groups = 0;
	bool gap = false;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
		if (i == n)
			return true;
	} else if (n && s[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t j = i;

		while (j < n && fm_hex(s[j]) && j - i < 5)
			j++;
		if (j < n && s[j] == '.') { /* a trailing dotted quad counts as two groups */
			if (!fm_ipv4_n(s + i, n - i))
				return false;
			groups += 2;
			i = n;
			break;
		}
		if (j == i || j - i > 4)
			return false;
		groups++;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (gap)
				return false;
			gap = true;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return false; /* a single trailing colon */
		}
	}
	return gap ? groups < 8 : groups == 8;
}

static bool fm_ipv6(const char *s)
{
	return fm_ipv6_n(s, strlen(s));
}

static bool fm_hostname_n(const char *s, size_t n)
{
	size_t label = 0;

	if (!n || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!fm_alpha(c) && !fm_digit(c) && c != '-')
			return false;
		if (!label && c == '-')
			return false;
		if (++label > 63)
			return false;
	}
	/* "xn--" A-labels must at least carry something after the prefix,
	 * and "--" in positions 3-4 is reserved for them. */
	for (size_t i = 0; i < n; ) {
		size_t j = i;

		while (j < n && s[j] != '.')
			j++;
		if (j - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-' &&
		    !((s[i] == 'x' || s[i] == 'X') && (s[i + 1] == 'n' || s[i + 1] == 'N')))
			return false;
		i = j + 1;
	}
	return true;
}

static bool fm_hostname(const char *s)
{
	if (!fm_hostname_n(s, strlen(s)))
		return false;
	/* Only an A-label needs the IDNA machinery (and its PCRE2 tables). */
	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == '.') && (p[0] | 0x20) == 'x' && (p[1] | 0x20) == 'n' &&
		    p[2] == '-' && p[3] == '-')
			return schema_idna_hostname(s, false);
	return true;
}

static bool fm_idn_hostname(const char *s)
{
	return schema_idna_hostname(s, true);
}

static bool fm_atext(char c)
{
	return fm_alpha(c) || fm_digit(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool fm_email_like(const char *s, bool idn)
{
	const char *at, *p = s, *d;
	size_t dn;

	if (*p == '"') { /* quoted local part */
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\') {
				p++;
				if (!*p || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
					return false;
			} else if ((unsigned char)*p < 0x20 || ((unsigned char)*p > 0x7e && !idn)) {
				return false;
			}
		}
		if (*p != '"' || p[1] != '@')
			return false;
		at = p + 1;
	} else {
		bool dot = true; /* no leading dot */

		for (; *p && *p != '@'; p++) {
			if (*p == '.') {
				if (dot)
					return false;
				dot = true;
			} else if (fm_atext(*p) || (idn && (unsigned char)*p >= 0x80)) {
				dot = false;
			} else {
				return false;
			}
		}
		if (*p != '@' || dot)
			return false;
		at = p;
	}
	d = at + 1;
	dn = strlen(d);
	if (dn > 2 && d[0] == '[' && d[dn - 1] == ']') {
		if (dn > 7 && !strncmp(d + 1, "IPv6:", 5))
			return fm_ipv6_n(d + 6, dn - 7);
		return fm_ipv4_n(d + 1, dn - 2);
	}
	return idn ? schema_idna_hostname(d, true) : fm_hostname_n(d, dn);
}

static bool fm_email(const char *s) { return fm_email_like(s, false); }
static bool fm_idn_email(const char *s) { return fm_email_like(s, true); }

static bool fm_uuid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	const char *p = s;

	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++)
			if (!fm_hex(*p++))
				return false;
		if (g < 4 && *p++ != '-')
			return false;
	}
	return *p == '\0';
}

/* ------------------------------------------------------------ URIs */

static bool fm_unreserved(char c)
{
	return fm_alpha(c) || fm_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static bool fm_subdelim(char c)
{
	return c && strchr("!$&'()*+,;=", c);
}

/* Characters of a component: unreserved, sub-delims, pct-encoded, the
 * extra set, and (for IRIs) any non-ASCII byte. Advances *p to the first
 * character that is not one. */
static bool fm_chars(const char **p, const char *extra, bool iri)
{
	const char *s = *p;

	for (;;) {
		char c = *s;

		if (c == '%') {
			if (!fm_hex(s[1]) || !fm_hex(s[2]))
				return false;
			s += 3;
		} else if (fm_unreserved(c) || fm_subdelim(c) || (c && strchr(extra, c)) ||
			   (iri && (unsigned char)c >= 0x80)) {
			s++;
		} else {
			break;
		}
	}
	*p = s;
	return true;
}

/* hier-part / relative-part, query and fragment after the scheme (or from
 * the start for a relative reference). need_host: "//" and a host. */
static bool fm_uri_rest(const char *p, bool iri, bool need_host)
{
	if (p[0] == '/' && p[1] == '/') {
		const char *auth = p + 2, *host, *at, *end;

		end = auth;
		while (*end && *end != '/' && *end != '?' && *end != '#')
			end++;
		at = NULL;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		host = auth;
		if (at) {
			const char *u = auth;

			if (!fm_chars(&u, ":", iri) || u != at)
				return false;
			host = at + 1;
		}
		if (*host == '[') {
			const char *close = memchr(host, ']', (size_t)(end - host));

			if (!close)
				return false;
			if (host[1] == 'v' || host[1] == 'V') { /* IPvFuture */
				const char *q = host + 2, *r;

				while (fm_hex(*q))
					q++;
				if (q == host + 2 || *q != '.')
					return false;
				r = ++q;
				while (q < close && (fm_unreserved(*q) || fm_subdelim(*q) || *q == ':'))
					q++;
				if (q != close || q == r)
					return false;
			} else if (!fm_ipv6_n(host + 1, (size_t)(close - host - 1))) {
				return false;
			}
			p = close + 1;
		} else {
			const char *q = host;

			if (!fm_chars(&q, "", iri))
				return false;
			if (need_host && q == host)
				return false;
			p = q;
		}
		if (*p == ':') {
			p++;
			while (fm_digit(*p))
				p++;
		}
		if (p != end)
			return false;
		if (!fm_chars(&p, ":@/", iri))
			return false;
	} else {
		if (need_host)
			return false;
		if (!fm_chars(&p, ":@/", iri))
			return false;
	}
	if (*p == '?') {
		p++;
		if (!fm_chars(&p, ":@/?", iri))
			return false;
	}
	if (*p == '#') {
		p++;
		if (!fm_chars(&p, ":@/?", iri))
			return false;
	}
	return *p == '\0';
}

/* The scheme's length, 0 when s does not start with "scheme:". */
static size_t fm_scheme(const char *s)
{
	const char *p = s;

	if (!fm_alpha(*p))
		return 0;
	while (fm_alpha(*p) || fm_digit(*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':' ? (size_t)(p - s) : 0;
}

static bool fm_uri_like(const char *s, bool iri, bool relative_ok)
{
	static const char *const net[] = { "http", "https", "ws", "wss", "ftp", "ssh", "git" };
	size_t n = fm_scheme(s);
	bool need_host = false;

	if (!n) {
		/* A relative reference must not look like a scheme. */
		const char *colon = strchr(s, ':'), *slash = strchr(s, '/');

		if (!relative_ok || (colon && (!slash || colon < slash)))
			return false;
		return fm_uri_rest(s, iri, false);
	}
	for (size_t i = 0; i < sizeof net / sizeof net[0]; i++)
		if (strlen(net[i]) == n && !strncmp(s, net[i], n))
			need_host = true;
	/* "x:" is an RFC 3986 URI, but never what an operator meant. */
	return s[n + 1] != '\0' && fm_uri_rest(s + n + 1, iri, need_host);
}

/* ------------------------------------------------------------ pointers */

static bool fm_json_pointer(const char *s)
{
	if (!*s)
		return true;
	if (*s != '/')
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}

static bool fm_relative_json_pointer(const char *s)
{
	const char *p = s;

	if (!fm_digit(*p))
		return false;
	if (*p == '0' && fm_digit(p[1]))
		return false;
	while (fm_digit(*p))
		p++;
	if (*p == '#')
		return p[1] == '\0';
	return fm_json_pointer(p);
}

/* RFC 6570: literals, and expressions "{" [operator] varspec *("," varspec) "}"
 * with varspec = varname [":" max-length | "*"]. */
static bool fm_uri_template(const char *s)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '%') {
			if (!fm_hex(p[1]) || !fm_hex(p[2]))
				return false;
			p += 2;
			continue;
		}
		if (c != '{') {
			if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`|}", c))
				return false;
			continue;
		}
		p++;
		if (*p && strchr("+#./;?&=,!@|", *p))
			p++;
		for (;;) { /* one varspec */
			const char *name = p;

			while (fm_alpha(*p) || fm_digit(*p) || *p == '_' || *p == '%' ||
			       (*p == '.' && p > name && p[1] != '.' && p[1] != '}' && p[1] != ',')) {
				if (*p == '%') {
					if (!fm_hex(p[1]) || !fm_hex(p[2]))
						return false;
					p += 2;
				}
				p++;
			}
			if (p == name)
				return false;
			if (*p == ':') {
				const char *d = ++p;

				if (*p < '1' || *p > '9')
					return false;
				while (fm_digit(*p))
					p++;
				if (p - d > 4)
					return false;
			} else if (*p == '*') {
				p++;
			}
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p != '}')
				return false;
			break;
		}
	}
	return true;
}

static bool fm_regex(const char *s)
{
	char msg[256];
	SchemaRegex *re = schema_regex_compile(s, msg, sizeof msg);

	schema_regex_free(re);
	return re != NULL;
}

/* ------------------------------------------------------------ table */

typedef struct SchemaFormat {
	const char *name;
	bool (*valid)(const char *s);
	const char *message;
} SchemaFormat;

static bool fm_uri(const char *s) { return fm_uri_like(s, false, false); }
static bool fm_uri_ref(const char *s) { return fm_uri_like(s, false, true); }
static bool fm_iri(const char *s) { return fm_uri_like(s, true, false); }
static bool fm_iri_ref(const char *s) { return fm_uri_like(s, true, true); }
static bool fm_time(const char *s) { return fm_full_time(s); }

static const SchemaFormat schema_formats[] = {
	{ "uri", fm_uri, "must be a URI such as https://example.com/path" },
	{ "uri-reference", fm_uri_ref, "must be a URI or a relative reference such as /path" },
	{ "iri", fm_iri, "must be an IRI such as https://example.com/path" },
	{ "iri-reference", fm_iri_ref, "must be an IRI or a relative reference such as /path" },
	{ "email", fm_email, "must be an email address such as ops@example.com" },
	{ "date-time", fm_date_time, "must be a date and time such as 2024-05-01T12:00:00Z" },
	{ "date", fm_date, "must be a date such as 2024-05-01" },
	{ "time", fm_time, "must be a time with an offset such as 12:00:00Z" },
	{ "duration", fm_duration, "must be an ISO 8601 duration such as P1DT2H or PT30S" },
	{ "uuid", fm_uuid, "must be a UUID such as 123e4567-e89b-12d3-a456-426614174000" },
	{ "hostname", fm_hostname, "must be a host name such as api.example.com" },
	{ "idn-hostname", fm_idn_hostname, "must be a host name such as xn--bcher-kva.example" },
	{ "idn-email", fm_idn_email, "must be an email address such as ops@example.com" },
	{ "ipv4", fm_ipv4, "must be an IPv4 address such as 192.0.2.1" },
	{ "ipv6", fm_ipv6, "must be an IPv6 address such as 2001:db8::1" },
	{ "json-pointer", fm_json_pointer, "must be a JSON Pointer such as /a/b" },
	{ "relative-json-pointer", fm_relative_json_pointer,
	  "must be a relative JSON Pointer such as 1/a" },
	{ "regex", fm_regex, "must be a valid regular expression (ECMA-262)" },
	{ "uri-template", fm_uri_template, "must be a URI template such as /users/{id}" },
};

static const SchemaFormat *schema_format_find(const char *name)
{
	for (size_t i = 0; i < sizeof schema_formats / sizeof schema_formats[0]; i++)
		if (schema_formats[i].name[0] == name[0] && !strcmp(schema_formats[i].name, name))
			return &schema_formats[i];
	return NULL;
}

bool schema_format_valid(const char *format, const char *s, bool *known)
{
	const SchemaFormat *f = schema_format_find(format);

	*known = f != NULL;
	return !f || f->valid(s);
}

const char *schema_format_message(const char *format)
{
	const SchemaFormat *f = schema_format_find(format);

	return f ? f->message : "must match its format";
}
