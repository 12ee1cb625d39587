/* The checked schema context: local $ref resolution, the one-time check of
 * the whole document (references, patterns, reference cycles) and the
 * compiled patterns the validator uses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema_internal.h"
#include "util/jsonptr.h"

/* ------------------------------------------------------------ lookup */

static int schema_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The fragment of a local reference is percent-encoded (RFC 3986), then a
 * JSON Pointer: decodes "#/definitions/a%20b" to "/definitions/a b". */
static bool schema_ref_decode(const char *ref, Buf *out)
{
	if (!buf_puts(out, ""))
		return false;
	for (const char *p = ref + 1; *p; p++) {
		int hi, lo;

		if (p[0] == '%' && (hi = schema_hexval(p[1])) >= 0 && (lo = schema_hexval(p[2])) >= 0) {
			char c = (char)(hi * 16 + lo);

			if (c == '\0')
				return false; /* no key we can hold contains a NUL */
			if (!buf_putc(out, c))
				return false;
			p += 2;
		} else if (!buf_putc(out, *p)) {
			return false;
		}
	}
	return true;
}

const cJSON *schema_ref_lookup(const cJSON *root, const char *ref, bool *is_local)
{
	Buf ptr = BUF_INIT;
	const cJSON *target = NULL;

	if (is_local)
		*is_local = ref && ref[0] == '#';
	if (!ref || ref[0] != '#')
		return NULL;
	if (schema_ref_decode(ref, &ptr))
		target = jsonptr_get(root, ptr.data);
	buf_free(&ptr);
	return target;
}

const cJSON *schema_ref_target(const SchemaCtx *ctx, const cJSON *node)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
	const cJSON *t;

	if (!cJSON_IsObject(node) || !cJSON_IsString(ref))
		return NULL;
	t = schema_ref_lookup(ctx->root, ref->valuestring, NULL);
	return (cJSON_IsObject(t) || cJSON_IsBool(t)) ? t : NULL;
}

/* ------------------------------------------------------------ context */

typedef struct SchemaCheck {
	SchemaCtx *ctx;
	LintReport *collect;
	const char *prefix;
	Error *err;
	Status st;       /* the failure: any problem without collect, else only ST_E_NOMEM */
	SchemaMap color; /* cycle search: 1 on the current path, 2 done */
	size_t unsafe; /* problems that make walking unsafe: cycles, overlong chains, budget */
} SchemaCheck;

/* Records a problem with the schema. Returns false when the check must
 * stop: always without a report (the first problem fails the call), with
 * one only when memory runs out. */
static bool schema_check_problem(SchemaCheck *c, const char *pointer, const char *msg)
{
	if (c->collect) {
		if (!schema_lint_add(c->collect, LINT_ERROR, c->prefix, pointer, "%s", msg)) {
			c->st = error_set(c->err, ST_E_NOMEM, "out of memory");
			return false;
		}
		return true;
	}
	c->st = error_set(c->err, ST_E_INVALID, "invalid schema: %s%s%s", pointer,
			  pointer[0] ? ": " : "", msg);
	return false;
}

static bool schema_check_nomem(SchemaCheck *c)
{
	c->st = error_set(c->err, ST_E_NOMEM, "out of memory");
	return false;
}

typedef struct SchemaWork {
	const cJSON *node;
	const char *pointer; /* owned by ctx->pointers */
} SchemaWork;

typedef struct SchemaStack {
	SchemaWork *items;
	size_t count, cap;
} SchemaStack;

/* Marks node visited under pointer (taking ownership of pointer) and
 * queues it; a node seen before is dropped. */
static bool schema_check_push(SchemaCheck *c, SchemaStack *s, const cJSON *node, char *pointer)
{
	SchemaCtx *ctx = c->ctx;
	bool seen;

	if (!pointer)
		return schema_check_nomem(c);
	schema_map_get(&ctx->pointers, node, &seen);
	if (seen) {
		free(pointer);
		return true;
	}
	if (!schema_map_put(&ctx->pointers, node, pointer)) {
		free(pointer);
		return schema_check_nomem(c);
	}
	if (ctx->order_count == ctx->order_cap) {
		size_t cap = ctx->order_cap ? ctx->order_cap * 2 : 64;
		const cJSON **o = realloc(ctx->order, cap * sizeof *o);

		if (!o)
			return schema_check_nomem(c);
		ctx->order = o;
		ctx->order_cap = cap;
	}
	ctx->order[ctx->order_count++] = node;
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		SchemaWork *w = realloc(s->items, cap * sizeof *w);

		if (!w)
			return schema_check_nomem(c);
		s->items = w;
		s->cap = cap;
	}
	s->items[s->count].node = node;
	s->items[s->count].pointer = pointer;
	s->count++;
	return true;
}

typedef enum SchemaKwKind { SCHEMA_KW_NONE, SCHEMA_KW_MAP, SCHEMA_KW_LIST, SCHEMA_KW_SINGLE } SchemaKwKind;

/* Keywords whose values hold subschemas (the supported ones). */
static SchemaKwKind schema_kw_kind(const char *kw)
{
	if (!strcmp(kw, "properties") || !strcmp(kw, "definitions") || !strcmp(kw, "$defs"))
		return SCHEMA_KW_MAP;
	if (!strcmp(kw, "allOf") || !strcmp(kw, "anyOf") || !strcmp(kw, "oneOf"))
		return SCHEMA_KW_LIST;
	if (!strcmp(kw, "items") || !strcmp(kw, "additionalProperties"))
		return SCHEMA_KW_SINGLE;
	return SCHEMA_KW_NONE;
}

typedef struct SchemaKid {
	const cJSON *node;
	char *pointer;
} SchemaKid;

/* Queues the subschemas of node, reversed so the stack pops them in
 * document order. */
static bool schema_check_children(SchemaCheck *c, SchemaStack *s, const cJSON *node,
				  const char *pointer)
{
	SchemaKid *kids = NULL;
	size_t n = 0, cap = 0;
	bool ok = true;

	for (const cJSON *kw = node->child; kw && ok; kw = kw->next) {
		SchemaKwKind kind = schema_kw_kind(kw->string);
		size_t idx = 0;

		for (const cJSON *m = kind == SCHEMA_KW_SINGLE ? kw : kw->child; m && ok;
		     m = kind == SCHEMA_KW_SINGLE ? NULL : m->next, idx++) {
			char tok[32], *kwptr;

			if (kind == SCHEMA_KW_NONE || !cJSON_IsObject(m) ||
			    (kind == SCHEMA_KW_MAP && !cJSON_IsObject(kw)) ||
			    (kind == SCHEMA_KW_LIST && !cJSON_IsArray(kw)))
				continue;
			if (n == cap) {
				SchemaKid *k = realloc(kids, (cap = cap ? cap * 2 : 16) * sizeof *k);

				if (!k) {
					ok = false;
					break;
				}
				kids = k;
			}
			kwptr = jsonptr_append(pointer, kw->string);
			snprintf(tok, sizeof tok, "%zu", idx);
			kids[n].node = m;
			kids[n].pointer = kind == SCHEMA_KW_SINGLE ? kwptr
					  : kwptr ? jsonptr_append(kwptr, kind == SCHEMA_KW_MAP ? m->string : tok)
						  : NULL;
			if (kind != SCHEMA_KW_SINGLE)
				free(kwptr);
			if (!kids[n].pointer)
				ok = false;
			else
				n++;
		}
	}
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(kids[i].pointer);
		free(kids);
		return schema_check_nomem(c);
	}
	while (n--) {
		if (!schema_check_push(c, s, kids[n].node, kids[n].pointer)) {
			for (size_t i = 0; i < n; i++)
				free(kids[i].pointer);
			free(kids);
			return false;
		}
	}
	free(kids);
	return true;
}

static bool schema_check_node(SchemaCheck *c, SchemaStack *s, const cJSON *node,
			      const char *pointer)
{
	SchemaCtx *ctx = c->ctx;
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
	const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(node, "pattern");
	char msg[1200];

	if (!schema_ctx_step(ctx, c->err)) {
		/* Too big to check: report it and stop in both modes. */
		snprintf(msg, sizeof msg, "%s", error_text(c->err));
		schema_check_problem(c, pointer, msg);
		c->unsafe++;
		return false;
	}
	if (ref) {
		char *refptr = jsonptr_append(pointer, "$ref");
		bool ok = true;

		if (!refptr)
			return schema_check_nomem(c);
		if (!cJSON_IsString(ref)) {
			ok = schema_check_problem(c, refptr,
						  "$ref must be a string such as \"#/definitions/name\"");
		} else {
			bool local;
			const cJSON *t = schema_ref_lookup(ctx->root, ref->valuestring, &local);

			if (!local) {
				snprintf(msg, sizeof msg,
					 "$ref \"%.200s\" is not local: only references inside this schema "
					 "(#/definitions/NAME, #/$defs/NAME) are supported",
					 ref->valuestring);
				ok = schema_check_problem(c, refptr, msg);
			} else if (!t) {
				snprintf(msg, sizeof msg,
					 "unknown $ref \"%.200s\": nothing in this schema is at that "
					 "pointer; add the definition or fix the reference",
					 ref->valuestring);
				ok = schema_check_problem(c, refptr, msg);
			} else if (!cJSON_IsObject(t) && !cJSON_IsBool(t)) {
				snprintf(msg, sizeof msg,
					 "$ref \"%.200s\" points at %s, not at a schema",
					 ref->valuestring, cJSON_IsArray(t) ? "a list" : "a plain value");
				ok = schema_check_problem(c, refptr, msg);
			} else if (cJSON_IsObject(t)) {
				Buf b = BUF_INIT;

				/* The target's own pointer is the decoded reference. */
				ok = schema_ref_decode(ref->valuestring, &b)
					     ? schema_check_push(c, s, t, buf_take(&b))
					     : (buf_free(&b), schema_check_nomem(c));
			}
		}
		free(refptr);
		if (!ok)
			return false;
	}
	if (cJSON_IsString(pattern) && !schema_map_get(&ctx->regexes, pattern, NULL)) {
		regex_t *re = malloc(sizeof *re);
		char why[512];

		if (!re)
			return schema_check_nomem(c);
		if (!schema_regex_compile(pattern->valuestring, re, why, sizeof why)) {
			char *pp = jsonptr_append(pointer, "pattern");
			bool ok;

			free(re);
			if (!pp)
				return schema_check_nomem(c);
			snprintf(msg, sizeof msg, "invalid pattern \"%.200s\": %s",
				 pattern->valuestring, why);
			ok = schema_check_problem(c, pp, msg);
			free(pp);
			if (!ok)
				return false;
		} else if (!schema_map_put(&ctx->regexes, pattern, re)) {
			regfree(re);
			free(re);
			return schema_check_nomem(c);
		}
	}
	return schema_check_children(c, s, node, pointer);
}

/* Depth-first search over the edges that apply another schema to the same
 * value ($ref, allOf, anyOf, oneOf). Coming back to a node on the current
 * path means validation would never get past it. Returns false when the
 * check must stop. */
static bool schema_check_cycles(SchemaCheck *c, const cJSON *node, size_t depth)
{
	static const char *const lists[] = { "allOf", "anyOf", "oneOf" };
	const cJSON *ref_target;
	uintptr_t color = (uintptr_t)schema_map_get(&c->color, node, NULL);
	char msg[1200];

	if (color == 2)
		return true;
	if (color == 1) {
		const char *p = schema_ctx_pointer(c->ctx, node);

		c->unsafe++;
		if (c->collect)
			return schema_check_problem(c, p,
				"$ref cycle: following $ref/allOf/anyOf/oneOf from here leads back "
				"here without reaching a concrete schema");
		c->st = error_set(c->err, ST_E_INVALID,
				  "invalid schema: $ref cycle at %s (it leads back there without "
				  "reaching a concrete schema); point the $ref at a real schema",
				  p[0] ? p : "the root");
		return false;
	}
	if (depth >= SCHEMA_MAX_CHAIN) {
		snprintf(msg, sizeof msg,
			 "more than %d schemas apply to one value through $ref/allOf/anyOf/oneOf; "
			 "simplify the schema", SCHEMA_MAX_CHAIN);
		c->unsafe++;
		return schema_check_problem(c, schema_ctx_pointer(c->ctx, node), msg);
	}
	if (!schema_map_put(&c->color, node, (void *)(uintptr_t)1))
		return schema_check_nomem(c);
	ref_target = schema_ref_target(c->ctx, node);
	if (cJSON_IsObject(ref_target) && !schema_check_cycles(c, ref_target, depth + 1))
		return false;
	for (size_t i = 0; i < 3; i++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(node, lists[i]), *m;

		if (!cJSON_IsArray(list))
			continue;
		cJSON_ArrayForEach(m, list)
			if (cJSON_IsObject(m) && !schema_check_cycles(c, m, depth + 1))
				return false;
	}
	if (!schema_map_put(&c->color, node, (void *)(uintptr_t)2))
		return schema_check_nomem(c);
	return true;
}

Status schema_ctx_init(SchemaCtx *ctx, const cJSON *root, LintReport *collect,
		       const char *prefix, Error *err)
{
	SchemaCheck c = { .ctx = ctx, .collect = collect, .prefix = prefix, .err = err, .st = ST_OK };
	SchemaStack s = { NULL, 0, 0 };
	bool go = true;

	memset(ctx, 0, sizeof *ctx);
	ctx->root = root;
	if (!cJSON_IsObject(root)) {
		if (!collect)
			return error_set(err, ST_E_INVALID,
					 "invalid schema: the schema must be a JSON object, not %s",
					 cJSON_IsArray(root) ? "a list" : root ? "a plain value" : "nothing");
		if (!schema_lint_add(collect, LINT_ERROR, prefix, "",
				     "the schema must be a JSON object such as "
				     "{\"type\":\"object\",\"properties\":{...}}"))
			return error_set(err, ST_E_NOMEM, "out of memory");
		return ST_OK;
	}
	go = schema_check_push(&c, &s, root, strdup(""));
	while (go && s.count) {
		SchemaWork w = s.items[--s.count];

		go = schema_check_node(&c, &s, w.node, w.pointer);
	}
	/* Cycles are searched only over a document whose references all
	 * resolved (a stopped first pass leaves nothing worth searching). */
	for (size_t i = 0; go && i < ctx->order_count; i++)
		go = schema_check_cycles(&c, ctx->order[i], 0);
	free(s.items);
	schema_map_free(&c.color);
	ctx->clean = go && c.unsafe == 0;
	if (c.st != ST_OK) {
		schema_ctx_free(ctx);
		return c.st;
	}
	return ST_OK;
}

void schema_ctx_free(SchemaCtx *ctx)
{
	for (size_t i = 0; i < ctx->pointers.cap; i++)
		if (ctx->pointers.keys && ctx->pointers.keys[i])
			free(ctx->pointers.vals[i]);
	for (size_t i = 0; i < ctx->regexes.cap; i++) {
		if (ctx->regexes.keys && ctx->regexes.keys[i]) {
			regfree(ctx->regexes.vals[i]);
			free(ctx->regexes.vals[i]);
		}
	}
	schema_map_free(&ctx->pointers);
	schema_map_free(&ctx->regexes);
	free(ctx->order);
	memset(ctx, 0, sizeof *ctx);
}

bool schema_ctx_step(SchemaCtx *ctx, Error *err)
{
	if (++ctx->steps <= SCHEMA_STEP_BUDGET)
		return true;
	error_set(err, ST_E_INVALID,
		  "the schema is too complex to process (more than %d steps); reduce the "
		  "$ref/allOf nesting", SCHEMA_STEP_BUDGET);
	return false;
}

const char *schema_ctx_pointer(const SchemaCtx *ctx, const cJSON *node)
{
	const char *p = schema_map_get(&ctx->pointers, node, NULL);

	return p ? p : "?";
}

const regex_t *schema_ctx_regex(const SchemaCtx *ctx, const cJSON *pattern_item)
{
	return schema_map_get(&ctx->regexes, pattern_item, NULL);
}
