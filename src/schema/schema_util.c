/* Small pieces the schema modules share: an address map, type names,
 * number formatting and decimal multipleOf, issue and finding lists. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"
#include "util/lib.h"

/* ------------------------------------------------------------ map */

static size_t schema_map_slot(const void *key, size_t cap)
{
	uintptr_t h = (uintptr_t)key;

	/* Fibonacci hashing spreads aligned addresses over the table. */
	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (cap - 1);
}

static bool schema_map_grow(SchemaMap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	const void **keys = calloc(cap, sizeof *keys);
	void **vals = calloc(cap, sizeof *vals);

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		for (j = schema_map_slot(m->keys[i], cap); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return true;
}

bool schema_map_put(SchemaMap *m, const void *key, void *val)
{
	size_t j;

	if (!key)
		return false;
	if ((m->count + 1) * 2 > m->cap && !schema_map_grow(m))
		return false;
	for (j = schema_map_slot(key, m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		if (m->keys[j] == key) {
			m->vals[j] = val;
			return true;
		}
	}
	m->keys[j] = key;
	m->vals[j] = val;
	m->count++;
	return true;
}

void *schema_map_get(const SchemaMap *m, const void *key, bool *found)
{
	if (found)
		*found = false;
	if (!m->cap || !key)
		return NULL;
	for (size_t j = schema_map_slot(key, m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		if (m->keys[j] == key) {
			if (found)
				*found = true;
			return m->vals[j];
		}
	}
	return NULL;
}

void schema_map_clear(SchemaMap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

int schema_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ------------------------------------------------------------ types */

static const char *const schema_type_names[] = {
	[SCHEMA_ANY] = "any",         [SCHEMA_STRING] = "string",   [SCHEMA_NUMBER] = "number",
	[SCHEMA_INTEGER] = "integer", [SCHEMA_BOOLEAN] = "boolean", [SCHEMA_OBJECT] = "object",
	[SCHEMA_ARRAY] = "array",     [SCHEMA_NULL] = "null",
};

SchemaType schema_type_from_name(const char *name, bool *known)
{
	if (known)
		*known = false;
	if (!name)
		return SCHEMA_ANY;
	for (size_t i = SCHEMA_STRING; i <= SCHEMA_NULL; i++) {
		if (strcmp(name, schema_type_names[i]) == 0) {
			if (known)
				*known = true;
			return (SchemaType)i;
		}
	}
	return SCHEMA_ANY;
}

SchemaType schema_node_type(const cJSON *node, bool *nullable)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type");
	const cJSON *m;
	SchemaType first = SCHEMA_ANY;
	bool null_seen = false, have = false;

	if (nullable)
		*nullable = false;
	if (cJSON_IsString(type)) {
		SchemaType t = schema_type_from_name(type->valuestring, NULL);

		if (nullable)
			*nullable = t == SCHEMA_NULL;
		return t;
	}
	if (!cJSON_IsArray(type))
		return SCHEMA_ANY;
	cJSON_ArrayForEach(m, type) {
		SchemaType t;

		if (!cJSON_IsString(m))
			continue;
		t = schema_type_from_name(m->valuestring, NULL);
		if (t == SCHEMA_NULL) {
			null_seen = true;
		} else if (!have) {
			first = t;
			have = true;
		}
	}
	if (nullable)
		*nullable = null_seen;
	/* ["null"] alone is the null type. */
	return have ? first : null_seen ? SCHEMA_NULL : SCHEMA_ANY;
}

bool schema_value_is_integer(const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return false;
	d = v->valuedouble;
	/* Any whole number, however large (1e308, a bignum), as ajv and the
	 * suite have it: JSON has no integer width, and refusing what the
	 * plugin's own ajv accepts would block a valid config. Code reading
	 * a config value as a C integer must range-check it. */
	return isfinite(d) && d == floor(d);
}

bool schema_value_has_type(const cJSON *v, SchemaType t)
{
	switch (t) {
	case SCHEMA_ANY: return true;
	case SCHEMA_STRING: return cJSON_IsString(v);
	case SCHEMA_NUMBER: return cJSON_IsNumber(v) && isfinite(v->valuedouble);
	case SCHEMA_INTEGER: return schema_value_is_integer(v);
	case SCHEMA_BOOLEAN: return cJSON_IsBool(v);
	case SCHEMA_OBJECT: return cJSON_IsObject(v);
	case SCHEMA_ARRAY: return cJSON_IsArray(v);
	case SCHEMA_NULL: return cJSON_IsNull(v);
	}
	return false;
}

const char *schema_node_format(const cJSON *node)
{
	return json_get_string(node, "format");
}

/* ------------------------------------------------------------ text */

char *schema_title_case(const char *key)
{
	Buf b = BUF_INIT;
	bool word_start = true;
	size_t n = strlen(key);

	if (!buf_puts(&b, ""))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];
		unsigned char prev = i ? (unsigned char)key[i - 1] : 0;
		unsigned char next = (unsigned char)key[i + 1];
		bool ok = true;

		if (c == '_' || c == '-' || c == '.' || c == ' ') {
			word_start = true;
			continue;
		}
		/* camelCase and ACRONYMWord boundaries: "apiKey", "URLPath". */
		if (i && isupper(c) &&
		    (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next))))
			word_start = true;
		if (word_start && b.len)
			ok = buf_putc(&b, ' ');
		if (ok)
			ok = buf_putc(&b, (char)(word_start ? toupper(c) : c));
		word_start = false;
		if (!ok) {
			buf_clear(&b);
			return NULL;
		}
	}
	return buf_take(&b);
}

void schema_format_number(double d, char *out, size_t n)
{
	if (!isfinite(d)) {
		snprintf(out, n, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(out, n, "%.0f", d);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

bool schema_render_value(Buf *b, const cJSON *v)
{
	char num[64];
	char *text;
	bool ok;

	if (cJSON_IsString(v))
		return buf_puts(b, v->valuestring);
	if (cJSON_IsNumber(v)) {
		schema_format_number(v->valuedouble, num, sizeof num);
		return buf_puts(b, num);
	}
	text = cJSON_PrintUnformatted(v);
	if (!text)
		return false;
	ok = buf_puts(b, text);
	free(text);
	return ok;
}

size_t schema_utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* ------------------------------------------------------------ multipleOf */

__extension__ typedef unsigned __int128 SchemaU128;

/* The shortest decimal that reads back as d: d == digits * 10^exp, with
 * digits < 10^17 and no trailing zeros. */
static void schema_decimal(double d, uint64_t *digits, int *exp)
{
	char buf[64];
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec > 17)
		prec = 17;
	snprintf(buf, sizeof buf, "%.*e", prec - 1, fabs(d));
	{
		uint64_t m = 0;
		int nd = 0, e;
		char *p = buf;

		for (; *p && *p != 'e'; p++) {
			if (isdigit((unsigned char)*p)) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd++;
			}
		}
		e = *p == 'e' ? atoi(p + 1) : 0;
		e -= nd - 1;
		while (m && m % 10 == 0) {
			m /= 10;
			e++;
		}
		*digits = m;
		*exp = m ? e : 0;
	}
}

/* base^k mod m without overflow. */
static uint64_t schema_powmod10(int k, uint64_t m)
{
	SchemaU128 r = 1 % m;

	for (int i = 0; i < k; i++)
		r = (r * 10) % m;
	return (uint64_t)r;
}

bool schema_is_multiple_of(double value, double m)
{
	uint64_t a, b;
	int p, q;

	if (!isfinite(value) || !isfinite(m) || m <= 0)
		return false;
	if (value == 0)
		return true;
	/* Fast and exact where binary and decimal agree: whole numbers below
	 * 2^53 with a whole m, and modest values with m a power of two no
	 * smaller than 1/256 (0.5, 0.25: their decimal texts are exact). */
	if (fabs(value) < 9007199254740992.0 && value == floor(value) && m == floor(m))
		return fmod(value, m) == 0;
	{
		int e;
		double f = frexp(m, &e);

		if (f == 0.5 && e >= -7 && fabs(value) < 1099511627776.0)
			return fmod(value, m) == 0;
	}
	/* value = a * 10^p and m = b * 10^q, exactly as an operator reads
	 * them. value/m is whole iff a*10^(p-e) is divisible by b*10^(q-e),
	 * e = min(p, q); one of the two powers is 10^0. */
	schema_decimal(value, &a, &p);
	schema_decimal(m, &b, &q);
	if (b == 0)
		return false;
	if (p >= q) {
		SchemaU128 r = ((SchemaU128)(a % b) * schema_powmod10(p - q, b)) % b;

		return r == 0;
	}
	/* m has the larger exponent: b * 10^(q-p) must divide a (< 10^17). */
	if (q - p > 17)
		return false;
	{
		SchemaU128 big = b;

		for (int i = 0; i < q - p; i++)
			big *= 10;
		return (SchemaU128)a % big == 0;
	}
}

/* ------------------------------------------------------------ issues */

bool schema_issues_add(SchemaIssues *list, const char *pointer, const char *message)
{
	SchemaIssue *it;

	/* Past the cap one last issue says more were found; the rest are
	 * dropped (nobody reads 100000 lines, and the duplicate check below
	 * stays cheap). */
	if (list->count > SCHEMA_MAX_ISSUES)
		return true;
	if (list->count == SCHEMA_MAX_ISSUES) {
		pointer = "";
		message = "more problems were found; only the first 1000 are listed";
	}
	/* allOf [A, A] and overlapping branches repeat findings: keep one. */
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].pointer, pointer) == 0 &&
		    strcmp(list->items[i].message, message) == 0)
			return true;
	if (!array_reserve(&list->items, &list->cap, list->count, sizeof *list->items))
		return false;
	it = &list->items[list->count];
	it->pointer = strdup(pointer);
	it->message = strdup(message);
	if (!it->pointer || !it->message) {
		free(it->pointer);
		free(it->message);
		return false;
	}
	list->count++;
	return true;
}

bool schema_issues_move(SchemaIssues *dst, SchemaIssues *src)
{
	bool ok = true;

	for (size_t i = 0; i < src->count && ok; i++)
		ok = schema_issues_add(dst, src->items[i].pointer, src->items[i].message);
	schema_issues_clear(src);
	return ok;
}

void schema_issues_clear(SchemaIssues *issues)
{
	if (!issues)
		return;
	for (size_t i = 0; i < issues->count; i++) {
		free(issues->items[i].pointer);
		free(issues->items[i].message);
	}
	free(issues->items);
	memset(issues, 0, sizeof *issues);
}

char *schema_issues_join(const SchemaIssues *issues, const char *sep)
{
	Buf b = BUF_INIT;
	bool ok = buf_puts(&b, "");

	for (size_t i = 0; ok && issues && i < issues->count; i++) {
		const SchemaIssue *it = &issues->items[i];

		if (i)
			ok = buf_puts(&b, sep ? sep : "; ");
		if (ok)
			ok = buf_printf(&b, "%s: %s", it->pointer[0] ? it->pointer : "(root)",
					it->message);
	}
	if (!ok) {
		buf_clear(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* ------------------------------------------------------------ lint */

bool schema_lint_add(LintReport *r, LintLevel level, const char *prefix, const char *pointer,
		     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	LintFinding *f;
	size_t plen = prefix ? strlen(prefix) : 0, qlen = pointer ? strlen(pointer) : 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Past the cap findings are counted (the exit code must stay right)
	 * but not listed; one uncounted note says so. */
	if (r->count >= SCHEMA_MAX_FINDINGS) {
		if (level == LINT_ERROR)
			r->errors++;
		else
			r->warnings++;
		if (r->count > SCHEMA_MAX_FINDINGS)
			return true;
		level = LINT_WARNING;
		prefix = "";
		pointer = "";
		plen = qlen = 0;
		snprintf(msg, sizeof msg, "more findings were left out; only the first %d are listed",
			 SCHEMA_MAX_FINDINGS);
	}
	for (size_t i = 0; i < r->count; i++) {
		f = &r->items[i];
		if (f->level == level && strlen(f->pointer) == plen + qlen &&
		    strncmp(f->pointer, prefix ? prefix : "", plen) == 0 &&
		    strcmp(f->pointer + plen, pointer ? pointer : "") == 0 &&
		    strcmp(f->message, msg) == 0)
			return true;
	}
	if (!array_reserve(&r->items, &r->cap, r->count, sizeof *r->items))
		return false;
	f = &r->items[r->count];
	f->level = level;
	f->pointer = malloc(plen + qlen + 1);
	f->message = strdup(msg);
	if (!f->pointer || !f->message) {
		free(f->pointer);
		free(f->message);
		return false;
	}
	memcpy(f->pointer, prefix ? prefix : "", plen);
	memcpy(f->pointer + plen, pointer ? pointer : "", qlen + 1);
	if (r->count++ < SCHEMA_MAX_FINDINGS) {
		if (level == LINT_ERROR)
			r->errors++;
		else
			r->warnings++;
	}
	return true;
}

void lint_report_clear(LintReport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++) {
		free(r->items[i].pointer);
		free(r->items[i].message);
	}
	free(r->items);
	memset(r, 0, sizeof *r);
}
