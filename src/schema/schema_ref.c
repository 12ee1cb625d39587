/* The checked schema context: reference resolution inside one document
 * ($id, $anchor, $dynamicAnchor, JSON Pointer fragments), the one-time check
 * of the whole document (references, patterns, reference cycles), the
 * compiled patterns, and the one list of which keywords hold subschemas
 * and which of those apply to the value itself (schema_each_inplace), so
 * every walker agrees on the shape of a schema. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"
#include "util/lib.h"

/* ------------------------------------------------------------ keywords */

const char *const schema_combiners[SCHEMA_COMBINERS] = { "allOf", "anyOf", "oneOf" };

typedef enum SchemaKwKind { SCHEMA_KW_NONE, SCHEMA_KW_MAP, SCHEMA_KW_LIST, SCHEMA_KW_SINGLE } SchemaKwKind;

/* Keywords whose values hold subschemas. "items" is a list in draft-07
 * (a tuple) and a single schema in 2020-12; both spellings are read. */
static SchemaKwKind schema_kw_kind(const char *kw, const cJSON *val)
{
	static const char *const maps[] = { "properties", "patternProperties", "definitions", "$defs",
					    "dependentSchemas", "dependencies" };
	static const char *const lists[] = { "allOf", "anyOf", "oneOf", "prefixItems" };
	static const char *const singles[] = { "additionalItems", "additionalProperties", "not",
					       "if", "then", "else", "contains", "propertyNames",
					       "unevaluatedItems", "unevaluatedProperties" };

	/* The first byte rules most names out (this runs for every member of
	 * every schema node). */
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
		if (kw[0] == maps[i][0] && !strcmp(kw, maps[i]))
			return SCHEMA_KW_MAP;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (kw[0] == lists[i][0] && !strcmp(kw, lists[i]))
			return SCHEMA_KW_LIST;
	for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++)
		if (kw[0] == singles[i][0] && !strcmp(kw, singles[i]))
			return SCHEMA_KW_SINGLE;
	if (!strcmp(kw, "items"))
		return cJSON_IsArray(val) ? SCHEMA_KW_LIST : SCHEMA_KW_SINGLE;
	return SCHEMA_KW_NONE;
}

static bool schema_is_schema(const cJSON *x)
{
	return cJSON_IsObject(x) || cJSON_IsBool(x);
}

bool schema_ref_ignores_siblings(const SchemaCtx *ctx, const cJSON *node)
{
	return ctx->draft7 && cJSON_IsObject(node) &&
	       cJSON_IsString(cJSON_GetObjectItemCaseSensitive(node, "$ref"));
}

bool schema_each_inplace(const SchemaCtx *ctx, const cJSON *node, SchemaVisit visit, void *arg)
{
	const cJSON *scratch[SKW_COUNT];

	if (!cJSON_IsObject(node))
		return true;
	return schema_each_inplace_k(ctx, node, schema_ctx_keywords(ctx, node, scratch), visit, arg);
}

bool schema_each_inplace_k(const SchemaCtx *ctx, const cJSON *node, const cJSON *const *k,
			   SchemaVisit visit, void *arg)
{
	static const char *const singles[] = { "not", "if", "then", "else" };
	static const SchemaApply single_kind[] = { SCHEMA_APPLY_NOT, SCHEMA_APPLY_IF,
						   SCHEMA_APPLY_THEN, SCHEMA_APPLY_ELSE };
	static const SchemaKw combiner_kw[SCHEMA_COMBINERS] = { SKW_ALLOF, SKW_ANYOF, SKW_ONEOF };
	static const SchemaKw single_kw[] = { SKW_NOT, SKW_IF, SKW_THEN, SKW_ELSE };
	const cJSON *t, *kw, *m;
	SchemaSub how;

	/* Most nodes have none: one look at the index. */
	if (!k[SKW_REF] && !k[SKW_DYNAMICREF] && !k[SKW_ALLOF] && !k[SKW_ANYOF] && !k[SKW_ONEOF] &&
	    !k[SKW_NOT] && !k[SKW_IF] && !k[SKW_THEN] && !k[SKW_ELSE] && !k[SKW_DEPENDENTSCHEMAS] &&
	    !k[SKW_DEPENDENCIES])
		return true;
	if (k[SKW_REF] && (t = schema_ref_target(ctx, node))) {
		how = (SchemaSub){ SCHEMA_APPLY_REF, "$ref", 0, NULL };
		if (!visit(arg, t, &how))
			return false;
		if (ctx->draft7)
			return true;
	}
	if (k[SKW_DYNAMICREF] && (t = schema_map_get(&ctx->dynrefs, node, NULL))) {
		how = (SchemaSub){ SCHEMA_APPLY_DYNREF, "$dynamicRef", 0, NULL };
		if (!visit(arg, t, &how))
			return false;
	}
	for (size_t i = 0; i < SCHEMA_COMBINERS; i++) {
		size_t idx = 0;

		kw = k[combiner_kw[i]];
		if (!cJSON_IsArray(kw))
			continue;
		cJSON_ArrayForEach(m, kw) {
			how = (SchemaSub){ (SchemaApply)(SCHEMA_APPLY_ALL + i), schema_combiners[i], idx++,
					   NULL };
			if (schema_is_schema(m) && !visit(arg, m, &how))
				return false;
		}
	}
	for (size_t i = 0; i < 4; i++) {
		kw = k[single_kw[i]];
		how = (SchemaSub){ single_kind[i], singles[i], 0, NULL };
		if (schema_is_schema(kw) && !visit(arg, kw, &how))
			return false;
	}
	for (size_t i = 0; i < 2; i++) {
		kw = k[i ? SKW_DEPENDENCIES : SKW_DEPENDENTSCHEMAS];
		if (!cJSON_IsObject(kw))
			continue;
		cJSON_ArrayForEach(m, kw) {
			how = (SchemaSub){ SCHEMA_APPLY_DEPENDENT, kw->string, 0, m->string };
			if (schema_is_schema(m) && !visit(arg, m, &how))
				return false;
		}
	}
	return true;
}

Status schema_merge_overflow(const SchemaCtx *ctx, const cJSON *node, Error *err)
{
	const char *p = schema_ctx_pointer(ctx, node);

	return error_set(err, ST_E_INVALID,
			 "invalid schema: more than %d schemas apply to one value (at %s) through "
			 "$ref and the combiners; simplify the schema", SCHEMA_MAX_MERGE,
			 p[0] ? p : "the root");
}

/* ------------------------------------------------------------ keyword index */

static const char *const schema_kw_names[SKW_COUNT] = {
	[SKW_TYPE] = "type",
	[SKW_ENUM] = "enum",
	[SKW_CONST] = "const",
	[SKW_MINLENGTH] = "minLength",
	[SKW_MAXLENGTH] = "maxLength",
	[SKW_PATTERN] = "pattern",
	[SKW_FORMAT] = "format",
	[SKW_MINIMUM] = "minimum",
	[SKW_MAXIMUM] = "maximum",
	[SKW_EXCLUSIVEMINIMUM] = "exclusiveMinimum",
	[SKW_EXCLUSIVEMAXIMUM] = "exclusiveMaximum",
	[SKW_MULTIPLEOF] = "multipleOf",
	[SKW_ITEMS] = "items",
	[SKW_PREFIXITEMS] = "prefixItems",
	[SKW_ADDITIONALITEMS] = "additionalItems",
	[SKW_CONTAINS] = "contains",
	[SKW_MINCONTAINS] = "minContains",
	[SKW_MAXCONTAINS] = "maxContains",
	[SKW_MINITEMS] = "minItems",
	[SKW_MAXITEMS] = "maxItems",
	[SKW_UNIQUEITEMS] = "uniqueItems",
	[SKW_REQUIRED] = "required",
	[SKW_PROPERTIES] = "properties",
	[SKW_PATTERNPROPERTIES] = "patternProperties",
	[SKW_ADDITIONALPROPERTIES] = "additionalProperties",
	[SKW_PROPERTYNAMES] = "propertyNames",
	[SKW_MINPROPERTIES] = "minProperties",
	[SKW_MAXPROPERTIES] = "maxProperties",
	[SKW_DEPENDENTREQUIRED] = "dependentRequired",
	[SKW_DEPENDENCIES] = "dependencies",
	[SKW_DEPENDENTSCHEMAS] = "dependentSchemas",
	[SKW_ALLOF] = "allOf",
	[SKW_ANYOF] = "anyOf",
	[SKW_ONEOF] = "oneOf",
	[SKW_NOT] = "not",
	[SKW_IF] = "if",
	[SKW_THEN] = "then",
	[SKW_ELSE] = "else",
	[SKW_UNEVALUATEDPROPERTIES] = "unevaluatedProperties",
	[SKW_UNEVALUATEDITEMS] = "unevaluatedItems",
	[SKW_REF] = "$ref",
	[SKW_DYNAMICREF] = "$dynamicRef",
	[SKW_DYNAMICANCHOR] = "$dynamicAnchor",
	[SKW_CONTENTENCODING] = "contentEncoding",
	[SKW_CONTENTMEDIATYPE] = "contentMediaType",
};

/* One pass over the node's members; a keyword named twice keeps the
 * first, as cJSON_GetObjectItemCaseSensitive does. */
static void schema_kw_fill(const cJSON *node, const cJSON **out)
{
	memset(out, 0, SKW_COUNT * sizeof *out);
	for (const cJSON *m = cJSON_IsObject(node) ? node->child : NULL; m; m = m->next) {
		if (!m->string)
			continue;
		for (size_t i = 0; i < SKW_COUNT; i++) {
			if (!out[i] && m->string[0] == schema_kw_names[i][0] &&
			    !strcmp(m->string, schema_kw_names[i])) {
				out[i] = m;
				break;
			}
		}
	}
}

const cJSON *const *schema_ctx_keywords(const SchemaCtx *ctx, const cJSON *node,
					const cJSON *scratch[SKW_COUNT])
{
	const cJSON **k = schema_map_get(&ctx->keywords, node, NULL);

	if (k)
		return k;
	schema_kw_fill(node, scratch);
	return scratch;
}

static bool schema_kw_index(SchemaCtx *ctx, const cJSON *node)
{
	const cJSON **k;

	if (!cJSON_IsObject(node) || schema_map_get(&ctx->keywords, node, NULL))
		return true;
	k = malloc(SKW_COUNT * sizeof *k);
	if (!k)
		return false;
	schema_kw_fill(node, k);
	if (!schema_map_put(&ctx->keywords, node, k)) {
		free(k);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ URIs */

typedef struct SchemaUri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t scheme_len, auth_len, path_len, query_len, frag_len;
	bool has_scheme, has_auth, has_query, has_frag;
} SchemaUri;

/* Splits a URI reference into its RFC 3986 components (no validation). */
static void schema_uri_split(const char *s, SchemaUri *u)
{
	const char *p = s;

	memset(u, 0, sizeof *u);
	if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
		const char *q = p + 1;

		while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		       *q == '+' || *q == '-' || *q == '.')
			q++;
		if (*q == ':') {
			u->has_scheme = true;
			u->scheme = p;
			u->scheme_len = (size_t)(q - p);
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		u->has_auth = true;
		u->auth = p + 2;
		p += 2;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
		u->auth_len = (size_t)(p - u->auth);
	}
	u->path = p;
	while (*p && *p != '?' && *p != '#')
		p++;
	u->path_len = (size_t)(p - u->path);
	if (*p == '?') {
		u->has_query = true;
		u->query = ++p;
		while (*p && *p != '#')
			p++;
		u->query_len = (size_t)(p - u->query);
	}
	if (*p == '#') {
		u->has_frag = true;
		u->frag = p + 1;
		u->frag_len = strlen(u->frag);
	}
}

/* RFC 3986 5.2.4: removes "." and ".." segments from path into out. */
static bool schema_uri_dots(const char *in, size_t len, Buf *out)
{
	size_t i = 0;

	if (!buf_puts(out, ""))
		return false;
	while (i < len) {
		const char *p = in + i;
		size_t rest = len - i;

		if (rest >= 3 && !strncmp(p, "../", 3)) {
			i += 3;
		} else if (rest >= 2 && !strncmp(p, "./", 2)) {
			i += 2;
		} else if ((rest >= 3 && !strncmp(p, "/./", 3)) || (rest == 2 && !strncmp(p, "/.", 2))) {
			i += 2;
			if (rest == 2) {
				if (!buf_putc(out, '/'))
					return false;
			}
		} else if ((rest >= 4 && !strncmp(p, "/../", 4)) || (rest == 3 && !strncmp(p, "/..", 3))) {
			char *slash;

			i += 3;
			out->data[out->len] = '\0';
			slash = strrchr(out->data, '/');
			out->len = slash ? (size_t)(slash - out->data) : 0;
			out->data[out->len] = '\0';
			if (rest == 3 && !buf_putc(out, '/'))
				return false;
		} else if ((rest == 1 && *p == '.') || (rest == 2 && !strncmp(p, "..", 2))) {
			i = len;
		} else {
			size_t j = i + (in[i] == '/');

			while (j < len && in[j] != '/')
				j++;
			if (!buf_append(out, in + i, j - i))
				return false;
			i = j;
		}
	}
	return true;
}

char *schema_uri_resolve(const char *base, const char *ref)
{
	SchemaUri b, r;
	Buf out = BUF_INIT, path = BUF_INIT, merged = BUF_INIT;
	const char *q = NULL;
	size_t qlen = 0;
	bool has_q = false, ok = true;
	const SchemaUri *sa; /* where scheme and authority come from */

	schema_uri_split(base ? base : "", &b);
	schema_uri_split(ref, &r);
	if (r.has_scheme) {
		sa = &r;
		ok = schema_uri_dots(r.path, r.path_len, &path);
		q = r.query, qlen = r.query_len, has_q = r.has_query;
	} else {
		sa = &b;
		if (r.has_auth) {
			sa = &r;
			ok = schema_uri_dots(r.path, r.path_len, &path);
			q = r.query, qlen = r.query_len, has_q = r.has_query;
		} else if (r.path_len == 0) {
			ok = buf_append(&path, b.path, b.path_len) && buf_puts(&path, "");
			if (r.has_query)
				q = r.query, qlen = r.query_len, has_q = true;
			else
				q = b.query, qlen = b.query_len, has_q = b.has_query;
		} else {
			if (r.path[0] == '/') {
				ok = schema_uri_dots(r.path, r.path_len, &path);
			} else {
				if (b.has_auth && b.path_len == 0) {
					ok = buf_putc(&merged, '/');
				} else {
					const char *slash = NULL;

					for (size_t i = 0; i < b.path_len; i++)
						if (b.path[i] == '/')
							slash = b.path + i;
					if (slash)
						ok = buf_append(&merged, b.path, (size_t)(slash + 1 - b.path));
				}
				ok = ok && buf_append(&merged, r.path, r.path_len) && buf_puts(&merged, "");
				ok = ok && schema_uri_dots(merged.data, merged.len, &path);
			}
			q = r.query, qlen = r.query_len, has_q = r.has_query;
		}
	}
	if (ok && (r.has_scheme ? r.has_scheme : b.has_scheme))
		ok = buf_append(&out, r.has_scheme ? r.scheme : b.scheme,
				r.has_scheme ? r.scheme_len : b.scheme_len) && buf_putc(&out, ':');
	if (ok && sa->has_auth)
		ok = buf_puts(&out, "//") && buf_append(&out, sa->auth, sa->auth_len);
	ok = ok && buf_append(&out, path.data ? path.data : "", path.len);
	if (ok && has_q)
		ok = buf_putc(&out, '?') && buf_append(&out, q, qlen);
	if (ok && r.has_frag)
		ok = buf_putc(&out, '#') && buf_append(&out, r.frag, r.frag_len);
	ok = ok && buf_puts(&out, "");
	buf_clear(&path);
	buf_clear(&merged);
	if (!ok) {
		buf_clear(&out);
		return NULL;
	}
	return buf_take(&out);
}

/* The fragment of a reference is percent-encoded (RFC 3986): decodes it
 * into out. False on a NUL (no key we can hold contains one) or no memory. */
static bool schema_frag_decode(const char *frag, Buf *out)
{
	if (!buf_puts(out, ""))
		return false;
	for (const char *p = frag; *p; p++) {
		int hi, lo;

		if (p[0] == '%' && (hi = schema_hex_digit(p[1])) >= 0 && (lo = schema_hex_digit(p[2])) >= 0) {
			char c = (char)(hi * 16 + lo);

			if (c == '\0' || !buf_putc(out, c))
				return false;
			p += 2;
		} else if (!buf_putc(out, *p)) {
			return false;
		}
	}
	return true;
}

const cJSON *schema_ref_target(const SchemaCtx *ctx, const cJSON *node)
{
	if (!cJSON_IsObject(node))
		return NULL;
	return schema_map_get(&ctx->refs, node, NULL);
}

/* ------------------------------------------------------------ resources */

static const char *schema_ctx_intern(SchemaCtx *ctx, char *s)
{
	if (!s)
		return NULL;
	if (!array_reserve(&ctx->strings, &ctx->strings_cap, ctx->strings_count,
			   sizeof *ctx->strings)) {
		free(s);
		return NULL;
	}
	ctx->strings[ctx->strings_count++] = s;
	return s;
}

/* Registers a named location: kind 'r' a resource ($id), 'a' an anchor,
 * 'd' a dynamic anchor. uri is interned. */
static bool schema_ctx_name(SchemaCtx *ctx, char kind, const char *uri, const cJSON *node)
{
	for (size_t i = 0; i < ctx->names_count; i++)
		if (ctx->names[i].kind == kind && !strcmp(ctx->names[i].uri, uri))
			return true; /* the first one found wins */
	if (!array_reserve(&ctx->names, &ctx->names_cap, ctx->names_count, sizeof *ctx->names))
		return false;
	ctx->names[ctx->names_count++] = (SchemaName){ kind, uri, node };
	return true;
}

const cJSON *schema_ctx_named(const SchemaCtx *ctx, char kind, const char *uri)
{
	for (size_t i = 0; i < ctx->names_count; i++)
		if (ctx->names[i].kind == kind && !strcmp(ctx->names[i].uri, uri))
			return ctx->names[i].node;
	return NULL;
}

const char *schema_ctx_base(const SchemaCtx *ctx, const cJSON *node)
{
	const char *b = schema_map_get(&ctx->bases, node, NULL);

	return b ? b : "";
}

/* "http://x/a.json#frag" -> base part and fragment (without '#'). */
static char *schema_uri_strip(const char *uri, const char **frag)
{
	const char *hash = strchr(uri, '#');
	char *s = hash ? strndup(uri, (size_t)(hash - uri)) : strdup(uri);

	*frag = hash ? hash + 1 : NULL;
	return s;
}

/* Resolves a reference string written at node. Sets *remote when it
 * names a document other than this one. */
const cJSON *schema_ctx_resolve(const SchemaCtx *ctx, const cJSON *node, const char *ref,
				bool *remote, bool *nomem)
{
	char *abs = schema_uri_resolve(schema_ctx_base(ctx, node), ref), *res;
	const char *frag;
	const cJSON *doc, *t = NULL;
	Buf b = BUF_INIT;

	*remote = false;
	*nomem = false;
	if (!abs) {
		*nomem = true;
		return NULL;
	}
	res = schema_uri_strip(abs, &frag);
	if (!res) {
		free(abs);
		*nomem = true;
		return NULL;
	}
	doc = schema_ctx_named(ctx, 'r', res);
	if (!doc) {
		*remote = true;
	} else if (!frag || !frag[0]) {
		t = doc;
	} else if (frag[0] == '/') {
		if (schema_frag_decode(frag, &b))
			t = jsonptr_get(doc, b.data);
		else
			*nomem = !b.data;
	} else {
		t = schema_ctx_named(ctx, 'a', abs);
	}
	buf_clear(&b);
	free(res);
	free(abs);
	return t;
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

/* Records node under pointer (taking ownership of pointer) with the base
 * URI its parent gives it, registers its $id/$anchor names, and queues it
 * for the structural walk. A node seen before is dropped. */
static bool schema_check_add(SchemaCheck *c, const cJSON *node, char *pointer,
			     const char *parent_base)
{
	SchemaCtx *ctx = c->ctx;
	const cJSON *id, *anchor;
	const char *base = parent_base;
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
	if (!array_reserve(&ctx->order, &ctx->order_cap, ctx->order_count, sizeof *ctx->order))
		return schema_check_nomem(c);
	ctx->order[ctx->order_count++] = node;
	if (!cJSON_IsObject(node))
		return true;
	id = cJSON_GetObjectItemCaseSensitive(node, "$id");
	/* draft-07: an $id next to a $ref is ignored with the other siblings. */
	if (cJSON_IsString(id) && !schema_ref_ignores_siblings(ctx, node)) {
		char *abs = schema_uri_resolve(parent_base, id->valuestring), *res;
		const char *frag;

		if (!abs)
			return schema_check_nomem(c);
		res = schema_uri_strip(abs, &frag);
		if (!res || !(base = schema_ctx_intern(ctx, res)) ||
		    !schema_ctx_name(ctx, 'r', base, node)) {
			free(abs);
			return schema_check_nomem(c);
		}
		if (frag && frag[0] && frag[0] != '/') { /* draft-07 "$id": "#name" */
			char *a = NULL;

			if (asprintf(&a, "%s#%s", base, frag) < 0 || !schema_ctx_intern(ctx, a) ||
			    !schema_ctx_name(ctx, 'a', a, node)) {
				free(abs);
				return schema_check_nomem(c);
			}
		}
		free(abs);
	}
	if (!schema_map_put(&ctx->bases, node, (void *)base))
		return schema_check_nomem(c);
	for (int dyn = 0; dyn < 2; dyn++) {
		anchor = cJSON_GetObjectItemCaseSensitive(node, dyn ? "$dynamicAnchor" : "$anchor");
		if (cJSON_IsString(anchor)) {
			char *a = NULL;
			const char *ia;

			if (asprintf(&a, "%s#%s", base, anchor->valuestring) < 0 ||
			    !(ia = schema_ctx_intern(ctx, a)))
				return schema_check_nomem(c);
			/* A dynamic anchor is also a plain one for $ref. */
			if (!schema_ctx_name(ctx, 'a', ia, node) ||
			    (dyn && !schema_ctx_name(ctx, 'd', ia, node)))
				return schema_check_nomem(c);
		}
	}
	return true;
}

/* Registers every subschema below node, depth first, in document order. */
static bool schema_check_tree(SchemaCheck *c, const cJSON *node, size_t depth)
{
	const char *pointer = schema_ctx_pointer(c->ctx, node);
	const char *base = schema_ctx_base(c->ctx, node);

	if (!cJSON_IsObject(node))
		return true;
	if (depth > SCHEMA_MAX_CHECK_DEPTH) {
		c->unsafe++;
		return schema_check_problem(c, pointer, "the schema is nested too deeply");
	}
	for (const cJSON *kw = node->child; kw; kw = kw->next) {
		SchemaKwKind kind = schema_kw_kind(kw->string, kw);
		size_t idx = 0;

		if (kind == SCHEMA_KW_NONE || (kind == SCHEMA_KW_MAP && !cJSON_IsObject(kw)) ||
		    (kind == SCHEMA_KW_LIST && !cJSON_IsArray(kw)))
			continue;
		for (const cJSON *m = kind == SCHEMA_KW_SINGLE ? kw : kw->child; m;
		     m = kind == SCHEMA_KW_SINGLE ? NULL : m->next, idx++) {
			char tok[32], *kwptr, *ptr;
			bool seen;

			if (!schema_is_schema(m))
				continue;
			schema_map_get(&c->ctx->pointers, m, &seen);
			if (seen)
				continue;
			kwptr = jsonptr_append(pointer, kw->string);
			snprintf(tok, sizeof tok, "%zu", idx);
			ptr = kind == SCHEMA_KW_SINGLE || !kwptr
				      ? kwptr
				      : jsonptr_append(kwptr, kind == SCHEMA_KW_MAP ? m->string : tok);
			if (kind != SCHEMA_KW_SINGLE)
				free(kwptr);
			if (!schema_check_add(c, m, ptr, base))
				return false;
			if (!schema_check_tree(c, m, depth + 1))
				return false;
		}
	}
	return true;
}

static bool schema_check_pattern(SchemaCheck *c, const cJSON *key, const char *pattern,
				 const char *pointer, const char *kw)
{
	SchemaCtx *ctx = c->ctx;
	SchemaRegex *re;
	char why[512], msg[1200];

	if (schema_map_get(&ctx->regexes, key, NULL))
		return true;
	re = schema_regex_compile(pattern, why, sizeof why);
	if (!re) {
		char *pp = jsonptr_append(pointer, kw);
		bool ok;

		if (!pp)
			return schema_check_nomem(c);
		if (!strcmp(why, "out of memory")) {
			free(pp);
			return schema_check_nomem(c);
		}
		snprintf(msg, sizeof msg, "invalid pattern \"%.200s\": %s", pattern, why);
		ok = schema_check_problem(c, pp, msg);
		free(pp);
		return ok;
	}
	if (!schema_map_put(&ctx->regexes, key, re)) {
		schema_regex_free(re);
		return schema_check_nomem(c);
	}
	return true;
}

/* Resolves one $ref or $dynamicRef of node and records the target. */
static bool schema_check_ref(SchemaCheck *c, const cJSON *node, const cJSON *ref, const char *kw,
			     SchemaMap *into)
{
	SchemaCtx *ctx = c->ctx;
	const cJSON *t;
	const char *pointer = schema_ctx_pointer(ctx, node);
	char *refptr, msg[1200];
	bool remote, nomem, ok = true;

	if (!ref)
		return true;
	refptr = jsonptr_append(pointer, kw);
	if (!refptr)
		return schema_check_nomem(c);
	if (!cJSON_IsString(ref)) {
		snprintf(msg, sizeof msg, "%s must be a string such as \"#/$defs/name\"", kw);
		ok = schema_check_problem(c, refptr, msg);
		free(refptr);
		return ok;
	}
	t = schema_ctx_resolve(ctx, node, ref->valuestring, &remote, &nomem);
	if (nomem) {
		free(refptr);
		return schema_check_nomem(c);
	}
	if (remote) {
		snprintf(msg, sizeof msg,
			 "%s \"%.200s\" is not local: it names another document, and envctl never "
			 "fetches schemas; copy the definition under $defs and refer to it as "
			 "\"#/$defs/NAME\"", kw, ref->valuestring);
		ok = schema_check_problem(c, refptr, msg);
	} else if (!t) {
		snprintf(msg, sizeof msg,
			 "unknown %s \"%.200s\": nothing in this schema is at that pointer or anchor; "
			 "add the definition or fix the reference", kw, ref->valuestring);
		ok = schema_check_problem(c, refptr, msg);
	} else if (!schema_is_schema(t)) {
		snprintf(msg, sizeof msg, "%s \"%.200s\" points at %s, not at a schema", kw,
			 ref->valuestring, cJSON_IsArray(t) ? "a list" : "a plain value");
		ok = schema_check_problem(c, refptr, msg);
	} else {
		bool seen;

		if (!schema_map_put(into, node, (void *)t)) {
			free(refptr);
			return schema_check_nomem(c);
		}
		/* A target outside the keyword tree (a pointer into an unknown
		 * keyword) is checked like the rest, with its document's base. */
		schema_map_get(&ctx->pointers, t, &seen);
		if (!seen) {
			Buf b = BUF_INIT;
			const char *hash = strchr(ref->valuestring, '#');
			char *abs = schema_uri_resolve(schema_ctx_base(ctx, node), ref->valuestring);
			const char *frag, *base;
			char *res = abs ? schema_uri_strip(abs, &frag) : NULL;

			free(abs);
			base = res ? schema_ctx_intern(ctx, res) : NULL;
			ok = base && schema_frag_decode(hash ? hash + 1 : "", &b) &&
			     schema_check_add(c, t, buf_take(&b), base) && schema_check_tree(c, t, 0);
			buf_clear(&b);
			if (!ok && c->st == ST_OK)
				schema_check_nomem(c);
		}
	}
	free(refptr);
	return ok;
}

static bool schema_check_node(SchemaCheck *c, const cJSON *node)
{
	SchemaCtx *ctx = c->ctx;
	const cJSON *pattern, *pp, *m, *scratch[SKW_COUNT];
	const cJSON *const *k;
	const char *pointer = schema_ctx_pointer(ctx, node);
	char msg[1200];

	if (!cJSON_IsObject(node))
		return true;
	if (!schema_kw_index(ctx, node))
		return schema_check_nomem(c);
	if (!schema_ctx_step(ctx, c->err)) {
		/* Too big to check: report it and stop in both modes. */
		snprintf(msg, sizeof msg, "%s", error_text(c->err));
		schema_check_problem(c, pointer, msg);
		c->unsafe++;
		return false;
	}
	k = schema_ctx_keywords(ctx, node, scratch);
	if (!schema_check_ref(c, node, k[SKW_REF], "$ref", &ctx->refs))
		return false;
	if (schema_ref_ignores_siblings(ctx, node))
		return true;
	if (!schema_check_ref(c, node, k[SKW_DYNAMICREF], "$dynamicRef", &ctx->dynrefs))
		return false;
	if (k[SKW_UNEVALUATEDPROPERTIES] || k[SKW_UNEVALUATEDITEMS])
		ctx->has_unevaluated = true;
	pattern = k[SKW_PATTERN];
	if (cJSON_IsString(pattern) &&
	    !schema_check_pattern(c, pattern, pattern->valuestring, pointer, "pattern"))
		return false;
	pp = k[SKW_PATTERNPROPERTIES];
	if (cJSON_IsObject(pp)) {
		cJSON_ArrayForEach(m, pp) {
			char *kp = jsonptr_append(pointer, "patternProperties");
			bool ok = kp && schema_check_pattern(c, m, m->string, kp, m->string);

			if (!kp)
				schema_check_nomem(c);
			free(kp);
			if (!ok)
				return false;
		}
	}
	return true;
}

typedef struct SchemaCycle {
	SchemaCheck *c;
	size_t depth;
} SchemaCycle;

static bool schema_check_cycles(SchemaCheck *c, const cJSON *node, size_t depth);

static bool schema_cycle_visit(void *arg, const cJSON *sub, const SchemaSub *how)
{
	SchemaCycle *cy = arg;

	return !cJSON_IsObject(sub) || schema_check_cycles(cy->c, sub, cy->depth + 1);
}

/* Depth-first search over the edges that apply another schema to the same
 * value (schema_each_inplace). Coming back to a node on the current path
 * means validation would never get past it. Returns false when the check
 * must stop. */
static bool schema_check_cycles(SchemaCheck *c, const cJSON *node, size_t depth)
{
	uintptr_t color = (uintptr_t)schema_map_get(&c->color, node, NULL);
	SchemaCycle cy = { c, depth };
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
	if (!schema_each_inplace(c->ctx, node, schema_cycle_visit, &cy))
		return false;
	if (!schema_map_put(&c->color, node, (void *)(uintptr_t)2))
		return schema_check_nomem(c);
	return true;
}

/* AUTO applies the siblings of $ref whatever $schema says: ajv 8, which
 * Paperclip plugins validate with, does so for draft-07 too, and a config
 * envctl saves must not be one the plugin then refuses. */
static bool schema_dialect_draft7(SchemaDialect d)
{
	return d == SCHEMA_DIALECT_DRAFT7;
}

Status schema_ctx_init_opts(SchemaCtx *ctx, const cJSON *root, const SchemaOptions *opts,
			    LintReport *collect, const char *prefix, Error *err)
{
	SchemaCheck c = { .ctx = ctx, .collect = collect, .prefix = prefix, .err = err, .st = ST_OK };
	bool go = true;

	memset(ctx, 0, sizeof *ctx);
	ctx->root = root;
	if (opts)
		ctx->opts = *opts;
	if (!cJSON_IsObject(root) && !(cJSON_IsBool(root) && opts && opts->allow_boolean_root)) {
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
	ctx->draft7 = cJSON_IsObject(root) && schema_dialect_draft7(ctx->opts.dialect);
	/* The root's base: its $id, else "" (this document). */
	go = schema_check_add(&c, root, strdup(""), "") && schema_ctx_name(ctx, 'r', "", root);
	if (!go && c.st == ST_OK)
		schema_check_nomem(&c);
	go = go && schema_check_tree(&c, root, 0);
	/* References are resolved once every $id of the tree is known; a
	 * target outside the tree is added to the order as it is found. */
	for (size_t i = 0; go && i < ctx->order_count; i++)
		go = schema_check_node(&c, ctx->order[i]);
	/* Cycles are searched only over a document whose references all
	 * resolved (a stopped first pass leaves nothing worth searching). */
	for (size_t i = 0; go && i < ctx->order_count; i++)
		go = schema_check_cycles(&c, ctx->order[i], 0);
	schema_map_clear(&c.color);
	ctx->clean = go && c.unsafe == 0;
	if (c.st != ST_OK) {
		schema_ctx_clear(ctx);
		return c.st;
	}
	return ST_OK;
}

Status schema_ctx_init(SchemaCtx *ctx, const cJSON *root, LintReport *collect,
		       const char *prefix, Error *err)
{
	return schema_ctx_init_opts(ctx, root, NULL, collect, prefix, err);
}

void schema_ctx_clear(SchemaCtx *ctx)
{
	for (size_t i = 0; i < ctx->pointers.cap; i++)
		if (ctx->pointers.keys && ctx->pointers.keys[i])
			free(ctx->pointers.vals[i]);
	for (size_t i = 0; i < ctx->regexes.cap; i++)
		if (ctx->regexes.keys && ctx->regexes.keys[i])
			schema_regex_free(ctx->regexes.vals[i]);
	for (size_t i = 0; i < ctx->keywords.cap; i++)
		if (ctx->keywords.keys && ctx->keywords.keys[i])
			free(ctx->keywords.vals[i]);
	for (size_t i = 0; i < ctx->strings_count; i++)
		free(ctx->strings[i]);
	free(ctx->strings);
	free(ctx->names);
	schema_map_clear(&ctx->pointers);
	schema_map_clear(&ctx->regexes);
	schema_map_clear(&ctx->refs);
	schema_map_clear(&ctx->dynrefs);
	schema_map_clear(&ctx->bases);
	schema_map_clear(&ctx->keywords);
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

const SchemaRegex *schema_ctx_regex(const SchemaCtx *ctx, const cJSON *pattern_item)
{
	return schema_map_get(&ctx->regexes, pattern_item, NULL);
}
