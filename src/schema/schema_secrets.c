/* Secret discovery: where format "secret-ref" fields are. Unlike
 * Paperclip (dotted paths, array items skipped), locations are JSON
 * Pointers and array items and additionalProperties maps are walked.
 * Every schema that applies counts (schema_each_inplace: $ref, the
 * combiners, not, if/then/else, dependentSchemas), and so does every place
 * a member can be described (properties, patternProperties,
 * additionalProperties, prefixItems/tuple items, items, contains,
 * unevaluated*): a field that is a secret in any alternative is a secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"
#include "util/lib.h"

typedef struct SecSet {
	const cJSON **items;
	size_t count, cap;
} SecSet;

typedef struct SecCtx {
	SchemaCtx *sctx;
	Error *err;
	Status st;
	char **paths;
	size_t count, cap;
	const cJSON **anc; /* pattern walk: nodes on the path */
	size_t anc_count, anc_cap;
} SecCtx;

static bool sec_nomem(SecCtx *s)
{
	if (s->st == ST_OK)
		s->st = error_set(s->err, ST_E_NOMEM, "out of memory");
	return false;
}

static bool sec_step(SecCtx *s)
{
	if (s->st != ST_OK)
		return false;
	if (!schema_ctx_step(s->sctx, s->err)) {
		s->st = ST_E_INVALID;
		return false;
	}
	return true;
}

static bool sec_collect(SecCtx *s, SecSet *set, const cJSON *node);

static bool sec_collect_visit(void *arg, const cJSON *sub, const SchemaSub *how)
{
	void **a = arg;

	return sec_collect(a[0], a[1], sub);
}

/* node and every schema applying to the same value (schema_each_inplace:
 * $ref, the combiners, not, if/then/else, dependentSchemas, ...). */
static bool sec_collect(SecCtx *s, SecSet *set, const cJSON *node)
{
	void *arg[2] = { s, set };

	if (!cJSON_IsObject(node))
		return true;
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i] == node)
			return true;
	if (!sec_step(s))
		return false;
	if (set->count >= SCHEMA_MAX_MERGE) {
		s->st = schema_merge_overflow(s->sctx, node, s->err);
		return false;
	}
	if (!array_reserve(&set->items, &set->cap, set->count, sizeof *set->items))
		return sec_nomem(s);
	set->items[set->count++] = node;
	return schema_each_inplace(s->sctx, node, sec_collect_visit, arg) && s->st == ST_OK;
}

static bool sec_is_secret(const SecSet *set)
{
	for (size_t i = 0; i < set->count; i++) {
		const char *f = schema_node_format(set->items[i]);

		if (f && strcmp(f, "secret-ref") == 0)
			return true;
	}
	return false;
}

static bool sec_add(SecCtx *s, const char *pointer)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->paths[i], pointer) == 0)
			return true;
	if (s->count >= SCHEMA_MAX_SECRETS) {
		if (s->st == ST_OK)
			s->st = error_set(s->err, ST_E_INVALID,
					  "more than %d secret fields: the schema (or config) is too "
					  "large to handle", SCHEMA_MAX_SECRETS);
		return false;
	}
	/* and one more for the NULL that ends the list */
	if (!array_reserve(&s->paths, &s->cap, s->count + 1, sizeof *s->paths))
		return sec_nomem(s);
	s->paths[s->count] = strdup(pointer);
	if (!s->paths[s->count])
		return sec_nomem(s);
	s->count++;
	s->paths[s->count] = NULL;
	return true;
}

/* Which members of a value a seed set is asked about. */
typedef enum SecKind {
	SEC_PROP,     /* the declared property key (properties) */
	SEC_ANY_KEY,  /* any other key: additionalProperties, patternProperties, unevaluatedProperties */
	SEC_TUPLE,    /* tuple entry index: prefixItems, or items as a list */
	SEC_ANY_ITEM, /* any item: items, additionalItems, contains, unevaluatedItems */
	SEC_MEMBER,   /* the concrete member key (or item index) of a config */
} SecKind;

static bool sec_seed(SecCtx *s, SecSet *out, const cJSON *v)
{
	return !cJSON_IsObject(v) || sec_collect(s, out, v);
}

/* The tuple of node (prefixItems, or draft-07 items as a list) and the
 * schema for the items after it. */
static const cJSON *sec_tuple(const SecCtx *s, const cJSON *node, const cJSON **rest)
{
	const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(node, "prefixItems");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(node, "items");

	if (cJSON_IsArray(prefix) && !s->sctx->draft7) {
		*rest = items;
		return prefix;
	}
	if (cJSON_IsArray(items)) {
		*rest = cJSON_GetObjectItemCaseSensitive(node, "additionalItems");
		return items;
	}
	*rest = items;
	return NULL;
}

/* The seeds of every node of set for the members kind/key/index names. */
static bool sec_seeds(SecCtx *s, const SecSet *set, SecKind kind, const char *key, size_t index,
		      bool is_array, SecSet *out)
{
	out->count = 0;
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *n = set->items[i], *m, *rest, *tuple = sec_tuple(s, n, &rest);
		const cJSON *props = schema_json_object(cJSON_GetObjectItemCaseSensitive(n, "properties"));
		const cJSON *pprops =
			schema_json_object(cJSON_GetObjectItemCaseSensitive(n, "patternProperties"));
		bool matched = false, ok = true;

		switch (kind) {
		case SEC_PROP:
			ok = sec_seed(s, out, props ? cJSON_GetObjectItemCaseSensitive(props, key) : NULL);
			break;
		case SEC_ANY_KEY:
			cJSON_ArrayForEach(m, pprops) {
				if (ok)
					ok = sec_seed(s, out, m);
			}
			ok = ok && sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "additionalProperties")) &&
			     sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "unevaluatedProperties"));
			break;
		case SEC_TUPLE:
			ok = sec_seed(s, out, tuple ? cJSON_GetArrayItem(tuple, (int)index) : NULL);
			break;
		case SEC_ANY_ITEM:
			ok = sec_seed(s, out, rest) &&
			     sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "contains")) &&
			     sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "unevaluatedItems"));
			break;
		case SEC_MEMBER:
			if (is_array) {
				size_t len = tuple ? (size_t)cJSON_GetArraySize(tuple) : 0;

				ok = index < len ? sec_seed(s, out, cJSON_GetArrayItem(tuple, (int)index))
						 : sec_seed(s, out, rest);
				ok = ok && sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "contains")) &&
				     sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "unevaluatedItems"));
				break;
			}
			m = props ? cJSON_GetObjectItemCaseSensitive(props, key) : NULL;
			matched = m != NULL;
			ok = sec_seed(s, out, m);
			cJSON_ArrayForEach(m, pprops) {
				const SchemaRegex *re = schema_ctx_regex(s->sctx, m);

				if (ok && re && schema_regex_match(re, key, strlen(key)) == 1) {
					matched = true;
					ok = sec_seed(s, out, m);
				}
			}
			if (ok && !matched)
				ok = sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "additionalProperties")) &&
				     sec_seed(s, out, cJSON_GetObjectItemCaseSensitive(n, "unevaluatedProperties"));
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

static bool sec_on_path(const SecCtx *s, const SecSet *set)
{
	for (size_t i = 0; i < set->count; i++)
		for (size_t j = 0; j < s->anc_count; j++)
			if (s->anc[j] == set->items[i])
				return true;
	return false;
}

static bool sec_patterns(SecCtx *s, const SecSet *set, const char *pointer, size_t depth);

static bool sec_pattern_child(SecCtx *s, const SecSet *set, SecKind kind, const char *key,
			      size_t index, const char *pointer, const char *token, size_t depth)
{
	SecSet kid = { NULL, 0, 0 };
	char *ptr = jsonptr_append(pointer, token);
	bool ok = ptr != NULL || sec_nomem(s);

	ok = ok && sec_seeds(s, set, kind, key, index, false, &kid) &&
	     (!kid.count || sec_patterns(s, &kid, ptr, depth + 1));
	free(kid.items);
	free(ptr);
	return ok;
}

static bool sec_patterns(SecCtx *s, const SecSet *set, const char *pointer, size_t depth)
{
	size_t mark = s->anc_count;
	bool ok = true;

	/* A recursive schema would give endless patterns: its secrets are
	 * those already listed at the first level. */
	if (depth > SCHEMA_MAX_FORM_DEPTH || sec_on_path(s, set))
		return true;
	if (sec_is_secret(set) && !sec_add(s, pointer))
		return false;
	if (!array_reserve_n(&s->anc, &s->anc_cap, s->anc_count, set->count, sizeof *s->anc))
		return sec_nomem(s);
	for (size_t i = 0; i < set->count; i++)
		s->anc[s->anc_count++] = set->items[i];
	for (size_t i = 0; ok && i < set->count; i++) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[i], "properties"), *p;

		cJSON_ArrayForEach(p, schema_json_object(props)) {
			bool earlier = false;

			/* Each key once, with the seeds of every node. */
			for (size_t j = 0; j < i && !earlier; j++) {
				const cJSON *q = cJSON_GetObjectItemCaseSensitive(set->items[j], "properties");

				earlier = cJSON_IsObject(q) && cJSON_GetObjectItemCaseSensitive(q, p->string);
			}
			if (!earlier && !(ok = sec_pattern_child(s, set, SEC_PROP, p->string, 0, pointer,
								 p->string, depth)))
				break;
		}
	}
	/* Tuple entries by index ("/pair/0/password"), up to the longest. */
	{
		size_t longest = 0;

		for (size_t i = 0; i < set->count; i++) {
			const cJSON *rest, *t = sec_tuple(s, set->items[i], &rest);

			if (t && (size_t)cJSON_GetArraySize(t) > longest)
				longest = (size_t)cJSON_GetArraySize(t);
		}
		for (size_t i = 0; ok && i < longest; i++) {
			char tok[32];

			snprintf(tok, sizeof tok, "%zu", i);
			ok = sec_pattern_child(s, set, SEC_TUPLE, NULL, i, pointer, tok, depth);
		}
	}
	if (ok)
		ok = sec_pattern_child(s, set, SEC_ANY_ITEM, NULL, 0, pointer, "-", depth);
	if (ok)
		ok = sec_pattern_child(s, set, SEC_ANY_KEY, NULL, 0, pointer, "*", depth);
	s->anc_count = mark;
	return ok;
}

/* The concrete walk follows the config, so it ends however the schema
 * recurses. */
static bool sec_paths(SecCtx *s, const SecSet *set, const cJSON *value, Buf *ptr, size_t depth)
{
	SecSet kid = { NULL, 0, 0 };
	const cJSON *m;
	size_t i = 0;
	bool ok = true;

	if (depth > SCHEMA_MAX_CHECK_DEPTH || !sec_step(s))
		return s->st == ST_OK;
	if (sec_is_secret(set) && !sec_add(s, ptr->data))
		return false;
	if (!cJSON_IsObject(value) && !cJSON_IsArray(value))
		return true;
	cJSON_ArrayForEach(m, value) {
		size_t old = ptr->len;
		char idx[32];
		const char *token = m->string;

		if (cJSON_IsArray(value)) {
			snprintf(idx, sizeof idx, "%zu", i);
			token = idx;
		}
		ok = sec_seeds(s, set, SEC_MEMBER, m->string, i, cJSON_IsArray(value), &kid);
		i++;
		if (!ok)
			break;
		if (!kid.count)
			continue;
		ok = buf_putc(ptr, '/');
		for (const char *t = token; ok && *t; t++)
			ok = *t == '~' ? buf_puts(ptr, "~0") : *t == '/' ? buf_puts(ptr, "~1")
									 : buf_putc(ptr, *t);
		if (!ok) {
			sec_nomem(s);
			break;
		}
		ok = sec_paths(s, &kid, m, ptr, depth + 1);
		ptr->len = old;
		ptr->data[old] = '\0';
		if (!ok)
			break;
	}
	free(kid.items);
	return ok && s->st == ST_OK;
}

static Status sec_finish(SecCtx *s, SchemaCtx *sctx, char ***out)
{
	free(s->anc);
	schema_ctx_clear(sctx);
	if (s->st == ST_OK && !s->paths) {
		s->paths = calloc(1, sizeof *s->paths);
		if (!s->paths)
			s->st = error_set(s->err, ST_E_NOMEM, "out of memory");
	}
	if (s->st != ST_OK) {
		schema_paths_free(s->paths);
		return s->st;
	}
	*out = s->paths;
	return ST_OK;
}

Status schema_secret_patterns(const cJSON *schema, char ***out, Error *err)
{
	SchemaCtx sctx;
	SecCtx s = { .err = err, .st = ST_OK };
	SecSet root = { NULL, 0, 0 };
	Status st;

	*out = NULL;
	st = schema_ctx_init(&sctx, schema, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	s.sctx = &sctx;
	if (sec_collect(&s, &root, schema))
		sec_patterns(&s, &root, "", 0);
	free(root.items);
	return sec_finish(&s, &sctx, out);
}

Status schema_secret_paths(const cJSON *schema, const cJSON *config, char ***out, Error *err)
{
	SchemaCtx sctx;
	SecCtx s = { .err = err, .st = ST_OK };
	SecSet root = { NULL, 0, 0 };
	Buf ptr = BUF_INIT;
	Status st;

	*out = NULL;
	if (!config)
		return error_set(err, ST_E_INVALID, "there is no config to look for secrets in");
	st = schema_ctx_init(&sctx, schema, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	s.sctx = &sctx;
	if (!buf_puts(&ptr, ""))
		sec_nomem(&s);
	else if (sec_collect(&s, &root, schema))
		sec_paths(&s, &root, config, &ptr, 0);
	buf_clear(&ptr);
	free(root.items);
	return sec_finish(&s, &sctx, out);
}

void schema_paths_free(char **paths)
{
	if (!paths)
		return;
	for (size_t i = 0; paths[i]; i++)
		free(paths[i]);
	free(paths);
}
