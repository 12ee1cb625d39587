/* Validation: every violation at once, each at the JSON Pointer of the
 * value it concerns, in words an operator reads without the schema open.
 * The walk is driven by the value (finite), and the context check rules
 * out reference cycles that would not consume it, so it always ends.
 *
 * unevaluatedProperties/unevaluatedItems need to know what the other
 * keywords evaluated: when the document uses them, each application of a
 * schema to an object or array records which members it evaluated
 * (SchemaEval), and a successful subschema hands its record up. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"
#include "util/lib.h"

/* A keyword of the node being applied (v->k is its index). */
#define KW(name) (k[SKW_##name])

typedef struct SchemaVal {
	SchemaCtx *ctx;
	Error *err;
	Status st; /* ST_OK while the walk may continue */
	Buf ptr;   /* pointer of the value being checked */
	size_t hard; /* issues that say "wrong kind of value" (type, enum,
		      * const, unknown field): a branch with one is not the
		      * alternative the operator meant */
	size_t fails; /* every issue raised (lists drop duplicates, so their
		       * count cannot say whether a subschema failed) */
	const cJSON *const *k; /* keyword index of the node whose keywords run now */
	const char **scope; /* dynamic scope: base URIs entered, outermost first */
	size_t scope_count, scope_cap;
} SchemaVal;

/* Members of one object or array that some successful schema evaluated. */
typedef struct SchemaEval {
	bool *marks;
	size_t n;
	bool all; /* every member (items/additionalProperties over the rest) */
} SchemaEval;

static bool schema_val_node(SchemaVal *v, const cJSON *node, const cJSON *value,
			    SchemaIssues *out, size_t depth, SchemaEval *ev);

static bool schema_val_nomem(SchemaVal *v)
{
	if (v->st == ST_OK)
		v->st = error_set(v->err, ST_E_NOMEM, "out of memory");
	return false;
}

static bool schema_val_issue(SchemaVal *v, SchemaIssues *out, const char *msg)
{
	v->fails++;
	return schema_issues_add(out, v->ptr.data ? v->ptr.data : "", msg) || schema_val_nomem(v);
}

static bool schema_val_move(SchemaVal *v, SchemaIssues *out, SchemaIssues *from)
{
	v->fails += from->count;
	return schema_issues_move(out, from) || schema_val_nomem(v);
}

/* Extends the current pointer by one escaped token; returns the length to
 * restore with schema_val_pop. */
static size_t schema_val_push(SchemaVal *v, const char *token)
{
	size_t old = v->ptr.len;
	bool ok = buf_putc(&v->ptr, '/');

	if (ok && !strpbrk(token, "~/")) {
		if (!buf_puts(&v->ptr, token))
			schema_val_nomem(v);
		return old;
	}
	for (const char *t = token; ok && *t; t++)
		ok = *t == '~' ? buf_puts(&v->ptr, "~0") : *t == '/' ? buf_puts(&v->ptr, "~1")
								   : buf_putc(&v->ptr, *t);
	if (!ok)
		schema_val_nomem(v);
	return old;
}

static size_t schema_val_push_index(SchemaVal *v, size_t i)
{
	char tok[32], *p = tok + sizeof tok - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	return schema_val_push(v, p);
}

static void schema_val_pop(SchemaVal *v, size_t old)
{
	v->ptr.len = old;
	if (v->ptr.data)
		v->ptr.data[old] = '\0';
}

/* ------------------------------------------------------------ annotations */

static bool schema_eval_init(SchemaEval *e, const cJSON *value)
{
	size_t n = 0;

	memset(e, 0, sizeof *e);
	if (!cJSON_IsObject(value) && !cJSON_IsArray(value))
		return true;
	for (const cJSON *m = value->child; m; m = m->next)
		n++;
	e->n = n;
	if (!n)
		return true;
	e->marks = calloc(n, sizeof *e->marks);
	return e->marks != NULL;
}

static void schema_eval_merge(SchemaEval *into, const SchemaEval *from)
{
	if (!into || !from)
		return;
	into->all |= from->all;
	for (size_t i = 0; i < into->n && i < from->n && from->marks; i++)
		into->marks[i] |= from->marks[i];
}

static void schema_eval_mark(SchemaEval *e, size_t i)
{
	if (e && e->marks && i < e->n)
		e->marks[i] = true;
}

static bool schema_eval_has(const SchemaEval *e, size_t i)
{
	return e->all || (e->marks && i < e->n && e->marks[i]);
}

/* ------------------------------------------------------------ messages */

static const char *schema_type_phrase(SchemaType t)
{
	switch (t) {
	case SCHEMA_STRING: return "a string";
	case SCHEMA_NUMBER: return "a number";
	case SCHEMA_INTEGER: return "an integer";
	case SCHEMA_BOOLEAN: return "a boolean (true or false)";
	case SCHEMA_OBJECT: return "an object";
	case SCHEMA_ARRAY: return "an array";
	case SCHEMA_NULL: return "null";
	case SCHEMA_ANY: break;
	}
	return "a value";
}

/* Renders the members of a list for a message, shortened past ~300
 * characters so a huge enum cannot flood the screen. */
static bool schema_val_list(Buf *b, const cJSON *list)
{
	const cJSON *m;
	bool first = true;

	cJSON_ArrayForEach(m, list) {
		if (!first && !buf_puts(b, ", "))
			return false;
		if (b->len > 300)
			return buf_puts(b, "...");
		if (!schema_render_value(b, m))
			return false;
		first = false;
	}
	return true;
}

/* The types a node names, deduplicated; n = 0 when it names none. */
static size_t schema_val_types(const cJSON *type, SchemaType *names, size_t cap)
{
	const cJSON *m;
	size_t n = 0;
	bool known;

	if (cJSON_IsString(type)) {
		SchemaType t = schema_type_from_name(type->valuestring, &known);

		if (known)
			names[n++] = t;
	} else if (cJSON_IsArray(type)) {
		cJSON_ArrayForEach(m, type) {
			bool dup = false;
			SchemaType t;

			if (!cJSON_IsString(m))
				continue;
			t = schema_type_from_name(m->valuestring, &known);
			for (size_t i = 0; i < n; i++)
				dup |= names[i] == t;
			if (known && !dup && n < cap)
				names[n++] = t;
		}
	}
	return n;
}

static bool schema_val_type(SchemaVal *v, const cJSON *node, const cJSON *value,
			    SchemaIssues *out, bool *type_ok)
{
	SchemaType names[16];
	const cJSON *const *k = v->k;
	size_t n = schema_val_types(KW(TYPE), names, sizeof names / sizeof names[0]);
	Buf msg = BUF_INIT;
	bool ok;

	*type_ok = true;
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (schema_value_has_type(value, names[i]))
			return true;
	*type_ok = false;
	/* "must be a string or null", "must be a string, an integer or null" */
	ok = buf_puts(&msg, "must be ");
	for (size_t i = 0; ok && i < n; i++) {
		if (i)
			ok = buf_puts(&msg, i + 1 == n ? " or " : ", ");
		if (ok)
			ok = buf_puts(&msg, schema_type_phrase(names[i]));
	}
	ok = ok && schema_val_issue(v, out, msg.data);
	buf_clear(&msg);
	v->hard++;
	return ok || schema_val_nomem(v);
}

/* A non-negative whole bound such as minLength; false when malformed. */
static bool schema_val_count(const cJSON *n, double *out)
{
	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble) || n->valuedouble < 0 ||
	    n->valuedouble != floor(n->valuedouble))
		return false;
	*out = n->valuedouble;
	return true;
}

static bool schema_val_number_kw(const cJSON *n, double *out)
{
	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble))
		return false;
	*out = n->valuedouble;
	return true;
}

/* "must be at least 3 characters", "must have at most 1 item" */
static bool schema_val_bound(SchemaVal *v, SchemaIssues *out, const char *lead, double lim,
			     const char *what)
{
	char msg[160];

	snprintf(msg, sizeof msg, "%s %.0f %s%s", lead, lim, what, lim == 1 ? "" : "s");
	return schema_val_issue(v, out, msg);
}

/* Strict RFC 4648 base64 into out (padding required, no blanks). */
static bool schema_base64(const char *s, Buf *out)
{
	size_t n = strlen(s);
	unsigned acc = 0;
	int bits = 0, pad = 0;

	if (n % 4 || !buf_puts(out, ""))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d;

		if (c == '=') {
			if (i + 2 < n || (++pad && i + 1 < n && s[i + 1] != '='))
				return false;
			continue;
		}
		if (pad)
			return false;
		d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
		    : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
		if (d < 0)
			return false;
		acc = (acc << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (!buf_putc(out, (char)((acc >> bits) & 0xFF)))
				return false;
		}
	}
	return true;
}

/* draft-07's optional content assertions: contentEncoding base64 and
 * contentMediaType application/json (2020-12 makes both annotations). */
static bool schema_val_content(SchemaVal *v, const cJSON *node, const char *s, SchemaIssues *out)
{
	const cJSON *const *k = v->k;
	const char *enc = (cJSON_IsString(KW(CONTENTENCODING)) ? KW(CONTENTENCODING)->valuestring : NULL);
	const char *media = (cJSON_IsString(KW(CONTENTMEDIATYPE)) ? KW(CONTENTMEDIATYPE)->valuestring : NULL);
	Buf raw = BUF_INIT;
	bool ok = true;

	if (enc && !strcmp(enc, "base64") && !schema_base64(s, &raw)) {
		buf_clear(&raw);
		return schema_val_issue(v, out, "must be base64 text");
	}
	if (media && !strcmp(media, "application/json")) {
		const char *text = raw.data ? raw.data : s;
		cJSON *doc = cJSON_ParseWithLength(text, raw.data ? raw.len : strlen(s));

		if (!doc)
			ok = schema_val_issue(v, out, "must be a JSON document");
		cJSON_Delete(doc);
	}
	buf_clear(&raw);
	return ok;
}

static bool schema_val_string(SchemaVal *v, const cJSON *node, const cJSON *value,
			      SchemaIssues *out)
{
	const cJSON *const *k = v->k;
	const char *s = value->valuestring;
	const cJSON *pattern = KW(PATTERN);
	const char *format = cJSON_IsString(KW(FORMAT)) ? KW(FORMAT)->valuestring : NULL;
	char msg[600];
	double lim;
	size_t len = schema_utf8_length(s);

	if (schema_val_count(KW(MINLENGTH), &lim) && (double)len < lim &&
	    !schema_val_bound(v, out, "must be at least", lim, "character"))
		return false;
	if (schema_val_count(KW(MAXLENGTH), &lim) && (double)len > lim &&
	    !schema_val_bound(v, out, "must be at most", lim, "character"))
		return false;
	if (cJSON_IsString(pattern)) {
		const SchemaRegex *re = schema_ctx_regex(v->ctx, pattern);
		int m = re ? schema_regex_match(re, s, strlen(s)) : 1;

		if (m == 0)
			snprintf(msg, sizeof msg, "must match the pattern %.400s", pattern->valuestring);
		else if (m < 0)
			snprintf(msg, sizeof msg,
				 "could not be checked against the pattern %.400s (not valid UTF-8, "
				 "or the pattern takes too long on it)", pattern->valuestring);
		if (m <= 0 && !schema_val_issue(v, out, msg))
			return false;
	}
	if (v->ctx->draft7 && !schema_val_content(v, node, s, out))
		return false;
	if (format && !v->ctx->opts.format_annotation_only) {
		bool known;

		if (!schema_format_valid(format, s, &known) && known)
			return schema_val_issue(v, out, schema_format_message(format));
	}
	return true;
}

static bool schema_val_number(SchemaVal *v, const cJSON *node, const cJSON *value,
			      SchemaIssues *out)
{
	const cJSON *const *k = v->k;
	double d = value->valuedouble, lim;
	const cJSON *exmin = KW(EXCLUSIVEMINIMUM);
	const cJSON *exmax = KW(EXCLUSIVEMAXIMUM);
	char num[64], msg[128];

	if (!isfinite(d))
		return true; /* the type check already said so */
	/* Draft 4 spells exclusiveness as a boolean next to minimum/maximum. */
	if (schema_val_number_kw(KW(MINIMUM), &lim)) {
		bool excl = cJSON_IsTrue(exmin);

		if (excl ? d <= lim : d < lim) {
			schema_format_number(lim, num, sizeof num);
			snprintf(msg, sizeof msg, excl ? "must be greater than %s" : "must be at least %s",
				 num);
			if (!schema_val_issue(v, out, msg))
				return false;
		}
	}
	if (schema_val_number_kw(KW(MAXIMUM), &lim)) {
		bool excl = cJSON_IsTrue(exmax);

		if (excl ? d >= lim : d > lim) {
			schema_format_number(lim, num, sizeof num);
			snprintf(msg, sizeof msg, excl ? "must be less than %s" : "must be at most %s", num);
			if (!schema_val_issue(v, out, msg))
				return false;
		}
	}
	if (schema_val_number_kw(KW(EXCLUSIVEMINIMUM), &lim) && d <= lim) {
		schema_format_number(lim, num, sizeof num);
		snprintf(msg, sizeof msg, "must be greater than %s", num);
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (schema_val_number_kw(KW(EXCLUSIVEMAXIMUM), &lim) && d >= lim) {
		schema_format_number(lim, num, sizeof num);
		snprintf(msg, sizeof msg, "must be less than %s", num);
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (schema_val_number_kw(KW(MULTIPLEOF), &lim) && lim > 0 &&
	    !schema_is_multiple_of(d, lim)) {
		schema_format_number(lim, num, sizeof num);
		snprintf(msg, sizeof msg, "must be a multiple of %s", num);
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	return true;
}

/* Applies sub to one member (pointer token tok or index i). */
static bool schema_val_member(SchemaVal *v, const cJSON *sub, const cJSON *m, const char *tok,
			      size_t i, SchemaIssues *out, size_t depth)
{
	size_t old = tok ? schema_val_push(v, tok) : schema_val_push_index(v, i);
	bool ok = v->st == ST_OK && schema_val_node(v, sub, m, out, depth + 1, NULL);

	schema_val_pop(v, old);
	return ok;
}

/* Does sub accept value? Its issues are dropped. */
static bool schema_val_test(SchemaVal *v, const cJSON *sub, const cJSON *value, size_t depth,
			    SchemaEval *ev, bool *ok)
{
	SchemaIssues tmp = { 0 };
	size_t fails = v->fails, hard = v->hard;
	bool valid;

	*ok = schema_val_node(v, sub, value, &tmp, depth + 1, ev);
	valid = v->fails == fails;
	v->fails = fails;
	v->hard = hard;
	schema_issues_clear(&tmp);
	return valid;
}

static bool schema_val_array(SchemaVal *v, const cJSON *node, const cJSON *value,
			     SchemaIssues *out, size_t depth, SchemaEval *mine)
{
	const cJSON *const *k = v->k;
	const cJSON *items = KW(ITEMS);
	const cJSON *prefix = KW(PREFIXITEMS);
	const cJSON *extra = KW(ADDITIONALITEMS);
	const cJSON *contains = KW(CONTAINS);
	const cJSON *rest = NULL, *m, *t;
	double lim, n = cJSON_GetArraySize(value);
	size_t i = 0;
	char msg[160];

	if (schema_val_count(KW(MINITEMS), &lim) && n < lim &&
	    !schema_val_bound(v, out, "must have at least", lim, "item"))
		return false;
	if (schema_val_count(KW(MAXITEMS), &lim) && n > lim &&
	    !schema_val_bound(v, out, "must have at most", lim, "item"))
		return false;
	if (cJSON_IsTrue(KW(UNIQUEITEMS))) {
		size_t a = 0;

		for (const cJSON *x = value->child; x; x = x->next, a++) {
			size_t b = 0;

			for (const cJSON *y = value->child; y != x; y = y->next, b++) {
				size_t old;
				bool ok;

				if (!json_equal(x, y))
					continue;
				snprintf(msg, sizeof msg, "must not repeat item %zu (items must be unique)", b);
				old = schema_val_push_index(v, a);
				ok = v->st == ST_OK && schema_val_issue(v, out, msg);
				schema_val_pop(v, old);
				if (!ok)
					return false;
				break;
			}
		}
	}
	/* The tuple: prefixItems (2020-12) or items as an array (draft-07). */
	if (cJSON_IsArray(prefix) && !v->ctx->draft7) {
		t = prefix;
		rest = items;
	} else if (cJSON_IsArray(items)) {
		t = items;
		rest = extra;
	} else {
		t = NULL;
		rest = items;
	}
	if (!cJSON_IsObject(rest) && !cJSON_IsBool(rest))
		rest = NULL;
	m = value->child;
	if (t) {
		const cJSON *s = t->child;

		for (; m && s; m = m->next, s = s->next, i++) {
			if (!schema_val_member(v, s, m, NULL, i, out, depth))
				return false;
			schema_eval_mark(mine, i);
		}
	}
	if (rest) {
		for (; m; m = m->next, i++)
			if (!schema_val_member(v, rest, m, NULL, i, out, depth))
				return false;
		if (mine)
			mine->all = true;
	}
	if (contains && (cJSON_IsObject(contains) || cJSON_IsBool(contains))) {
		double lo = 1, hi = -1, found = 0;
		bool ok = true;

		if (schema_val_count(KW(MINCONTAINS), &lim))
			lo = lim;
		if (schema_val_count(KW(MAXCONTAINS), &lim))
			hi = lim;
		i = 0;
		for (m = value->child; m && ok; m = m->next, i++) {
			if (schema_val_test(v, contains, m, depth, NULL, &ok)) {
				found++;
				schema_eval_mark(mine, i);
			}
		}
		if (!ok)
			return false;
		if (found < lo) {
			snprintf(msg, sizeof msg, "must contain at least %.0f item%s matching the "
				 "\"contains\" schema", lo, lo == 1 ? "" : "s");
			if (!schema_val_issue(v, out, msg))
				return false;
		}
		if (hi >= 0 && found > hi) {
			snprintf(msg, sizeof msg, "must contain at most %.0f item%s matching the "
				 "\"contains\" schema", hi, hi == 1 ? "" : "s");
			if (!schema_val_issue(v, out, msg))
				return false;
		}
	}
	return true;
}

static bool schema_val_required(SchemaVal *v, const cJSON *list, const cJSON *value,
				SchemaIssues *out, const char *trigger)
{
	const cJSON *m;
	char msg[300];

	cJSON_ArrayForEach(m, list) {
		size_t old;
		bool ok;

		if (!cJSON_IsString(m) || cJSON_GetObjectItemCaseSensitive(value, m->valuestring))
			continue;
		if (trigger)
			snprintf(msg, sizeof msg, "required when \"%.200s\" is set", trigger);
		old = schema_val_push(v, m->valuestring);
		ok = v->st == ST_OK && schema_val_issue(v, out, trigger ? msg : "required");
		schema_val_pop(v, old);
		if (!ok)
			return false;
	}
	return true;
}

/* The member key of obj, searching on from the last hit: a config usually
 * lists its keys in the schema's order, so each lookup is then one step
 * instead of a scan of every property. */
static const cJSON *schema_val_find(const cJSON *obj, const char *key, const cJSON **cursor)
{
	const cJSON *start = *cursor && (*cursor)->next ? (*cursor)->next : obj->child;

	for (const cJSON *p = start; p; p = p->next)
		if (p->string && !strcmp(p->string, key))
			return *cursor = p;
	for (const cJSON *p = obj->child; p && p != start; p = p->next)
		if (p->string && !strcmp(p->string, key))
			return *cursor = p;
	return NULL;
}

static bool schema_val_object(SchemaVal *v, const cJSON *node, const cJSON *value,
			      SchemaIssues *out, size_t depth, SchemaEval *mine)
{
	const cJSON *const *k = v->k;
	const cJSON *required = KW(REQUIRED);
	const cJSON *props = schema_json_object(KW(PROPERTIES));
	const cJSON *pprops =
		schema_json_object(KW(PATTERNPROPERTIES));
	const cJSON *extra = KW(ADDITIONALPROPERTIES);
	const cJSON *names = KW(PROPERTYNAMES);
	const cJSON *m, *cursor = NULL;
	double lim, n = cJSON_GetArraySize(value);
	size_t i = 0;

	if (!cJSON_IsObject(extra) && !cJSON_IsBool(extra))
		extra = NULL;
	if (cJSON_IsArray(required) && !schema_val_required(v, required, value, out, NULL))
		return false;
	if (schema_val_count(KW(MINPROPERTIES), &lim) && n < lim &&
	    !schema_val_bound(v, out, "must have at least", lim, "field"))
		return false;
	if (schema_val_count(KW(MAXPROPERTIES), &lim) && n > lim &&
	    !schema_val_bound(v, out, "must have at most", lim, "field"))
		return false;
	for (int d = 0; d < 2; d++) {
		const cJSON *deps = d ? KW(DEPENDENCIES) : KW(DEPENDENTREQUIRED);

		if (!cJSON_IsObject(deps))
			continue;
		cJSON_ArrayForEach(m, deps) {
			if (cJSON_IsArray(m) && cJSON_GetObjectItemCaseSensitive(value, m->string) &&
			    !schema_val_required(v, m, value, out, m->string))
				return false;
		}
	}
	/* Only a few properties of a large object (an "if" that looks at one
	 * field): look them up instead of every member (same verdicts; the
	 * issues come in schema order). */
	if (props && !pprops && !extra && !mine && !(cJSON_IsObject(names) || cJSON_IsBool(names)) &&
	    (double)cJSON_GetArraySize(props) * 8 < n) {
		const cJSON *p;

		cJSON_ArrayForEach(p, props) {
			m = cJSON_GetObjectItemCaseSensitive(value, p->string);
			if (m && !schema_val_member(v, p, m, m->string, 0, out, depth))
				return false;
		}
		return true;
	}
	for (m = value->child; m; m = m->next, i++) {
		const cJSON *sub = props ? schema_val_find(props, m->string, &cursor) : NULL;
		bool matched = sub != NULL, ok = true;
		size_t old;

		if (sub) {
			if (!schema_val_member(v, sub, m, m->string, 0, out, depth))
				return false;
			schema_eval_mark(mine, i);
		}
		if (pprops) {
			const cJSON *p;

			cJSON_ArrayForEach(p, pprops) {
				const SchemaRegex *re = schema_ctx_regex(v->ctx, p);

				if (!re || schema_regex_match(re, m->string, strlen(m->string)) != 1)
					continue;
				matched = true;
				if (!schema_val_member(v, p, m, m->string, 0, out, depth))
					return false;
				schema_eval_mark(mine, i);
			}
		}
		if (cJSON_IsObject(names) || cJSON_IsBool(names)) {
			cJSON *key = cJSON_CreateString(m->string);
			SchemaIssues tmp = { 0 };
			size_t fails = v->fails;

			if (!key)
				return schema_val_nomem(v);
			old = schema_val_push(v, m->string);
			ok = v->st == ST_OK && schema_val_node(v, names, key, &tmp, depth + 1, NULL);
			if (ok && v->fails != fails) {
				char msg[700];

				snprintf(msg, sizeof msg, "the field name \"%.200s\" is not allowed: %.400s",
					 m->string, tmp.count ? tmp.items[0].message : "not allowed");
				v->hard++;
				ok = schema_val_issue(v, out, msg);
			}
			schema_val_pop(v, old);
			schema_issues_clear(&tmp);
			cJSON_Delete(key);
			if (!ok)
				return false;
		}
		if (matched || !extra)
			continue;
		schema_eval_mark(mine, i);
		old = schema_val_push(v, m->string);
		if (v->st != ST_OK)
			ok = false;
		else if (cJSON_IsFalse(extra))
			ok = (v->hard++, schema_val_issue(v, out, "unknown field"));
		else
			ok = schema_val_node(v, extra, m, out, depth + 1, NULL);
		schema_val_pop(v, old);
		if (!ok)
			return false;
	}
	return true;
}

/* unevaluatedProperties / unevaluatedItems: what no other keyword of this
 * node (or a successful subschema of it) evaluated. */
static bool schema_val_unevaluated(SchemaVal *v, const cJSON *node, const cJSON *value,
				   SchemaIssues *out, size_t depth, SchemaEval *mine)
{
	const cJSON *const *k = v->k;
	const cJSON *u = cJSON_IsObject(value) ? KW(UNEVALUATEDPROPERTIES) : KW(UNEVALUATEDITEMS);
	const cJSON *m;
	size_t i = 0;

	if (!cJSON_IsObject(u) && !cJSON_IsBool(u))
		return true;
	for (m = value->child; m; m = m->next, i++) {
		size_t old;
		bool ok;

		if (schema_eval_has(mine, i))
			continue;
		old = m->string ? schema_val_push(v, m->string) : schema_val_push_index(v, i);
		if (v->st != ST_OK)
			ok = false;
		else if (cJSON_IsFalse(u))
			ok = (v->hard++, schema_val_issue(v, out, cJSON_IsObject(value)
							  ? "unknown field" : "unexpected item"));
		else
			ok = schema_val_node(v, u, m, out, depth + 1, NULL);
		schema_val_pop(v, old);
		if (!ok)
			return false;
	}
	if (mine)
		mine->all = true;
	return true;
}

/* anyOf/oneOf: each branch is checked on its own list. When none matches,
 * the branch the operator evidently meant speaks: among the branches whose
 * issues are all about missing or out-of-range values (none says "wrong
 * kind of value"), the one with the fewest issues, if it is the only one
 * with that few. Otherwise the message is about the alternatives. */
static bool schema_val_branches(SchemaVal *v, const cJSON **list, size_t n, bool one,
				const cJSON *value, SchemaIssues *out, size_t depth,
				SchemaEval *mine)
{
	size_t matches = 0, best = 0, best_count = (size_t)-1, ties = 0, done = 0;
	SchemaIssues *tries;
	char msg[160];
	bool ok = true;

	if (!n)
		return true;
	tries = calloc(n, sizeof *tries);
	if (!tries)
		return schema_val_nomem(v);
	for (size_t k = 0; k < n; k++) {
		size_t hard = v->hard, fails = v->fails;

		done++;
		if (!schema_val_node(v, list[k], value, &tries[k], depth + 1, mine)) {
			ok = false;
			break;
		}
		if (v->fails == fails) {
			matches++;
		} else if (v->hard == hard) {
			if (tries[k].count < best_count) {
				best_count = tries[k].count;
				best = k;
				ties = 0;
			} else if (tries[k].count == best_count) {
				ties++;
			}
		}
		v->fails = fails; /* a failed branch is not a failure by itself */
	}
	if (ok) {
		if (matches == 0 && best_count != (size_t)-1 && ties == 0) {
			ok = schema_val_move(v, out, &tries[best]);
		} else if (matches == 0) {
			snprintf(msg, sizeof msg, "must match one of the %zu alternatives", n);
			ok = schema_val_issue(v, out, msg);
		} else if (one && matches > 1) {
			snprintf(msg, sizeof msg,
				 "must match exactly one of the %zu alternatives, but matches %zu", n,
				 matches);
			ok = schema_val_issue(v, out, msg);
		}
	}
	for (size_t i = 0; i < done; i++)
		schema_issues_clear(&tries[i]);
	free(tries);
	return ok;
}

/* enum and const: skipped when the type is already wrong (one message
 * about the kind of value is enough). */
static bool schema_val_choices(SchemaVal *v, const cJSON *node, const cJSON *value,
			       SchemaIssues *out)
{
	const cJSON *const *k = v->k;
	const cJSON *en = KW(ENUM);
	const cJSON *cn = KW(CONST);
	Buf msg = BUF_INIT;
	bool ok = true;

	if (cJSON_IsArray(en)) {
		const cJSON *m;
		bool found = false;

		cJSON_ArrayForEach(m, en) {
			if ((found = json_equal(m, value)))
				break;
		}
		if (!found) {
			v->hard++;
			ok = en->child ? buf_puts(&msg, "must be one of ") && schema_val_list(&msg, en)
				       : buf_puts(&msg, "no value is allowed here (the enum is empty)");
			ok = ok && schema_val_issue(v, out, msg.data);
		}
	}
	if (ok && cn && !json_equal(cn, value)) {
		v->hard++;
		buf_reset(&msg);
		ok = buf_puts(&msg, "must equal ") && schema_render_value(&msg, cn) &&
		     schema_val_issue(v, out, msg.data);
	}
	buf_clear(&msg);
	return ok || schema_val_nomem(v);
}

/* "not" in plain words for its common shapes. */
static bool schema_val_not_message(Buf *b, const cJSON *sub)
{
	const cJSON *cn = cJSON_GetObjectItemCaseSensitive(sub, "const");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(sub, "enum");
	SchemaType names[16];
	size_t n;

	if (cJSON_IsObject(sub) && cn && cJSON_GetArraySize(sub) == 1)
		return buf_puts(b, "must not equal ") && schema_render_value(b, cn);
	if (cJSON_IsObject(sub) && cJSON_IsArray(en) && cJSON_GetArraySize(sub) == 1)
		return buf_puts(b, "must not be any of ") && schema_val_list(b, en);
	n = cJSON_IsObject(sub) && cJSON_GetArraySize(sub) == 1
		    ? schema_val_types(cJSON_GetObjectItemCaseSensitive(sub, "type"), names,
				       sizeof names / sizeof names[0]) : 0;
	if (n) {
		bool ok = buf_puts(b, "must not be ");

		for (size_t i = 0; ok && i < n; i++)
			ok = (!i || buf_puts(b, i + 1 == n ? " or " : ", ")) &&
			     buf_puts(b, schema_type_phrase(names[i]));
		return ok;
	}
	return buf_puts(b, "must not match the schema under \"not\"");
}

/* $dynamicRef: the static target, unless it is a $dynamicAnchor of the
 * same name, in which case the outermost resource of the dynamic scope
 * that defines that dynamic anchor wins. */
static const cJSON *schema_val_dynamic(SchemaVal *v, const cJSON *node, const cJSON *target)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$dynamicRef");
	const cJSON *anchor = cJSON_GetObjectItemCaseSensitive(target, "$dynamicAnchor");
	const char *hash = cJSON_IsString(ref) ? strchr(ref->valuestring, '#') : NULL;
	char uri[1024];

	if (!hash || hash[1] == '/' || !hash[1] || !cJSON_IsString(anchor) ||
	    strcmp(anchor->valuestring, hash + 1) != 0)
		return target;
	for (size_t i = 0; i < v->scope_count; i++) {
		const cJSON *t;

		snprintf(uri, sizeof uri, "%s#%s", v->scope[i], hash + 1);
		if ((t = schema_ctx_named(v->ctx, 'd', uri)))
			return t;
	}
	return target;
}

typedef struct SchemaNodeRun {
	SchemaVal *v;
	const cJSON *node;
	const cJSON *value;
	SchemaIssues *out;
	size_t depth;
	SchemaEval *mine;
	const cJSON **any, **one;
	size_t nany, none;
	const cJSON *not_, *if_, *then_, *else_;
	bool ok;
} SchemaNodeRun;

static bool schema_val_visit(void *arg, const cJSON *sub, const SchemaSub *how)
{
	SchemaNodeRun *r = arg;
	SchemaVal *v = r->v;

	switch (how->kind) {
	case SCHEMA_APPLY_DYNREF:
		sub = schema_val_dynamic(v, r->node, sub);
		/* fall through */
	case SCHEMA_APPLY_REF:
	case SCHEMA_APPLY_ALL:
		r->ok = schema_val_node(v, sub, r->value, r->out, r->depth + 1, r->mine);
		return r->ok;
	case SCHEMA_APPLY_ANY:
		r->any[r->nany++] = sub;
		return true;
	case SCHEMA_APPLY_ONE:
		r->one[r->none++] = sub;
		return true;
	case SCHEMA_APPLY_NOT: r->not_ = sub; return true;
	case SCHEMA_APPLY_IF: r->if_ = sub; return true;
	case SCHEMA_APPLY_THEN: r->then_ = sub; return true;
	case SCHEMA_APPLY_ELSE: r->else_ = sub; return true;
	case SCHEMA_APPLY_DEPENDENT:
		if (!cJSON_IsObject(r->value) ||
		    !cJSON_GetObjectItemCaseSensitive(r->value, how->key))
			return true;
		r->ok = schema_val_node(v, sub, r->value, r->out, r->depth + 1, r->mine);
		return r->ok;
	}
	return true;
}

static bool schema_val_scope_push(SchemaVal *v, const char *base, bool *pushed)
{
	*pushed = false;
	if (v->scope_count && (v->scope[v->scope_count - 1] == base ||
			       !strcmp(v->scope[v->scope_count - 1], base)))
		return true;
	if (!array_reserve(&v->scope, &v->scope_cap, v->scope_count, sizeof *v->scope))
		return schema_val_nomem(v);
	v->scope[v->scope_count++] = base;
	*pushed = true;
	return true;
}

static bool schema_val_inplace(SchemaVal *v, const cJSON *node, const cJSON *value,
			       SchemaIssues *out, size_t depth, SchemaEval *mine)
{
	const cJSON *const *k = v->k;
	size_t nany = 0, none = 0;
	const cJSON *kw;
	SchemaNodeRun r = { .v = v, .node = node, .value = value, .out = out, .depth = depth, .mine = mine,
			    .ok = true };
	bool ok = true;

	kw = KW(ANYOF);
	nany = cJSON_IsArray(kw) ? (size_t)cJSON_GetArraySize(kw) : 0;
	kw = KW(ONEOF);
	none = cJSON_IsArray(kw) ? (size_t)cJSON_GetArraySize(kw) : 0;
	if (!KW(REF) && !KW(DYNAMICREF) && !KW(ALLOF) && !nany && !none && !KW(NOT) && !KW(IF) &&
	    !KW(DEPENDENTSCHEMAS) && !KW(DEPENDENCIES))
		return true;
	r.any = nany ? calloc(nany, sizeof *r.any) : NULL;
	r.one = none ? calloc(none, sizeof *r.one) : NULL;
	if ((nany && !r.any) || (none && !r.one)) {
		free(r.any);
		free(r.one);
		return schema_val_nomem(v);
	}
	if (!schema_each_inplace_k(v->ctx, node, k, schema_val_visit, &r) || !r.ok)
		ok = false;
	if (ok && r.nany)
		ok = schema_val_branches(v, r.any, r.nany, false, value, out, depth, mine);
	if (ok && r.none)
		ok = schema_val_branches(v, r.one, r.none, true, value, out, depth, mine);
	if (ok && r.not_) {
		if (schema_val_test(v, r.not_, value, depth, NULL, &ok) && ok) {
			Buf msg = BUF_INIT;

			v->hard++;
			ok = (schema_val_not_message(&msg, r.not_) && schema_val_issue(v, out, msg.data)) ||
			     schema_val_nomem(v);
			buf_clear(&msg);
		}
	}
	if (ok && r.if_) {
		bool cond = schema_val_test(v, r.if_, value, depth, mine, &ok);
		const cJSON *branch = cond ? r.then_ : r.else_;

		if (ok && branch)
			ok = schema_val_node(v, branch, value, out, depth + 1, mine);
	}
	free(r.any);
	free(r.one);
	return ok;
}

static bool schema_val_node(SchemaVal *v, const cJSON *node, const cJSON *value,
			    SchemaIssues *out, size_t depth, SchemaEval *ev)
{
	SchemaEval mine = { 0 };
	SchemaEval *me = NULL;
	const cJSON *scratch[SKW_COUNT];
	const cJSON *const *k;
	size_t fails = v->fails;
	bool type_ok, pushed = false, ok = true;

	if (v->st != ST_OK)
		return false;
	if (!schema_ctx_step(v->ctx, v->err)) {
		v->st = ST_E_INVALID;
		return false;
	}
	if (depth > SCHEMA_MAX_CHECK_DEPTH) {
		char msg[96];

		snprintf(msg, sizeof msg, "nested too deeply to check (more than %d levels)",
			 SCHEMA_MAX_CHECK_DEPTH);
		return schema_val_issue(v, out, msg);
	}
	if (cJSON_IsBool(node))
		return cJSON_IsTrue(node) || (v->hard++, schema_val_issue(v, out, "not allowed"));
	if (!cJSON_IsObject(node))
		return true;
	if (!schema_val_scope_push(v, schema_ctx_base(v->ctx, node), &pushed))
		return false;
	if (v->ctx->has_unevaluated && (cJSON_IsObject(value) || cJSON_IsArray(value))) {
		if (!schema_eval_init(&mine, value)) {
			ok = schema_val_nomem(v);
			goto done;
		}
		me = &mine;
	}
	k = schema_ctx_keywords(v->ctx, node, scratch);
	if (schema_ref_ignores_siblings(v->ctx, node)) {
		ok = (v->k = k, schema_val_inplace(v, node, value, out, depth, me));
		goto done;
	}
	/* v->k is set again before each group: the ones before recursed. */
	ok = (v->k = k, schema_val_type(v, node, value, out, &type_ok)) &&
	     (!type_ok || (v->k = k, schema_val_choices(v, node, value, out))) &&
	     (!cJSON_IsString(value) || (v->k = k, schema_val_string(v, node, value, out))) &&
	     (!cJSON_IsNumber(value) || (v->k = k, schema_val_number(v, node, value, out))) &&
	     (!cJSON_IsArray(value) || (v->k = k, schema_val_array(v, node, value, out, depth, me))) &&
	     (!cJSON_IsObject(value) || (v->k = k, schema_val_object(v, node, value, out, depth, me))) &&
	     (v->k = k, schema_val_inplace(v, node, value, out, depth, me));
	if (ok && me)
		ok = (v->k = k, schema_val_unevaluated(v, node, value, out, depth, me));
done:
	if (ok && ev && me && v->fails == fails)
		schema_eval_merge(ev, me);
	free(mine.marks);
	if (pushed)
		v->scope_count--;
	return ok;
}

static Status schema_val_run(SchemaCtx *ctx, const cJSON *node, const cJSON *value,
			     const char *pointer, SchemaIssues *out, Error *err)
{
	SchemaVal v = { .ctx = ctx, .err = err, .st = ST_OK, .ptr = BUF_INIT };

	if (!buf_puts(&v.ptr, pointer ? pointer : ""))
		return error_set(err, ST_E_NOMEM, "out of memory");
	schema_val_node(&v, node, value, out, 0, NULL);
	buf_clear(&v.ptr);
	free(v.scope);
	return v.st;
}

Status schema_validate_ctx(SchemaCtx *ctx, const cJSON *node, const cJSON *value,
			   const char *pointer, SchemaIssues *out, Error *err)
{
	return schema_val_run(ctx, node, value, pointer, out, err);
}

struct SchemaCompiled {
	SchemaCtx ctx;
};

Status schema_compile(const cJSON *schema, const SchemaOptions *opts, SchemaCompiled **out,
		      Error *err)
{
	SchemaCompiled *c;
	Status st;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st = schema_ctx_init_opts(&c->ctx, schema, opts, NULL, NULL, err);
	if (st != ST_OK) {
		free(c);
		return st;
	}
	*out = c;
	return ST_OK;
}

Status schema_validate_compiled(SchemaCompiled *c, const cJSON *value, SchemaIssues *out,
				Error *err)
{
	Status st;

	if (out)
		memset(out, 0, sizeof *out);
	if (!out || !c)
		return error_set(err, ST_E_INVALID, "schema_validate: nothing to validate with");
	if (!value)
		return error_set(err, ST_E_INVALID, "there is no config to validate");
	c->ctx.steps = 0; /* the budget is per validation */
	st = schema_val_run(&c->ctx, c->ctx.root, value, "", out, err);
	if (st != ST_OK)
		schema_issues_clear(out);
	return st;
}

void schema_compiled_free(SchemaCompiled *c)
{
	if (!c)
		return;
	schema_ctx_clear(&c->ctx);
	free(c);
}

Status schema_validate_opts(const cJSON *schema, const cJSON *value, const SchemaOptions *opts,
			    SchemaIssues *out, Error *err)
{
	SchemaCompiled *c;
	Status st;

	if (out)
		memset(out, 0, sizeof *out);
	if (!out)
		return error_set(err, ST_E_INVALID, "schema_validate: nowhere to put the issues");
	if (!value)
		return error_set(err, ST_E_INVALID, "there is no config to validate");
	st = schema_compile(schema, opts, &c, err);
	if (st != ST_OK)
		return st;
	st = schema_validate_compiled(c, value, out, err);
	schema_compiled_free(c);
	return st;
}

Status schema_validate(const cJSON *schema, const cJSON *value, SchemaIssues *out, Error *err)
{
	return schema_validate_opts(schema, value, NULL, out, err);
}
