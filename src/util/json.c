#include "util/json.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/buf.h"
#include "util/fs.h"

/* The k-th member of obj named key (k from 0), or NULL. */
static const cJSON *json_member_nth(const cJSON *obj, const char *key, int k)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, obj) {
		if (item->string && strcmp(item->string, key) == 0 && k-- == 0)
			return item;
	}
	return NULL;
}

/* A JSON text may repeat a key ({"a":1,"a":2}) and cJSON keeps both: the
 * k-th "a" of one object is compared with the k-th "a" of the other, so
 * such an object still equals its own copy. */
static bool json_object_contains_all(const cJSON *a, const cJSON *b)
{
	const cJSON *item, *prev;

	cJSON_ArrayForEach(item, a) {
		const cJSON *other;
		int k = 0;

		if (!item->string)
			return false;
		for (prev = a->child; prev != item; prev = prev->next)
			k += prev->string && strcmp(prev->string, item->string) == 0;
		other = json_member_nth(b, item->string, k);
		if (!other || !json_equal(item, other))
			return false;
	}
	return true;
}

bool json_equal(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return false;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsBool(a) || cJSON_IsNull(a))
		return true;
	if (cJSON_IsArray(a)) {
		const cJSON *x = a->child, *y = b->child;

		for (; x && y; x = x->next, y = y->next)
			if (!json_equal(x, y))
				return false;
		return !x && !y;
	}
	if (cJSON_IsObject(a))
		return cJSON_GetArraySize(a) == cJSON_GetArraySize(b) &&
		       json_object_contains_all(a, b) && json_object_contains_all(b, a);
	return false;
}

const char *json_get_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

bool json_is_true(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

bool json_get_bool(const cJSON *obj, const char *key, bool dflt)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsBool(item) ? cJSON_IsTrue(item) : dflt;
}

bool json_number_to_long(const cJSON *item, long min, long max, long *out)
{
	/* 2^63 as a double; LONG_MAX itself is not representable. */
	const double limit = 9223372036854775808.0;
	double d;
	long v;

	if (!cJSON_IsNumber(item))
		return false;
	d = item->valuedouble;
	/* The comparisons are false for NaN, so it is refused too. */
	if (!(d >= -limit && d < limit) || d != floor(d))
		return false;
	v = (long)d;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool json_get_int_checked(const cJSON *obj, const char *key, long min, long max, long *out)
{
	return json_number_to_long(cJSON_GetObjectItemCaseSensitive(obj, key), min, max, out);
}

bool json_set(cJSON *obj, const char *key, cJSON *item)
{
	if (!obj || !item) {
		cJSON_Delete(item);
		return false;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item) ||
		       (cJSON_Delete(item), false);
	return cJSON_AddItemToObject(obj, key, item) || (cJSON_Delete(item), false);
}

bool json_set_string(cJSON *obj, const char *key, const char *value)
{
	return json_set(obj, key, cJSON_CreateString(value));
}

bool json_set_bool(cJSON *obj, const char *key, bool value)
{
	return json_set(obj, key, cJSON_CreateBool(value));
}

/* How deeply arrays and objects are open at byte off (strings skipped):
 * cJSON stops at CJSON_NESTING_LIMIT, which is no syntax error. */
static long json_depth_at(const char *text, size_t off)
{
	long depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i <= off && text[i]; i++) {
		char c = text[i];

		if (in_str) {
			if (c == '\\' && text[i + 1])
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return max;
}

/* The offset of an escaped NUL (\u0000) inside a string of JSON text, or
 * -1. cJSON ends its C strings there, so "a\u0000b" would be read as "a"
 * and checked, stored and used cut short; the text is refused instead. */
static long json_nul_escape(const char *text)
{
	bool in_string = false;

	for (const char *p = text; *p; p++) {
		if (!in_string) {
			in_string = *p == '"';
			continue;
		}
		if (*p == '"') {
			in_string = false;
		} else if (*p == '\\') {
			if (p[1] == 'u' && p[2] == '0' && p[3] == '0' && p[4] == '0' && p[5] == '0')
				return (long)(p - text);
			if (p[1])
				p++;
		}
	}
	return -1;
}

cJSON *json_parse_named(const char *text, const char *what, Error *err)
{
	const char *end = NULL;
	long nul = json_nul_escape(text);
	cJSON *item;

	if (nul >= 0) {
		error_set(err, ST_E_INVALID,
			  "%s holds a NUL character (\\u0000) inside a string near byte %ld; envctl "
			  "cannot keep it (text would be cut there): remove it and try again",
			  what, nul);
		return NULL;
	}
	item = cJSON_ParseWithOpts(text, &end, 1);
	if (!item) {
		size_t off = end ? (size_t)(end - text) : 0;

		long depth = json_depth_at(text, off);

		if (depth >= CJSON_NESTING_LIMIT)
			error_set(err, ST_E_INVALID,
				  "%s nests arrays and objects %ld levels deep at byte %zu, beyond "
				  "the limit of %d; flatten it",
				  what, depth, off, CJSON_NESTING_LIMIT);
		else
			error_set(err, ST_E_INVALID,
				  "%s is not valid JSON (error near byte %zu); fix the JSON and try "
				  "again",
				  what, off);
	}
	return item;
}

cJSON *json_parse_file(const char *path, Error *err)
{
	char *text;
	cJSON *item;
	const char *what = strcmp(path, "-") == 0 ? "standard input" : path;

	text = fs_read_file(path, NULL, err);
	if (!text)
		return NULL;
	item = json_parse_named(text, what, err);
	free(text);
	return item;
}

char *json_print(const cJSON *item)
{
	return cJSON_PrintUnformatted(item);
}

/* ------------------------------------------------------------ json_print_pretty */

/* buf_append with the common case (it fits) inline: the printer appends a
 * few bytes at a time, tens of thousands of times per list. */
static inline bool json_put(Buf *b, const char *s, size_t n)
{
	if (b->data && b->len + n < b->cap) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = '\0';
		return true;
	}
	return buf_append(b, s, n);
}

#define JSON_PUT_LIT(b, lit) json_put((b), (lit), sizeof(lit) - 1)

static bool json_pretty_string(Buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	char *o;

	/* The worst case is every byte as \u00XX, plus the quotes. */
	if (n > (SIZE_MAX - 3) / 6 || !buf_reserve(b, n * 6 + 2))
		return false;
	o = b->data + b->len;
	*o++ = '"';
	for (; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\') {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '\\';
		switch (*p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u', *o++ = '0', *o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
	return true;
}

/* cJSON's print_number, digit for digit: %1.15g, or %1.17g when that
 * does not read back as the same double. An integer below 10^15 prints
 * its digits either way; those skip printf. */
static bool json_pretty_number(Buf *b, const cJSON *item)
{
	double d = item->valuedouble, back = 0;
	char num[32];

	if (isnan(d) || isinf(d))
		return buf_puts(b, "null");
	if (d == trunc(d) && fabs(d) < 1e15 && !(d == 0 && signbit(d))) {
		char digits[24], *q = digits + sizeof digits;
		long long v = (long long)d;
		unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

		do {
			*--q = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			*--q = '-';
		return json_put(b, q, (size_t)(digits + sizeof digits - q));
	}
	snprintf(num, sizeof num, "%1.15g", d);
	if (sscanf(num, "%lg", &back) != 1 ||
	    !(fabs(back - d) <= fmax(fabs(back), fabs(d)) * DBL_EPSILON))
		snprintf(num, sizeof num, "%1.17g", d);
	return json_put(b, num, strlen(num));
}

static bool json_pretty_tabs(Buf *b, int n)
{
	static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
	bool ok = true;

	for (; ok && n > 0; n -= (int)sizeof tabs - 1)
		ok = json_put(b, tabs, n < (int)sizeof tabs - 1 ? (size_t)n : sizeof tabs - 1);
	return ok;
}

bool json_print_pretty(Buf *b, const cJSON *item, int depth)
{
	const cJSON *c;
	bool ok = true;

	if (!item)
		return false;
	switch (item->type & 0xFF) {
	case cJSON_NULL: return JSON_PUT_LIT(b, "null");
	case cJSON_False: return JSON_PUT_LIT(b, "false");
	case cJSON_True: return JSON_PUT_LIT(b, "true");
	case cJSON_Number: return json_pretty_number(b, item);
	case cJSON_String: return json_pretty_string(b, item->valuestring);
	case cJSON_Raw: return item->valuestring && buf_puts(b, item->valuestring);
	case cJSON_Array:
		ok = JSON_PUT_LIT(b, "[");
		for (c = item->child; ok && c; c = c->next)
			ok = json_print_pretty(b, c, depth + 1) && (!c->next || JSON_PUT_LIT(b, ", "));
		return ok && JSON_PUT_LIT(b, "]");
	case cJSON_Object:
		ok = JSON_PUT_LIT(b, "{\n");
		for (c = item->child; ok && c; c = c->next)
			ok = json_pretty_tabs(b, depth + 1) && json_pretty_string(b, c->string) &&
			     JSON_PUT_LIT(b, ":\t") && json_print_pretty(b, c, depth + 1) &&
			     (c->next ? JSON_PUT_LIT(b, ",\n") : JSON_PUT_LIT(b, "\n"));
		return ok && json_pretty_tabs(b, depth) && JSON_PUT_LIT(b, "}");
	default:
		return false;
	}
}

bool json_print_compact(Buf *b, const cJSON *item)
{
	const cJSON *c;
	bool ok = true;

	if (!item)
		return false;
	switch (item->type & 0xFF) {
	case cJSON_Array:
		ok = JSON_PUT_LIT(b, "[");
		for (c = item->child; ok && c; c = c->next)
			ok = json_print_compact(b, c) && (!c->next || JSON_PUT_LIT(b, ","));
		return ok && JSON_PUT_LIT(b, "]");
	case cJSON_Object:
		ok = JSON_PUT_LIT(b, "{");
		for (c = item->child; ok && c; c = c->next)
			ok = json_pretty_string(b, c->string) && JSON_PUT_LIT(b, ":") &&
			     json_print_compact(b, c) && (!c->next || JSON_PUT_LIT(b, ","));
		return ok && JSON_PUT_LIT(b, "}");
	default:
		return json_print_pretty(b, item, 0); /* a scalar prints the same either way */
	}
}

bool json_print_string(Buf *b, const char *s)
{
	return s ? json_pretty_string(b, s) : JSON_PUT_LIT(b, "null");
}

static void json_zero_list(cJSON *item)
{
	for (; item; item = item->next) {
		if (item->string)
			sodium_memzero(item->string, strlen(item->string));
		if (cJSON_IsString(item) && item->valuestring)
			sodium_memzero(item->valuestring, strlen(item->valuestring));
		json_zero_list(item->child);
	}
}

void json_zero(cJSON *item)
{
	if (!item)
		return;
	json_zero_list(item->child);
	if (cJSON_IsString(item) && item->valuestring)
		sodium_memzero(item->valuestring, strlen(item->valuestring));
}

void json_wipe(cJSON *item)
{
	json_zero(item);
	cJSON_Delete(item);
}
