/* Validation: every violation at once, each at the JSON Pointer of the
 * value it concerns, in words an operator reads without the schema open.
 * The walk is driven by the value (finite), and the context check rules
 * out reference cycles that would not consume it, so it always ends. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema_internal.h"
#include "util/json.h"

typedef struct SchemaVal {
	SchemaCtx *ctx;
	Error *err;
	Status st; /* ST_OK while the walk may continue */
	Buf ptr;   /* pointer of the value being checked */
	size_t hard; /* issues that say "wrong kind of value" (type, enum,
		      * const, unknown field): a branch with one is not the
		      * alternative the operator meant */
} SchemaVal;

static bool schema_val_node(SchemaVal *v, const cJSON *node, const cJSON *value,
			    SchemaIssues *out, size_t depth);

static bool schema_val_nomem(SchemaVal *v)
{
	if (v->st == ST_OK)
		v->st = error_set(v->err, ST_E_NOMEM, "out of memory");
	return false;
}

static bool schema_val_issue(SchemaVal *v, SchemaIssues *out, const char *msg)
{
	return schema_issues_add(out, v->ptr.data ? v->ptr.data : "", msg) || schema_val_nomem(v);
}

/* Extends the current pointer by one escaped token; returns the length to
 * restore with schema_val_pop. */
static size_t schema_val_push(SchemaVal *v, const char *token)
{
	size_t old = v->ptr.len;
	bool ok = buf_putc(&v->ptr, '/');

	for (const char *t = token; ok && *t; t++)
		ok = *t == '~' ? buf_puts(&v->ptr, "~0") : *t == '/' ? buf_puts(&v->ptr, "~1")
								   : buf_putc(&v->ptr, *t);
	if (!ok)
		schema_val_nomem(v);
	return old;
}

static void schema_val_pop(SchemaVal *v, size_t old)
{
	v->ptr.len = old;
	if (v->ptr.data)
		v->ptr.data[old] = '\0';
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

static bool schema_val_type(SchemaVal *v, const cJSON *node, const cJSON *value,
			    SchemaIssues *out, bool *type_ok)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type"), *m;
	SchemaType names[16];
	size_t n = 0;
	Buf msg = BUF_INIT;
	bool ok;

	*type_ok = true;
	if (cJSON_IsString(type)) {
		bool known;
		SchemaType t = schema_type_from_name(type->valuestring, &known);

		if (known)
			names[n++] = t;
	} else if (cJSON_IsArray(type)) {
		cJSON_ArrayForEach(m, type) {
			bool known, dup = false;
			SchemaType t;

			if (!cJSON_IsString(m))
				continue;
			t = schema_type_from_name(m->valuestring, &known);
			for (size_t i = 0; i < n; i++)
				dup |= names[i] == t;
			if (known && !dup && n < sizeof names / sizeof names[0])
				names[n++] = t;
		}
	}
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
	buf_free(&msg);
	v->hard++;
	return ok || schema_val_nomem(v);
}

/* A non-negative whole bound such as minLength; false when malformed. */
static bool schema_val_count(const cJSON *node, const char *kw, double *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(node, kw);

	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble) || n->valuedouble < 0 ||
	    n->valuedouble != floor(n->valuedouble))
		return false;
	*out = n->valuedouble;
	return true;
}

static bool schema_val_number_kw(const cJSON *node, const char *kw, double *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(node, kw);

	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble))
		return false;
	*out = n->valuedouble;
	return true;
}

static bool schema_val_string(SchemaVal *v, const cJSON *node, const cJSON *value,
			      SchemaIssues *out)
{
	const char *s = value->valuestring;
	const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(node, "pattern");
	const char *format = schema_node_format(node);
	char msg[600];
	double lim;
	size_t len = schema_utf8_length(s);

	if (schema_val_count(node, "minLength", &lim) && (double)len < lim) {
		snprintf(msg, sizeof msg, "must be at least %.0f character%s", lim, lim == 1 ? "" : "s");
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (schema_val_count(node, "maxLength", &lim) && (double)len > lim) {
		snprintf(msg, sizeof msg, "must be at most %.0f character%s", lim, lim == 1 ? "" : "s");
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (cJSON_IsString(pattern)) {
		const regex_t *re = schema_ctx_regex(v->ctx, pattern);

		if (re && !schema_regex_match(re, s)) {
			snprintf(msg, sizeof msg, "must match the pattern %.400s", pattern->valuestring);
			if (!schema_val_issue(v, out, msg))
				return false;
		}
	}
	if (format && strcmp(format, "uri") == 0 && !schema_uri_valid(s))
		return schema_val_issue(v, out, "must be a URI such as https://example.com/path");
	return true;
}

static bool schema_val_number(SchemaVal *v, const cJSON *node, const cJSON *value,
			      SchemaIssues *out)
{
	double d = value->valuedouble, lim;
	const cJSON *exmin = cJSON_GetObjectItemCaseSensitive(node, "exclusiveMinimum");
	const cJSON *exmax = cJSON_GetObjectItemCaseSensitive(node, "exclusiveMaximum");
	char num[64], msg[128];

	if (!isfinite(d))
		return true; /* the type check already said so */
	/* Draft 4 spells exclusiveness as a boolean next to minimum/maximum. */
	if (schema_val_number_kw(node, "minimum", &lim)) {
		bool excl = cJSON_IsTrue(exmin);

		if (excl ? d <= lim : d < lim) {
			schema_format_number(lim, num, sizeof num);
			snprintf(msg, sizeof msg, excl ? "must be greater than %s" : "must be at least %s",
				 num);
			if (!schema_val_issue(v, out, msg))
				return false;
		}
	}
	if (schema_val_number_kw(node, "maximum", &lim)) {
		bool excl = cJSON_IsTrue(exmax);

		if (excl ? d >= lim : d > lim) {
			schema_format_number(lim, num, sizeof num);
			snprintf(msg, sizeof msg, excl ? "must be less than %s" : "must be at most %s", num);
			if (!schema_val_issue(v, out, msg))
				return false;
		}
	}
	if (schema_val_number_kw(node, "exclusiveMinimum", &lim) && d <= lim) {
		schema_format_number(lim, num, sizeof num);
		snprintf(msg, sizeof msg, "must be greater than %s", num);
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (schema_val_number_kw(node, "exclusiveMaximum", &lim) && d >= lim) {
		schema_format_number(lim, num, sizeof num);
		snprintf(msg, sizeof msg, "must be less than %s", num);
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (schema_val_number_kw(node, "multipleOf", &lim) && lim > 0 &&
	    !schema_is_multiple_of(d, lim)) {
		schema_format_number(lim, num, sizeof num);
		snprintf(msg, sizeof msg, "must be a multiple of %s", num);
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	return true;
}

static bool schema_val_array(SchemaVal *v, const cJSON *node, const cJSON *value,
			     SchemaIssues *out, size_t depth)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(node, "items"), *m;
	double lim, n = cJSON_GetArraySize(value);
	char msg[128];
	size_t i = 0;

	if (schema_val_count(node, "minItems", &lim) && n < lim) {
		snprintf(msg, sizeof msg, "must have at least %.0f item%s", lim, lim == 1 ? "" : "s");
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (schema_val_count(node, "maxItems", &lim) && n > lim) {
		snprintf(msg, sizeof msg, "must have at most %.0f item%s", lim, lim == 1 ? "" : "s");
		if (!schema_val_issue(v, out, msg))
			return false;
	}
	if (!cJSON_IsObject(items) && !cJSON_IsBool(items))
		return true;
	cJSON_ArrayForEach(m, value) {
		char tok[32];
		size_t old;
		bool ok;

		snprintf(tok, sizeof tok, "%zu", i++);
		old = schema_val_push(v, tok);
		ok = v->st == ST_OK && schema_val_node(v, items, m, out, depth + 1);
		schema_val_pop(v, old);
		if (!ok)
			return false;
	}
	return true;
}

static bool schema_val_object(SchemaVal *v, const cJSON *node, const cJSON *value,
			      SchemaIssues *out, size_t depth)
{
	const cJSON *required = cJSON_GetObjectItemCaseSensitive(node, "required");
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties");
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(node, "additionalProperties");
	const cJSON *m;

	if (!cJSON_IsObject(props))
		props = NULL;
	if (cJSON_IsArray(required)) {
		cJSON_ArrayForEach(m, required) {
			size_t old;
			bool ok;

			if (!cJSON_IsString(m) ||
			    cJSON_GetObjectItemCaseSensitive(value, m->valuestring))
				continue;
			old = schema_val_push(v, m->valuestring);
			ok = v->st == ST_OK && schema_val_issue(v, out, "required");
			schema_val_pop(v, old);
			if (!ok)
				return false;
		}
	}
	cJSON_ArrayForEach(m, value) {
		const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
		size_t old;
		bool ok = true;

		if (!sub && !cJSON_IsObject(extra) && !cJSON_IsFalse(extra))
			continue;
		old = schema_val_push(v, m->string);
		if (v->st != ST_OK)
			ok = false;
		else if (sub)
			ok = schema_val_node(v, sub, m, out, depth + 1);
		else if (cJSON_IsFalse(extra))
			ok = (v->hard++, schema_val_issue(v, out, "unknown field"));
		else
			ok = schema_val_node(v, extra, m, out, depth + 1);
		schema_val_pop(v, old);
		if (!ok)
			return false;
	}
	return true;
}

/* anyOf/oneOf: each branch is checked on its own list. When none matches,
 * the branch the operator evidently meant speaks: among the branches whose
 * issues are all about missing or out-of-range values (none says "wrong
 * kind of value"), the one with the fewest issues, if it is the only one
 * with that few. Otherwise the message is about the alternatives. */
static bool schema_val_branches(SchemaVal *v, const cJSON *list, bool one, const cJSON *value,
				SchemaIssues *out, size_t depth)
{
	const cJSON *m;
	size_t n = 0, matches = 0, best = 0, best_count = (size_t)-1, ties = 0;
	SchemaIssues *tries;
	char msg[160];
	bool ok = true;

	cJSON_ArrayForEach(m, list)
		n++;
	if (!n)
		return true;
	tries = calloc(n, sizeof *tries);
	if (!tries)
		return schema_val_nomem(v);
	n = 0;
	cJSON_ArrayForEach(m, list) {
		size_t hard = v->hard;

		if (!schema_val_node(v, m, value, &tries[n], depth + 1)) {
			ok = false;
			n++;
			break;
		}
		if (tries[n].count == 0) {
			matches++;
		} else if (v->hard == hard) {
			if (tries[n].count < best_count) {
				best_count = tries[n].count;
				best = n;
				ties = 0;
			} else if (tries[n].count == best_count) {
				ties++;
			}
		}
		n++;
	}
	if (ok) {
		if (matches == 0 && best_count != (size_t)-1 && ties == 0) {
			ok = schema_issues_move(out, &tries[best]) || schema_val_nomem(v);
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
	for (size_t i = 0; i < n; i++)
		schema_issues_free(&tries[i]);
	free(tries);
	return ok;
}

/* enum and const: skipped when the type is already wrong (one message
 * about the kind of value is enough). */
static bool schema_val_choices(SchemaVal *v, const cJSON *node, const cJSON *value,
			       SchemaIssues *out)
{
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(node, "enum");
	const cJSON *cn = cJSON_GetObjectItemCaseSensitive(node, "const");
	Buf msg = BUF_INIT;
	bool ok = true;

	if (cJSON_IsArray(en) && en->child) {
		const cJSON *m;
		bool found = false;

		cJSON_ArrayForEach(m, en)
			if ((found = json_equal(m, value)))
				break;
		if (!found) {
			v->hard++;
			ok = buf_puts(&msg, "must be one of ") && schema_val_list(&msg, en) &&
			     schema_val_issue(v, out, msg.data);
		}
	}
	if (ok && cn && !json_equal(cn, value)) {
		v->hard++;
		buf_reset(&msg);
		ok = buf_puts(&msg, "must equal ") && schema_render_value(&msg, cn) &&
		     schema_val_issue(v, out, msg.data);
	}
	buf_free(&msg);
	return ok || schema_val_nomem(v);
}

static bool schema_val_node(SchemaVal *v, const cJSON *node, const cJSON *value,
			    SchemaIssues *out, size_t depth)
{
	const cJSON *target, *kw;
	bool type_ok;

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
	target = schema_ref_target(v->ctx, node);
	if (target && !schema_val_node(v, target, value, out, depth + 1))
		return false;
	if (!schema_val_type(v, node, value, out, &type_ok))
		return false;
	if (type_ok && !schema_val_choices(v, node, value, out))
		return false;
	if (cJSON_IsString(value) && !schema_val_string(v, node, value, out))
		return false;
	if (cJSON_IsNumber(value) && !schema_val_number(v, node, value, out))
		return false;
	if (cJSON_IsArray(value) && !schema_val_array(v, node, value, out, depth))
		return false;
	if (cJSON_IsObject(value) && !schema_val_object(v, node, value, out, depth))
		return false;
	kw = cJSON_GetObjectItemCaseSensitive(node, "allOf");
	if (cJSON_IsArray(kw)) {
		const cJSON *m;

		cJSON_ArrayForEach(m, kw)
			if (!schema_val_node(v, m, value, out, depth + 1))
				return false;
	}
	kw = cJSON_GetObjectItemCaseSensitive(node, "anyOf");
	if (cJSON_IsArray(kw) && !schema_val_branches(v, kw, false, value, out, depth))
		return false;
	kw = cJSON_GetObjectItemCaseSensitive(node, "oneOf");
	if (cJSON_IsArray(kw) && !schema_val_branches(v, kw, true, value, out, depth))
		return false;
	return true;
}

Status schema_validate_ctx(SchemaCtx *ctx, const cJSON *node, const cJSON *value,
			   const char *pointer, SchemaIssues *out, Error *err)
{
	SchemaVal v = { .ctx = ctx, .err = err, .st = ST_OK, .ptr = BUF_INIT };

	if (!buf_puts(&v.ptr, pointer ? pointer : ""))
		return error_set(err, ST_E_NOMEM, "out of memory");
	schema_val_node(&v, node, value, out, 0);
	buf_free(&v.ptr);
	return v.st;
}

Status schema_validate(const cJSON *schema, const cJSON *value, SchemaIssues *out, Error *err)
{
	SchemaCtx ctx;
	Status st;

	if (out)
		memset(out, 0, sizeof *out);
	if (!out)
		return error_set(err, ST_E_INVALID, "schema_validate: nowhere to put the issues");
	if (!value)
		return error_set(err, ST_E_INVALID, "there is no config to validate");
	st = schema_ctx_init(&ctx, schema, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	st = schema_validate_ctx(&ctx, schema, value, "", out, err);
	schema_ctx_free(&ctx);
	if (st != ST_OK)
		schema_issues_free(out);
	return st;
}
