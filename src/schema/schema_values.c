/* Values: the initial form values from defaults, defaults filled into an
 * existing config, and form text coerced to each field's JSON type.
 *
 * Defaults rules (DESIGN §Schema-driven configs): a field's own "default" wins (a node's own
 * default over its $ref's); an object without one gets an object holding
 * its properties' defaults, recursively, when any exist; arrays only get
 * an explicit default. allOf members all contribute; of a oneOf/anyOf
 * only the first branch does, so the initial values never mix
 * alternatives; conditions (not, if/then/else, dependentSchemas) give no
 * defaults. A recursive $ref is not followed for defaults. More than
 * SCHEMA_MAX_MERGE schemas on one value is an error, as in every walker. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema/private.h"
#include "util/lib.h"

typedef struct DefCtx {
	SchemaCtx *sctx;
	Error *err;
	Status st;
	const cJSON **anc; /* nodes whose defaults are being built (the path) */
	size_t anc_count, anc_cap;
	size_t made; /* values created */
} DefCtx;

typedef struct DefSet {
	const cJSON *items[SCHEMA_MAX_MERGE];
	size_t count;
} DefSet;

static bool def_nomem(DefCtx *d)
{
	if (d->st == ST_OK)
		d->st = error_set(d->err, ST_E_NOMEM, "out of memory");
	return false;
}

static bool def_step(DefCtx *d)
{
	if (d->st != ST_OK)
		return false;
	if (!schema_ctx_step(d->sctx, d->err)) {
		d->st = ST_E_INVALID;
		return false;
	}
	return true;
}

static bool def_collect(DefCtx *d, DefSet *set, const cJSON *node);

static bool def_collect_visit(void *arg, const cJSON *sub, const SchemaSub *how)
{
	void **a = arg;

	switch (how->kind) {
	case SCHEMA_APPLY_REF:
	case SCHEMA_APPLY_DYNREF:
	case SCHEMA_APPLY_ALL:
		return def_collect(a[0], a[1], sub);
	case SCHEMA_APPLY_ANY:
	case SCHEMA_APPLY_ONE:
		return how->index > 0 || def_collect(a[0], a[1], sub);
	default:
		/* not, if/then/else, dependentSchemas: conditions, not values */
		return true;
	}
}

/* node, its $ref, its allOf members and the first branch of each
 * anyOf/oneOf: the schemas whose defaults apply to one value. */
static bool def_collect(DefCtx *d, DefSet *set, const cJSON *node)
{
	void *arg[2] = { d, set };

	if (!cJSON_IsObject(node))
		return true;
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i] == node)
			return true;
	if (!def_step(d))
		return false;
	if (set->count >= SCHEMA_MAX_MERGE) {
		d->st = schema_merge_overflow(d->sctx, node, d->err);
		return false;
	}
	set->items[set->count++] = node;
	return schema_each_inplace(d->sctx, node, def_collect_visit, arg) && d->st == ST_OK;
}

static bool def_on_path(const DefCtx *d, const DefSet *set)
{
	for (size_t i = 0; i < set->count; i++)
		for (size_t j = 0; j < d->anc_count; j++)
			if (d->anc[j] == set->items[i])
				return true;
	return false;
}

static bool def_push(DefCtx *d, const DefSet *set)
{
	if (!array_reserve_n(&d->anc, &d->anc_cap, d->anc_count, set->count, sizeof *d->anc))
		return def_nomem(d);
	for (size_t i = 0; i < set->count; i++)
		d->anc[d->anc_count++] = set->items[i];
	return true;
}

static cJSON *def_for_set(DefCtx *d, const DefSet *set, size_t depth);

/* The seeds of property key across set. */
static bool def_seeds(DefCtx *d, const DefSet *set, const char *kw, const char *key, DefSet *out)
{
	out->count = 0;
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->items[i], kw);

		if (key)
			v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
		if (cJSON_IsObject(v) && !def_collect(d, out, v))
			return false;
	}
	return d->st == ST_OK;
}

/* Adds to obj the defaults of every property of set that obj lacks. */
static bool def_fill_properties(DefCtx *d, const DefSet *set, cJSON *obj, size_t depth)
{
	DefSet *kid = malloc(sizeof *kid);

	if (!kid)
		return def_nomem(d);
	for (size_t i = 0; i < set->count && d->st == ST_OK; i++) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[i], "properties"), *p;

		cJSON_ArrayForEach(p, schema_json_object(props)) {
			cJSON *v;

			if (cJSON_GetObjectItemCaseSensitive(obj, p->string))
				continue;
			if (!def_seeds(d, set, "properties", p->string, kid))
				break;
			v = def_for_set(d, kid, depth + 1);
			if (d->st != ST_OK)
				break;
			if (v && !cJSON_AddItemToObject(obj, p->string, v)) {
				cJSON_Delete(v);
				def_nomem(d);
				break;
			}
		}
	}
	free(kid);
	return d->st == ST_OK;
}

static cJSON *def_for_set(DefCtx *d, const DefSet *set, size_t depth)
{
	const cJSON *dflt = NULL;
	cJSON *out = NULL;
	size_t mark = d->anc_count;
	bool has_props = false;

	if (depth > SCHEMA_MAX_FORM_DEPTH || def_on_path(d, set) || !def_step(d))
		return NULL;
	if (++d->made > SCHEMA_MAX_DEFAULTS) {
		if (d->st == ST_OK)
			d->st = error_set(d->err, ST_E_INVALID,
					  "the defaults expand to more than %d values; the schema "
					  "repeats itself too much", SCHEMA_MAX_DEFAULTS);
		return NULL;
	}
	for (size_t i = 0; i < set->count; i++) {
		if (!dflt)
			dflt = cJSON_GetObjectItemCaseSensitive(set->items[i], "default");
		has_props |= cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(set->items[i], "properties"));
	}
	if (dflt) {
		out = cJSON_Duplicate(dflt, 1);
		if (!out) {
			def_nomem(d);
			return NULL;
		}
	}
	if (!has_props || (out && !cJSON_IsObject(out)))
		return out;
	if (!out && !(out = cJSON_CreateObject())) {
		def_nomem(d);
		return NULL;
	}
	if (def_push(d, set))
		def_fill_properties(d, set, out, depth);
	d->anc_count = mark;
	if (d->st != ST_OK || (!dflt && !out->child)) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

cJSON *schema_defaults(const cJSON *schema, Error *err)
{
	SchemaCtx sctx;
	DefCtx d = { .err = err, .st = ST_OK };
	DefSet *set;
	cJSON *out = NULL;

	if (schema_ctx_init(&sctx, schema, NULL, NULL, err) != ST_OK)
		return NULL;
	d.sctx = &sctx;
	set = calloc(1, sizeof *set);
	if (!set)
		def_nomem(&d);
	else if (def_collect(&d, set, schema))
		out = def_for_set(&d, set, 0);
	if (d.st == ST_OK && !out && !(out = cJSON_CreateObject()))
		def_nomem(&d);
	if (d.st != ST_OK) {
		cJSON_Delete(out);
		out = NULL;
	}
	free(set);
	free(d.anc);
	schema_ctx_clear(&sctx);
	return out;
}

/* Fills the defaults missing from value, following the value. The nodes
 * of every value on the way down are on the path, so the defaults of a
 * missing key never re-enter a recursive schema. */
static bool def_apply(DefCtx *d, const DefSet *set, cJSON *value, size_t depth)
{
	DefSet *kid;
	cJSON *m;
	size_t mark = d->anc_count;

	if (depth > SCHEMA_MAX_CHECK_DEPTH || !def_step(d))
		return d->st == ST_OK;
	if (!cJSON_IsObject(value) && !cJSON_IsArray(value))
		return true;
	kid = malloc(sizeof *kid);
	if (!kid)
		return def_nomem(d);
	if (!def_push(d, set)) {
		free(kid);
		return false;
	}
	if (cJSON_IsObject(value)) {
		cJSON_ArrayForEach(m, value) {
			bool declared = false;

			for (size_t i = 0; i < set->count && !declared; i++) {
				const cJSON *props =
					cJSON_GetObjectItemCaseSensitive(set->items[i], "properties");

				declared = cJSON_IsObject(props) &&
					   cJSON_GetObjectItemCaseSensitive(props, m->string);
			}
			if (!def_seeds(d, set, declared ? "properties" : "additionalProperties",
				       declared ? m->string : NULL, kid) ||
			    !def_apply(d, kid, m, depth + 1))
				break;
		}
		if (d->st == ST_OK)
			def_fill_properties(d, set, value, depth);
	} else if (def_seeds(d, set, "items", NULL, kid)) {
		cJSON_ArrayForEach(m, value) {
			if (!def_apply(d, kid, m, depth + 1))
				break;
		}
	}
	d->anc_count = mark;
	free(kid);
	return d->st == ST_OK;
}

Status schema_apply_defaults(const cJSON *schema, cJSON *config, Error *err)
{
	SchemaCtx sctx;
	DefCtx d = { .err = err, .st = ST_OK };
	DefSet *set;
	Status st;

	if (!config)
		return error_set(err, ST_E_INVALID, "there is no config to fill defaults into");
	st = schema_ctx_init(&sctx, schema, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	d.sctx = &sctx;
	set = calloc(1, sizeof *set);
	if (!set)
		def_nomem(&d);
	else if (def_collect(&d, set, schema))
		def_apply(&d, set, config, 0);
	free(set);
	free(d.anc);
	schema_ctx_clear(&sctx);
	return d.st;
}

/* ------------------------------------------------------------ coercion */

static Status coerce_fail(const SchemaField *f, Error *err, const char *text, const char *what)
{
	char name[512];

	if (f->title && f->title[0] && f->pointer && f->pointer[0])
		snprintf(name, sizeof name, "%s (%s)", f->title, f->pointer);
	else
		snprintf(name, sizeof name, "%s",
			 f->title && f->title[0] ? f->title : f->pointer && f->pointer[0] ? f->pointer
											     : "the value");
	/* A secret's text is never repeated back, not even in an error. */
	if (text && !f->secret)
		return error_set(err, ST_E_INVALID, "%s: %s, not \"%.60s%s\"", name, what, text,
				 strlen(text) > 60 ? "..." : "");
	return error_set(err, ST_E_INVALID, "%s: %s", name, what);
}

static char *coerce_trim(const char *text)
{
	const char *s = text, *e;
	char *out;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	out = malloc((size_t)(e - s) + 1);
	if (out) {
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
	}
	return out;
}

/* JSON number syntax, with an optional leading "+". */
static bool coerce_number_syntax(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

static Status coerce_choice(const SchemaField *f, const char *text, const char *trimmed,
			    cJSON **out, Error *err)
{
	const cJSON *list = f->enum_values, *m;
	const cJSON *single[1] = { f->const_value };
	Buf b = BUF_INIT;
	Status st;

	for (m = list ? list->child : single[0]; m; m = list ? m->next : NULL) {
		bool match;

		buf_reset(&b);
		if (!schema_render_value(&b, m)) {
			buf_clear(&b);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
		match = strcmp(b.data ? b.data : "", cJSON_IsString(m) ? text : trimmed) == 0;
		if (match) {
			buf_clear(&b);
			*out = cJSON_Duplicate(m, 1);
			return *out ? ST_OK : error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	buf_reset(&b);
	if (list) {
		const cJSON *e;
		bool first = true;

		buf_puts(&b, "must be one of ");
		cJSON_ArrayForEach(e, list) {
			if (!first)
				buf_puts(&b, ", ");
			if (b.len > 300) {
				buf_puts(&b, "...");
				break;
			}
			schema_render_value(&b, e);
			first = false;
		}
	} else {
		buf_puts(&b, "must equal ");
		schema_render_value(&b, f->const_value);
	}
	st = coerce_fail(f, err, text, b.data ? b.data : "is not an allowed value");
	buf_clear(&b);
	return st;
}

Status schema_coerce(const SchemaField *field, const char *text, cJSON **out, Error *err)
{
	char *t;
	Status st = ST_OK;

	*out = NULL;
	if (!field)
		return error_set(err, ST_E_INVALID, "no field to convert the text for");
	if (!text || !text[0])
		return ST_OK; /* remove the key; validation says if it was required */
	if ((field->enum_values && field->enum_values->child) || field->const_value) {
		t = coerce_trim(text);
		if (!t)
			return error_set(err, ST_E_NOMEM, "out of memory");
		st = coerce_choice(field, text, t, out, err);
		free(t);
		return st;
	}
	if (field->type == SCHEMA_STRING) {
		*out = cJSON_CreateString(text);
		return *out ? ST_OK : error_set(err, ST_E_NOMEM, "out of memory");
	}
	t = coerce_trim(text);
	if (!t)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (field->nullable && strcmp(t, "null") == 0) {
		*out = cJSON_CreateNull();
		goto done;
	}
	switch (field->type) {
	case SCHEMA_INTEGER: {
		const char *p = t + (t[0] == '-' || t[0] == '+');
		char *end;
		long long v;
		bool digits = *p != '\0';

		for (; *p; p++)
			digits &= isdigit((unsigned char)*p) != 0;
		if (!digits) {
			st = coerce_fail(field, err, text, "must be an integer");
			break;
		}
		errno = 0;
		v = strtoll(t, &end, 10);
		/* cJSON holds numbers as doubles: beyond 2^53 the value would
		 * silently change, so say so instead. */
		if (errno == ERANGE || v > 9007199254740991LL || v < -9007199254740991LL) {
			st = coerce_fail(field, err, text,
					 "must be an integer between -9007199254740991 and "
					 "9007199254740991");
			break;
		}
		*out = cJSON_CreateNumber((double)v);
		break;
	}
	case SCHEMA_NUMBER: {
		double v;

		if (!coerce_number_syntax(t)) {
			st = coerce_fail(field, err, text, "must be a number");
			break;
		}
		v = strtod(t, NULL);
		if (!isfinite(v)) {
			st = coerce_fail(field, err, text, "must be a number of a sensible size");
			break;
		}
		*out = cJSON_CreateNumber(v);
		break;
	}
	case SCHEMA_BOOLEAN: {
		static const char *const yes[] = { "true", "yes", "on", "1" };
		static const char *const no[] = { "false", "no", "off", "0" };

		for (size_t i = 0; i < 4 && !*out; i++) {
			if (strcasecmp(t, yes[i]) == 0)
				*out = cJSON_CreateTrue();
			else if (strcasecmp(t, no[i]) == 0)
				*out = cJSON_CreateFalse();
		}
		if (!*out) {
			st = coerce_fail(field, err, text,
					 "must be true or false (yes/no, on/off, 1/0 also work)");
			goto done_err;
		}
		break;
	}
	case SCHEMA_OBJECT:
	case SCHEMA_ARRAY: {
		cJSON *j = cJSON_Parse(t);
		bool obj = field->type == SCHEMA_OBJECT;

		if (!j || (obj ? !cJSON_IsObject(j) : !cJSON_IsArray(j))) {
			cJSON_Delete(j);
			st = coerce_fail(field, err, NULL,
					 obj ? "must be a JSON object such as {\"KEY\": \"value\"}"
					     : "must be a JSON array such as [\"a\", \"b\"]");
			break;
		}
		*out = j;
		break;
	}
	case SCHEMA_NULL:
		if (strcmp(t, "null") != 0) {
			st = coerce_fail(field, err, text, "must be null (leave it empty)");
			break;
		}
		*out = cJSON_CreateNull();
		break;
	case SCHEMA_STRING:
	case SCHEMA_ANY:
		/* JSON when it parses as JSON, else the text itself. */
		*out = cJSON_Parse(t);
		if (!*out)
			*out = cJSON_CreateString(text);
		break;
	}
done:
	if (st == ST_OK && !*out)
		st = error_set(err, ST_E_NOMEM, "out of memory");
done_err:
	free(t);
	return st;
}
