/* Secret discovery: where format "secret-ref" fields are. Unlike
 * Paperclip (dotted paths, array items skipped), locations are JSON
 * Pointers and array items and additionalProperties maps are walked.
 * Every branch of allOf/anyOf/oneOf counts: a field that is a secret in
 * any alternative is a secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema_internal.h"
#include "util/jsonptr.h"

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

static bool sec_collect(SecCtx *s, SecSet *set, const cJSON *node)
{
	static const char *const lists[] = { "allOf", "anyOf", "oneOf" };
	const cJSON *t;

	if (!cJSON_IsObject(node))
		return true;
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i] == node)
			return true;
	if (!sec_step(s))
		return false;
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		const cJSON **items = realloc(set->items, cap * sizeof *items);

		if (!items)
			return sec_nomem(s);
		set->items = items;
		set->cap = cap;
	}
	set->items[set->count++] = node;
	t = schema_ref_target(s->sctx, node);
	if (t && !sec_collect(s, set, t))
		return false;
	for (size_t l = 0; l < 3; l++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(node, lists[l]), *m;

		cJSON_ArrayForEach(m, (cJSON_IsArray(list) ? list : NULL))
			if (!sec_collect(s, set, m))
				return false;
	}
	return true;
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
	if (s->count + 1 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **p = realloc(s->paths, cap * sizeof *p);

		if (!p)
			return sec_nomem(s);
		s->paths = p;
		s->cap = cap;
	}
	s->paths[s->count] = strdup(pointer);
	if (!s->paths[s->count])
		return sec_nomem(s);
	s->count++;
	s->paths[s->count] = NULL;
	return true;
}

/* The seeds under kw (and member key) of every node of set. */
static bool sec_seeds(SecCtx *s, const SecSet *set, const char *kw, const char *key, SecSet *out)
{
	out->count = 0;
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->items[i], kw);

		if (key)
			v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
		if (cJSON_IsObject(v) && !sec_collect(s, out, v))
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

static bool sec_pattern_child(SecCtx *s, const SecSet *set, const char *kw, const char *key,
			      const char *pointer, const char *token, size_t depth)
{
	SecSet kid = { NULL, 0, 0 };
	char *ptr = jsonptr_append(pointer, token);
	bool ok = ptr != NULL || sec_nomem(s);

	ok = ok && sec_seeds(s, set, kw, key, &kid) && (!kid.count || sec_patterns(s, &kid, ptr, depth + 1));
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
	if (s->anc_count + set->count > s->anc_cap) {
		size_t cap = (s->anc_count + set->count) * 2;
		const cJSON **a = realloc(s->anc, cap * sizeof *a);

		if (!a)
			return sec_nomem(s);
		s->anc = a;
		s->anc_cap = cap;
	}
	for (size_t i = 0; i < set->count; i++)
		s->anc[s->anc_count++] = set->items[i];
	for (size_t i = 0; ok && i < set->count; i++) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[i], "properties"), *p;

		cJSON_ArrayForEach(p, (cJSON_IsObject(props) ? props : NULL)) {
			bool earlier = false;

			/* Each key once, with the seeds of every node. */
			for (size_t j = 0; j < i && !earlier; j++) {
				const cJSON *q = cJSON_GetObjectItemCaseSensitive(set->items[j], "properties");

				earlier = cJSON_IsObject(q) && cJSON_GetObjectItemCaseSensitive(q, p->string);
			}
			if (!earlier && !(ok = sec_pattern_child(s, set, "properties", p->string, pointer,
								 p->string, depth)))
				break;
		}
	}
	if (ok)
		ok = sec_pattern_child(s, set, "items", NULL, pointer, "-", depth);
	if (ok)
		ok = sec_pattern_child(s, set, "additionalProperties", NULL, pointer, "*", depth);
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
		bool declared = false;

		if (cJSON_IsArray(value)) {
			snprintf(idx, sizeof idx, "%zu", i++);
			token = idx;
			ok = sec_seeds(s, set, "items", NULL, &kid);
		} else {
			for (size_t j = 0; j < set->count && !declared; j++) {
				const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[j], "properties");

				declared = cJSON_IsObject(props) && cJSON_GetObjectItemCaseSensitive(props, token);
			}
			ok = sec_seeds(s, set, declared ? "properties" : "additionalProperties",
				       declared ? token : NULL, &kid);
		}
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
	schema_ctx_free(sctx);
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
	buf_free(&ptr);
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
