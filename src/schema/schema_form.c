/* The form model: one SchemaField per value an operator edits, merged from
 * every schema node that applies to it (see schema_form_load in schema.h
 * for the rendering rules). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"
#include "util/lib.h"

typedef struct FormNode {
	const cJSON *node;
	bool branch; /* reached through a oneOf/anyOf branch */
} FormNode;

typedef struct FormSet {
	FormNode *items;
	size_t count, cap;
} FormSet;

typedef struct FormCtx {
	SchemaCtx *sctx;
	Error *err;
	Status st;
	const cJSON **anc; /* every node merged into a field on the current path */
	size_t anc_count, anc_cap;
	size_t fields;
} FormCtx;

static bool form_fail(FormCtx *f, Status st, const char *what, const char *pointer)
{
	if (f->st != ST_OK)
		return false;
	if (st == ST_E_NOMEM)
		f->st = error_set(f->err, st, "out of memory");
	else
		f->st = error_set(f->err, st, "invalid schema: %s at %s", what,
				  pointer[0] ? pointer : "the root");
	return false;
}

static bool form_set_add(FormCtx *f, FormSet *set, const cJSON *node, bool branch,
			 const char *pointer)
{
	for (size_t i = 0; i < set->count; i++) {
		if (set->items[i].node == node) {
			set->items[i].branch &= branch;
			return true;
		}
	}
	if (set->count >= SCHEMA_MAX_MERGE) {
		/* The one overflow rule, worded as every other walker's. */
		if (f->st == ST_OK)
			f->st = schema_merge_overflow(f->sctx, node, f->err);
		return false;
	}
	if (!array_reserve(&set->items, &set->cap, set->count, sizeof *set->items))
		return form_fail(f, ST_E_NOMEM, "", "");
	set->items[set->count].node = node;
	set->items[set->count].branch = branch;
	set->count++;
	return true;
}

static bool form_expand(FormCtx *f, FormSet *set, const cJSON *node, bool branch,
			const char *pointer);

typedef struct FormWalk {
	FormCtx *f;
	FormSet *set;
	bool branch;
	const char *pointer;
} FormWalk;

/* What each in-place applicator means for the form: $ref and allOf are
 * the field itself; oneOf/anyOf, then/else and dependentSchemas may
 * apply (branches: their fields show, their requirements are not the
 * field's); if and not are conditions on the value, never fields. */
static bool form_expand_visit(void *arg, const cJSON *sub, const SchemaSub *how)
{
	FormWalk *w = arg;

	switch (how->kind) {
	case SCHEMA_APPLY_REF:
	case SCHEMA_APPLY_DYNREF:
	case SCHEMA_APPLY_ALL:
		return form_expand(w->f, w->set, sub, w->branch, w->pointer);
	case SCHEMA_APPLY_ANY:
	case SCHEMA_APPLY_ONE:
	case SCHEMA_APPLY_THEN:
	case SCHEMA_APPLY_ELSE:
	case SCHEMA_APPLY_DEPENDENT:
		return form_expand(w->f, w->set, sub, true, w->pointer);
	default:
		return true;
	}
}

/* Adds node and everything applied to the same value through it (the one
 * walker, schema_each_inplace). The context check guarantees these
 * chains end. */
static bool form_expand(FormCtx *f, FormSet *set, const cJSON *node, bool branch,
			const char *pointer)
{
	FormWalk w = { f, set, branch, pointer };

	if (!cJSON_IsObject(node))
		return true;
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].node == node && (!set->items[i].branch || branch))
			return true;
	if (!schema_ctx_step(f->sctx, f->err))
		return form_fail(f, ST_E_INVALID, "too many schemas to merge", pointer);
	if (!form_set_add(f, set, node, branch, pointer))
		return false;
	return schema_each_inplace(f->sctx, node, form_expand_visit, &w) && f->st == ST_OK;
}

static const cJSON *form_first(const FormSet *set, const char *kw)
{
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->items[i].node, kw);

		if (v)
			return v;
	}
	return NULL;
}

static bool form_first_count(const FormSet *set, const char *kw, long *out)
{
	const cJSON *v = form_first(set, kw);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble != floor(v->valuedouble) || v->valuedouble > 1e15)
		return false;
	*out = (long)v->valuedouble;
	return true;
}

static bool form_first_number(const FormSet *set, const char *kw, double *out)
{
	const cJSON *v = form_first(set, kw);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return false;
	*out = v->valuedouble;
	return true;
}

static SchemaType form_type_of_value(const cJSON *v)
{
	if (cJSON_IsString(v))
		return SCHEMA_STRING;
	if (cJSON_IsNumber(v))
		return schema_value_is_integer(v) ? SCHEMA_INTEGER : SCHEMA_NUMBER;
	if (cJSON_IsBool(v))
		return SCHEMA_BOOLEAN;
	if (cJSON_IsObject(v))
		return SCHEMA_OBJECT;
	if (cJSON_IsArray(v))
		return SCHEMA_ARRAY;
	return SCHEMA_ANY;
}

static void form_type(SchemaField *fld, const FormSet *set)
{
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(set->items[i].node, "type");

		if (cJSON_IsString(t) || cJSON_IsArray(t)) {
			fld->type = schema_node_type(set->items[i].node, &fld->nullable);
			return;
		}
	}
	/* No type anywhere: infer it from the keywords that imply one. */
	if (form_first(set, "properties") || form_first(set, "additionalProperties") ||
	    form_first(set, "patternProperties"))
		fld->type = SCHEMA_OBJECT;
	else if (form_first(set, "items") || form_first(set, "prefixItems"))
		fld->type = SCHEMA_ARRAY;
	else if (fld->const_value)
		fld->type = form_type_of_value(fld->const_value);
	else if (fld->enum_values && fld->enum_values->child) {
		const cJSON *m;

		fld->type = form_type_of_value(fld->enum_values->child);
		cJSON_ArrayForEach(m, fld->enum_values) {
			if (fld->type == SCHEMA_INTEGER && form_type_of_value(m) == SCHEMA_NUMBER)
				fld->type = SCHEMA_NUMBER;
		}
	} else if (fld->default_value)
		fld->type = form_type_of_value(fld->default_value);
	else
		fld->type = SCHEMA_ANY;
}

/* enum/const: the first non-branch statement wins; when only branches
 * state one, the field offers the union (a discriminator). */
static bool form_choices(FormCtx *f, SchemaField *fld, const FormSet *set)
{
	size_t contributors = 0;
	cJSON *u;

	for (size_t i = 0; i < set->count; i++) {
		const cJSON *n = set->items[i].node;
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(n, "enum");
		const cJSON *cn = cJSON_GetObjectItemCaseSensitive(n, "const");

		if (!cJSON_IsArray(en))
			en = NULL;
		if (!en && !cn)
			continue;
		if (!set->items[i].branch) {
			fld->enum_values = en;
			fld->const_value = en ? NULL : cn;
			return true;
		}
		if (!contributors) {
			fld->enum_values = en;
			fld->const_value = en ? NULL : cn;
		}
		contributors++;
	}
	/* One branch's const is the condition of that alternative (kubernetes'
	 * anyOf: inCluster const true | kubeconfig required), not a fixed
	 * value: the field stays editable and choosing the branch sets it. */
	if (contributors == 1 && fld->const_value) {
		fld->const_value = NULL;
		return true;
	}
	if (contributors < 2)
		return true;
	u = cJSON_CreateArray();
	if (!u)
		return form_fail(f, ST_E_NOMEM, "", "");
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *n = set->items[i].node;
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(n, "enum");
		const cJSON *cn = cJSON_GetObjectItemCaseSensitive(n, "const");
		const cJSON *vals[1] = { cn };
		const cJSON *m;

		if (!cJSON_IsArray(en))
			en = NULL;
		for (m = en ? en->child : vals[0]; m; m = en ? m->next : NULL) {
			const cJSON *have;
			bool dup = false;
			cJSON *copy;

			cJSON_ArrayForEach(have, u) {
				if ((dup = json_equal(have, m)))
					break;
			}
			if (dup)
				continue;
			copy = cJSON_Duplicate(m, 1);
			if (!copy || !cJSON_AddItemToArray(u, copy)) {
				cJSON_Delete(copy);
				cJSON_Delete(u);
				return form_fail(f, ST_E_NOMEM, "", "");
			}
		}
	}
	fld->owned_enum = u;
	fld->enum_values = u;
	fld->const_value = NULL;
	return true;
}

static bool form_required_in(const cJSON *node, const char *key)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(node, "required"), *m;

	cJSON_ArrayForEach(m, schema_json_array(req)) {
		if (cJSON_IsString(m) && strcmp(m->valuestring, key) == 0)
			return true;
	}
	return false;
}

/* Required by a non-branch node, or by every branch of one oneOf/anyOf. */
static bool form_is_required(FormCtx *f, const FormSet *set, const char *key)
{
	static const char *const groups[] = { "oneOf", "anyOf" };

	for (size_t i = 0; i < set->count; i++) {
		const cJSON *n = set->items[i].node;

		if (set->items[i].branch)
			continue;
		if (form_required_in(n, key))
			return true;
		for (size_t g = 0; g < 2; g++) {
			const cJSON *list = cJSON_GetObjectItemCaseSensitive(n, groups[g]), *m;
			bool all = cJSON_IsArray(list) && list->child;

			cJSON_ArrayForEach(m, schema_json_array(list)) {
				const cJSON *t = schema_ref_target(f->sctx, m);

				if (!form_required_in(m, key) && !(t && form_required_in(t, key))) {
					all = false;
					break;
				}
			}
			if (all)
				return true;
		}
	}
	return false;
}

static bool form_anc_push(FormCtx *f, const FormSet *set)
{
	if (!array_reserve_n(&f->anc, &f->anc_cap, f->anc_count, set->count, sizeof *f->anc))
		return form_fail(f, ST_E_NOMEM, "", "");
	for (size_t i = 0; i < set->count; i++)
		f->anc[f->anc_count++] = set->items[i].node;
	return true;
}

static bool form_recursive(const FormCtx *f, const FormSet *set)
{
	for (size_t i = 0; i < set->count; i++)
		for (size_t j = 0; j < f->anc_count; j++)
			if (set->items[i].node == f->anc[j])
				return true;
	return false;
}

static char *form_strdup(FormCtx *f, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		form_fail(f, ST_E_NOMEM, "", "");
	return d;
}

/* ------------------------------------------------------------ hints and alternatives */

/* Paperclip's form hints: x-paperclip-group names the section a field is
 * shown in, x-paperclip-advanced folds it behind one "Advanced" toggle. A
 * secret that holds a document (a kubeconfig, a PEM key) is edited as a
 * textarea, as its own description asks for pasting it. */
static void form_hints(FormCtx *f, SchemaField *fld, const FormSet *set)
{
	const cJSON *g = form_first(set, "x-paperclip-group");
	static const char *const multiline[] = { "kubeconfig", "yaml", "pem", "private key",
						 "certificate", "multi-line", "multiline" };

	if (cJSON_IsString(g) && g->valuestring[0] && !(fld->group = form_strdup(f, g->valuestring)))
		return;
	fld->advanced = cJSON_IsTrue(form_first(set, "x-paperclip-advanced"));
	if (fld->secret && !fld->textarea && fld->type == SCHEMA_STRING &&
	    !(fld->has_max_length && fld->max_length < 256)) {
		for (size_t i = 0; i < sizeof multiline / sizeof multiline[0] && !fld->textarea; i++)
			fld->textarea = (fld->key && strcasestr(fld->key, multiline[i])) ||
					(fld->description && strcasestr(fld->description, multiline[i]));
	}
}

static const SchemaField *form_child(const SchemaField *obj, const char *key)
{
	for (size_t i = 0; i < obj->child_count; i++)
		if (obj->children[i]->key && strcmp(obj->children[i]->key, key) == 0)
			return obj->children[i];
	return NULL;
}

/* Appends key to the NULL-terminated list *keys (n keys, room for *cap
 * pointers) unless it is there already. */
static bool form_keys_add(char ***keys, size_t *n, size_t *cap, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*keys)[i], key) == 0)
			return true;
	/* room for the key and the NULL after it */
	if (!array_reserve(keys, cap, *n + 1, sizeof **keys))
		return false;
	if (!((*keys)[*n] = strdup(key)))
		return false;
	(*keys)[++*n] = NULL;
	return true;
}

/* One choice from one branch: its keys, its const values, its label. */
static bool form_choice_build(FormCtx *f, const SchemaField *obj, const cJSON *branch, size_t idx,
			      SchemaChoice *c)
{
	const cJSON *t = schema_ref_target(f->sctx, branch);
	const cJSON *node = t ? t : branch;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(node, "required");
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(node, "title");
	const cJSON *m;
	size_t n = 0, cap = 1; /* the calloc'd NULL below */
	Buf label = BUF_INIT;

	c->branch = node;
	c->sets = cJSON_CreateObject();
	c->keys = calloc(1, sizeof *c->keys);
	if (!c->sets || !c->keys)
		return false;
	cJSON_ArrayForEach(m, schema_json_array(req)) {
		if (cJSON_IsString(m) && !form_keys_add(&c->keys, &n, &cap, m->valuestring))
			return false;
	}
	cJSON_ArrayForEach(m, schema_json_object(props)) {
		const cJSON *cv = cJSON_GetObjectItemCaseSensitive(m, "const");

		if (!form_keys_add(&c->keys, &n, &cap, m->string))
			return false;
		if (cv && !cJSON_AddItemToObject(c->sets, m->string, cJSON_Duplicate(cv, 1)))
			return false;
	}
	if (cJSON_IsString(title) && title->valuestring[0]) {
		if (!buf_puts(&label, title->valuestring))
			goto oom;
	} else {
		for (size_t i = 0; c->keys[i]; i++) {
			const SchemaField *cf = form_child(obj, c->keys[i]);

			if ((i && !buf_puts(&label, " + ")) ||
			    !buf_puts(&label, cf && cf->title ? cf->title : c->keys[i]))
				goto oom;
		}
		if (!label.len && !buf_printf(&label, "Option %zu", idx + 1))
			goto oom;
	}
	c->label = buf_take(&label);
	return c->label != NULL;
oom:
	buf_clear(&label);
	return false;
}

/* The object's own oneOf (else anyOf), when it has at least two object
 * branches: the alternatives the operator picks from. */
static void form_alternatives(FormCtx *f, SchemaField *fld, const FormSet *set)
{
	static const char *const groups[] = { "oneOf", "anyOf" };

	for (size_t i = 0; i < set->count && !fld->choices; i++) {
		if (set->items[i].branch)
			continue;
		for (size_t g = 0; g < 2 && !fld->choices; g++) {
			const cJSON *list = cJSON_GetObjectItemCaseSensitive(set->items[i].node, groups[g]);
			const cJSON *m;
			size_t n = 0;
			bool objects = true;

			cJSON_ArrayForEach(m, schema_json_array(list)) {
				objects &= cJSON_IsObject(m);
				n++;
			}
			if (!objects || n < 2 || n > 32)
				continue;
			fld->choices = calloc(n, sizeof *fld->choices);
			if (!fld->choices) {
				form_fail(f, ST_E_NOMEM, "", "");
				return;
			}
			fld->choice_count = n;
			n = 0;
			cJSON_ArrayForEach(m, list) {
				if (!form_choice_build(f, fld, m, n, &fld->choices[n])) {
					form_fail(f, ST_E_NOMEM, "", "");
					return;
				}
				n++;
			}
		}
	}
}

static bool form_choice_matches(const SchemaChoice *c, const cJSON *value)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(c->branch, "required"), *m;

	cJSON_ArrayForEach(m, schema_json_array(req)) {
		if (cJSON_IsString(m) && !cJSON_GetObjectItemCaseSensitive(value, m->valuestring))
			return false;
	}
	cJSON_ArrayForEach(m, c->sets) {
		if (!json_equal(m, cJSON_GetObjectItemCaseSensitive(value, m->string)))
			return false;
	}
	return true;
}

bool schema_choice_owns(const SchemaField *obj, int choice, const char *key)
{
	if (!obj || choice < 0 || (size_t)choice >= obj->choice_count)
		return false;
	for (char **k = obj->choices[choice].keys; k && *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

bool schema_choice_is_branch_key(const SchemaField *obj, const char *key)
{
	for (size_t i = 0; obj && i < obj->choice_count; i++)
		if (schema_choice_owns(obj, (int)i, key))
			return true;
	return false;
}

int schema_choice_of(const SchemaField *obj, const cJSON *value)
{
	if (!obj || !cJSON_IsObject(value))
		return -1;
	for (size_t i = 0; i < obj->choice_count; i++)
		if (form_choice_matches(&obj->choices[i], value))
			return (int)i;
	for (size_t i = 0; i < obj->choice_count; i++) {
		const cJSON *m;

		cJSON_ArrayForEach(m, value) {
			bool only = schema_choice_owns(obj, (int)i, m->string);

			for (size_t j = 0; only && j < obj->choice_count; j++)
				only = j == i || !schema_choice_owns(obj, (int)j, m->string);
			if (only)
				return (int)i;
		}
	}
	return -1;
}

/* ------------------------------------------------------------ 2020-12 applicators */

static bool form_keys_has(char *const *keys, const char *key)
{
	for (; keys && *keys; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

static void form_keys_free(char **keys)
{
	for (char **k = keys; k && *k; k++)
		free(*k);
	free(keys);
}

/* Declared by a node that always applies: such a field is always shown. */
static bool form_declared_plainly(const FormSet *set, const char *key)
{
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[i].node, "properties");

		if (!set->items[i].branch && cJSON_IsObject(props) &&
		    cJSON_GetObjectItemCaseSensitive(props, key))
			return true;
	}
	return false;
}

/* The keys an outcome (then or else, with its $ref) names and requires. */
static bool form_outcome_keys(FormCtx *f, const FormSet *set, const cJSON *node, char ***keys,
			      char ***required)
{
	const cJSON *t = cJSON_IsObject(node) ? schema_ref_target(f->sctx, node) : NULL;
	const cJSON *nodes[2] = { node, t };
	size_t nk = 0, nr = 0, kcap = 1, rcap = 1; /* the calloc'd NULLs below */

	*keys = calloc(1, sizeof **keys);
	*required = calloc(1, sizeof **required);
	if (!*keys || !*required)
		return false;
	for (size_t i = 0; i < 2; i++) {
		const cJSON *m;

		if (!cJSON_IsObject(nodes[i]))
			continue;
		cJSON_ArrayForEach(m, schema_json_object(
					      cJSON_GetObjectItemCaseSensitive(nodes[i], "properties"))) {
			if (!form_declared_plainly(set, m->string) && !form_keys_add(keys, &nk, &kcap, m->string))
				return false;
		}
		cJSON_ArrayForEach(m, schema_json_array(
					      cJSON_GetObjectItemCaseSensitive(nodes[i], "required"))) {
			if (cJSON_IsString(m) && !form_keys_add(required, &nr, &rcap, m->valuestring))
				return false;
		}
	}
	return true;
}

/* The object's own if/then/else (from the nodes that always apply). */
static void form_conditions(FormCtx *f, SchemaField *fld, const FormSet *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->count; i++) {
		const cJSON *nd = set->items[i].node;

		n += !set->items[i].branch && cJSON_GetObjectItemCaseSensitive(nd, "if") &&
		     (cJSON_GetObjectItemCaseSensitive(nd, "then") ||
		      cJSON_GetObjectItemCaseSensitive(nd, "else"));
	}
	if (!n)
		return;
	fld->conds = calloc(n, sizeof *fld->conds);
	if (!fld->conds) {
		form_fail(f, ST_E_NOMEM, "", "");
		return;
	}
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *nd = set->items[i].node;
		const cJSON *cif = cJSON_GetObjectItemCaseSensitive(nd, "if");
		const cJSON *cthen = cJSON_GetObjectItemCaseSensitive(nd, "then");
		const cJSON *celse = cJSON_GetObjectItemCaseSensitive(nd, "else");
		SchemaCond *c;

		if (set->items[i].branch || !cif || (!cthen && !celse))
			continue;
		c = &fld->conds[fld->cond_count++];
		c->if_node = cif;
		if (!form_outcome_keys(f, set, cthen, &c->then_keys, &c->then_required) ||
		    !form_outcome_keys(f, set, celse, &c->else_keys, &c->else_required)) {
			form_fail(f, ST_E_NOMEM, "", "");
			return;
		}
	}
}

static const char *form_type_words(const char *t)
{
	static const char *const names[][2] = {
		{ "string", "a string" },   { "number", "a number" },   { "integer", "an integer" },
		{ "boolean", "a boolean" }, { "object", "an object" }, { "array", "an array" },
		{ "null", "null" },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], t) == 0)
			return names[i][1];
	return NULL;
}

/* `not` in the words the operator reads next to the field. */
static void form_not_text(FormCtx *f, SchemaField *fld, const FormSet *set)
{
	const cJSON *n = NULL, *v;
	Buf b = BUF_INIT;
	bool ok = true;

	for (size_t i = 0; i < set->count && !n; i++)
		if (!set->items[i].branch)
			n = cJSON_GetObjectItemCaseSensitive(set->items[i].node, "not");
	if (!n)
		return;
	if (cJSON_IsTrue(n) || (cJSON_IsObject(n) && !n->child)) {
		ok = buf_puts(&b, "no value is allowed here");
	} else if (cJSON_IsObject(n) && (v = cJSON_GetObjectItemCaseSensitive(n, "const")) &&
		   !n->child->next) {
		char *t = cJSON_PrintUnformatted(v);

		ok = t && buf_printf(&b, "must not be %s", t);
		free(t);
	} else if (cJSON_IsObject(n) && cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(n, "enum")) &&
		   !n->child->next) {
		const cJSON *m;

		ok = buf_puts(&b, "must not be any of ");
		cJSON_ArrayForEach(m, v) {
			char *t = cJSON_PrintUnformatted(m);

			ok = ok && t && buf_printf(&b, "%s%s", m == v->child ? "" : ", ", t);
			free(t);
		}
	} else if (cJSON_IsObject(n) && cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(n, "type")) &&
		   !n->child->next && form_type_words(v->valuestring)) {
		ok = buf_printf(&b, "must not be %s", form_type_words(v->valuestring));
	} else if (cJSON_IsObject(n) &&
		   cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(n, "pattern")) &&
		   !n->child->next) {
		ok = buf_printf(&b, "must not match the pattern %s", v->valuestring);
	} else if (cJSON_IsObject(n) &&
		   cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(n, "required")) &&
		   !n->child->next && v->child) {
		const cJSON *m;

		ok = buf_puts(&b, "must not set ");
		cJSON_ArrayForEach(m, v)
			ok = ok && cJSON_IsString(m) &&
			     buf_printf(&b, "%s\"%s\"", m == v->child ? "" : (m->next ? ", " : " and "),
					m->valuestring);
	} else if (!cJSON_IsFalse(n)) {
		ok = buf_puts(&b, "must not match the schema under \"not\"");
	}
	if (!ok) {
		buf_clear(&b);
		form_fail(f, ST_E_NOMEM, "", "");
		return;
	}
	fld->not_text = b.len ? buf_take(&b) : NULL;
	buf_clear(&b);
}

/* 1 the condition holds for value, 0 it does not, -1 it cannot be
 * decided on its own (a $ref out of it): both outcomes then show. */
static int form_cond_holds(const SchemaCond *c, const cJSON *value)
{
	SchemaIssues issues;
	Error err;
	cJSON *empty = NULL;
	int r;

	if (cJSON_IsBool(c->if_node))
		return cJSON_IsTrue(c->if_node);
	if (!value && !(value = empty = cJSON_CreateObject()))
		return -1;
	r = schema_validate(c->if_node, value, &issues, &err) != ST_OK ? -1 : issues.count == 0;
	schema_issues_clear(&issues);
	cJSON_Delete(empty);
	return r;
}

bool schema_field_shown(const SchemaField *obj, const cJSON *value, const char *key)
{
	bool named = false;

	for (size_t i = 0; obj && key && i < obj->cond_count; i++) {
		const SchemaCond *c = &obj->conds[i];
		bool in_then = form_keys_has(c->then_keys, key), in_else = form_keys_has(c->else_keys, key);
		int h;

		if (!in_then && !in_else)
			continue;
		named = true;
		h = form_cond_holds(c, value);
		if (h < 0 || (h && in_then) || (!h && in_else))
			return true;
	}
	return !named;
}

bool schema_field_required_now(const SchemaField *obj, const cJSON *value, const char *key)
{
	const SchemaField *child;
	const cJSON *trig;

	if (!obj || !key)
		return false;
	child = form_child(obj, key);
	if (child && child->required)
		return true;
	cJSON_ArrayForEach(trig, schema_json_object(obj->dependent_required)) {
		const cJSON *m;

		if (!cJSON_IsArray(trig) || !cJSON_IsObject(value) ||
		    !cJSON_GetObjectItemCaseSensitive(value, trig->string))
			continue;
		cJSON_ArrayForEach(m, trig)
			if (cJSON_IsString(m) && strcmp(m->valuestring, key) == 0)
				return true;
	}
	for (size_t i = 0; i < obj->cond_count; i++) {
		const SchemaCond *c = &obj->conds[i];
		bool in_then = form_keys_has(c->then_required, key);
		bool in_else = form_keys_has(c->else_required, key);
		int h;

		if (!in_then && !in_else)
			continue;
		h = form_cond_holds(c, value);
		if ((h == 1 && in_then) || (h == 0 && in_else))
			return true;
	}
	return false;
}

bool schema_map_key_check(const SchemaField *map, const char *key, char *why, size_t whylen)
{
	const cJSON *m;
	bool matched = false;
	Buf pats = BUF_INIT;

	if (whylen)
		why[0] = '\0';
	if (!map || !key)
		return false;
	if (map->key_names) {
		cJSON *name = cJSON_CreateString(key);
		SchemaIssues issues;
		Error err;
		bool bad;

		if (!name) {
			snprintf(why, whylen, "out of memory");
			return false;
		}
		if (cJSON_IsBool(map->key_names)) {
			bad = cJSON_IsFalse(map->key_names);
			memset(&issues, 0, sizeof issues);
		} else {
			bad = schema_validate(map->key_names, name, &issues, &err) == ST_OK && issues.count;
		}
		if (bad)
			snprintf(why, whylen, "the name \"%s\" is not allowed: %s", key,
				 issues.count ? issues.items[0].message : "no name is");
		schema_issues_clear(&issues);
		cJSON_Delete(name);
		if (bad)
			return false;
	}
	if (form_child(map, key))
		return true;
	cJSON_ArrayForEach(m, schema_json_object(map->key_patterns)) {
		char msg[128];
		SchemaRegex *re = schema_regex_compile(m->string, msg, sizeof msg);

		buf_printf(&pats, "%s%s", pats.len ? " or " : "", m->string);
		if (re && schema_regex_match(re, key, strlen(key)) == 1)
			matched = true;
		schema_regex_free(re);
	}
	if (map->closed_keys && !matched) {
		if (pats.len)
			snprintf(why, whylen, "the name \"%s\" must match %s", key, pats.data);
		else
			snprintf(why, whylen, "the name \"%s\" is not one this object allows", key);
		buf_clear(&pats);
		return false;
	}
	buf_clear(&pats);
	return true;
}

long schema_array_duplicate(const SchemaField *arr, const cJSON *array, size_t row)
{
	const cJSON *item, *m;
	long j = 0;

	if (!arr || !arr->unique_items || !cJSON_IsArray(array) ||
	    !(item = cJSON_GetArrayItem(array, (int)row)))
		return -1;
	cJSON_ArrayForEach(m, array) {
		if (m == item)
			break;
		if (json_equal(m, item))
			return j;
		j++;
	}
	return -1;
}

static SchemaField *form_build(FormCtx *f, const FormSet *seeds, const char *key,
			       const char *pointer, const char *default_title,
			       SchemaField *parent, size_t depth);

/* Collects the subschemas every node of set has under kw (optionally the
 * member named name) as seeds for a child field. */
static bool form_seeds(FormCtx *f, const FormSet *set, const char *kw, const char *name,
		       FormSet *out, bool *all_false, const char *pointer)
{
	*all_false = true;
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->items[i].node, kw);

		if (name)
			v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, name) : NULL;
		if (!v)
			continue;
		if (cJSON_IsFalse(v))
			continue;
		*all_false = false;
		if (cJSON_IsObject(v) && !form_set_add(f, out, v, set->items[i].branch, pointer))
			return false;
	}
	return true;
}

static bool form_children(FormCtx *f, SchemaField *fld, const FormSet *set, size_t depth)
{
	const char **keys = NULL;
	size_t nkeys = 0, cap = 0;
	bool ok = true;

	for (size_t i = 0; ok && i < set->count; i++) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[i].node, "properties");
		const cJSON *p;

		cJSON_ArrayForEach(p, schema_json_object(props)) {
			bool seen = false;

			for (size_t k = 0; k < nkeys && !seen; k++)
				seen = strcmp(keys[k], p->string) == 0;
			if (seen)
				continue;
			if (!array_reserve(&keys, &cap, nkeys, sizeof *keys)) {
				ok = form_fail(f, ST_E_NOMEM, "", "");
				break;
			}
			keys[nkeys++] = p->string;
		}
	}
	if (ok && nkeys) {
		fld->children = calloc(nkeys, sizeof *fld->children);
		if (!fld->children)
			ok = form_fail(f, ST_E_NOMEM, "", "");
	}
	for (size_t k = 0; ok && k < nkeys; k++) {
		FormSet seeds = { NULL, 0, 0 };
		bool all_false;
		char *ptr = jsonptr_append(fld->pointer, keys[k]);
		SchemaField *child = NULL;

		if (!ptr) {
			ok = form_fail(f, ST_E_NOMEM, "", "");
			break;
		}
		ok = form_seeds(f, set, "properties", keys[k], &seeds, &all_false, ptr);
		if (ok && !all_false) {
			child = form_build(f, &seeds, keys[k], ptr, NULL, fld, depth + 1);
			ok = child != NULL;
			if (ok) {
				child->required = form_is_required(f, set, keys[k]);
				fld->children[fld->child_count++] = child;
			}
		}
		free(seeds.items);
		free(ptr);
	}
	free(keys);
	return ok;
}

/* items and additionalProperties: one template field each. */
static bool form_template(FormCtx *f, SchemaField *fld, const FormSet *set, const char *kw,
			  const char *name, const char *token, const char *title, SchemaField **out,
			  size_t depth)
{
	FormSet seeds = { NULL, 0, 0 };
	bool all_false, ok;
	char *ptr = jsonptr_append(fld->pointer, token);

	if (!ptr)
		return form_fail(f, ST_E_NOMEM, "", "");
	ok = form_seeds(f, set, kw, name, &seeds, &all_false, ptr);
	if (ok && seeds.count) {
		*out = form_build(f, &seeds, NULL, ptr, title, fld, depth + 1);
		ok = *out != NULL;
	}
	free(seeds.items);
	free(ptr);
	return ok;
}


/* prefixItems (draft-07: items as an array): one field per position. */
static bool form_tuple(FormCtx *f, SchemaField *fld, const FormSet *set, size_t depth)
{
	const cJSON *list = form_first(set, "prefixItems");
	size_t n;

	if (!cJSON_IsArray(list))
		list = form_first(set, "items");
	if (!cJSON_IsArray(list) || !(n = (size_t)cJSON_GetArraySize(list)))
		return true;
	if (n > 64)
		n = 64; /* a longer tuple is edited as JSON past its 64th position */
	fld->tuple = calloc(n, sizeof *fld->tuple);
	if (!fld->tuple)
		return form_fail(f, ST_E_NOMEM, "", "");
	for (size_t i = 0; i < n; i++) {
		FormSet seeds = { NULL, 0, 0 };
		char tok[24], title[32];
		char *ptr;
		bool ok = true;

		snprintf(tok, sizeof tok, "%zu", i);
		snprintf(title, sizeof title, "Item %zu", i + 1);
		if (!(ptr = jsonptr_append(fld->pointer, tok)))
			return form_fail(f, ST_E_NOMEM, "", "");
		for (size_t s = 0; ok && s < set->count; s++) {
			const cJSON *l = cJSON_GetObjectItemCaseSensitive(set->items[s].node, "prefixItems");
			const cJSON *m;

			if (!cJSON_IsArray(l))
				l = cJSON_GetObjectItemCaseSensitive(set->items[s].node, "items");
			m = cJSON_IsArray(l) ? cJSON_GetArrayItem(l, (int)i) : NULL;
			if (cJSON_IsObject(m))
				ok = form_set_add(f, &seeds, m, set->items[s].branch, ptr);
		}
		if (ok)
			fld->tuple[fld->tuple_count] = form_build(f, &seeds, NULL, ptr, title, fld, depth + 1);
		free(seeds.items);
		free(ptr);
		if (!ok || !fld->tuple[fld->tuple_count])
			return false;
		fld->tuple_count++;
	}
	return true;
}

static SchemaField *form_build(FormCtx *f, const FormSet *seeds, const char *key,
			       const char *pointer, const char *default_title,
			       SchemaField *parent, size_t depth)
{
	FormSet set = { NULL, 0, 0 };
	SchemaField *fld;
	const cJSON *v;
	const char *format;
	size_t anc_mark = f->anc_count;
	bool ok = true;

	if (depth > SCHEMA_MAX_FORM_DEPTH) {
		form_fail(f, ST_E_INVALID, "fields nest more than 64 levels deep", pointer);
		return NULL;
	}
	if (++f->fields > SCHEMA_MAX_FIELDS || !schema_ctx_step(f->sctx, f->err)) {
		form_fail(f, ST_E_INVALID, "the form would have more than 20000 fields", pointer);
		return NULL;
	}
	for (size_t i = 0; ok && i < seeds->count; i++)
		ok = form_expand(f, &set, seeds->items[i].node, seeds->items[i].branch, pointer);
	fld = calloc(1, sizeof *fld);
	if (!ok || !fld) {
		if (ok)
			form_fail(f, ST_E_NOMEM, "", "");
		free(set.items);
		free(fld);
		return NULL;
	}
	fld->parent = parent;
	fld->key = form_strdup(f, key);
	fld->pointer = form_strdup(f, pointer);
	v = form_first(&set, "title");
	if (cJSON_IsString(v))
		fld->title = form_strdup(f, v->valuestring);
	else if (key)
		fld->title = schema_title_case(key);
	else
		fld->title = form_strdup(f, default_title ? default_title : "");
	if (!fld->title)
		form_fail(f, ST_E_NOMEM, "", "");
	v = form_first(&set, "description");
	if (cJSON_IsString(v))
		fld->description = form_strdup(f, v->valuestring);
	fld->node = set.count ? set.items[0].node : NULL;
	for (size_t i = 0; i < set.count; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(set.items[i].node, "$ref")) {
			fld->node = set.items[i].node;
			break;
		}
	}
	fld->default_value = form_first(&set, "default");
	fld->read_only = cJSON_IsTrue(form_first(&set, "readOnly"));
	/* Any node may add a format: a secret in one alternative is a secret
	 * (the same rule as secret discovery), and a $ref'd secret can be
	 * given "textarea" beside it. */
	for (size_t i = 0; i < set.count; i++) {
		format = schema_node_format(set.items[i].node);
		if (!format)
			continue;
		fld->textarea |= strcmp(format, "textarea") == 0;
		fld->secret |= strcmp(format, "secret-ref") == 0;
		fld->uri |= strcmp(format, "uri") == 0;
	}
	fld->has_min_length = form_first_count(&set, "minLength", &fld->min_length);
	fld->has_max_length = form_first_count(&set, "maxLength", &fld->max_length);
	fld->has_min_items = form_first_count(&set, "minItems", &fld->min_items);
	fld->has_max_items = form_first_count(&set, "maxItems", &fld->max_items);
	fld->has_minimum = form_first_number(&set, "minimum", &fld->minimum);
	fld->has_maximum = form_first_number(&set, "maximum", &fld->maximum);
	fld->exclusive_minimum = fld->has_minimum && cJSON_IsTrue(form_first(&set, "exclusiveMinimum"));
	fld->exclusive_maximum = fld->has_maximum && cJSON_IsTrue(form_first(&set, "exclusiveMaximum"));
	{
		double x;

		/* Draft 6+: exclusiveMinimum is itself the bound; keep the tighter. */
		if (form_first_number(&set, "exclusiveMinimum", &x) &&
		    (!fld->has_minimum || x >= fld->minimum)) {
			fld->has_minimum = fld->exclusive_minimum = true;
			fld->minimum = x;
		}
		if (form_first_number(&set, "exclusiveMaximum", &x) &&
		    (!fld->has_maximum || x <= fld->maximum)) {
			fld->has_maximum = fld->exclusive_maximum = true;
			fld->maximum = x;
		}
		fld->has_multiple_of = form_first_number(&set, "multipleOf", &x) && x > 0;
		fld->multiple_of = fld->has_multiple_of ? x : 0;
	}
	v = form_first(&set, "pattern");
	if (cJSON_IsString(v))
		fld->pattern = form_strdup(f, v->valuestring);
	if (f->st == ST_OK)
		form_choices(f, fld, &set);
	form_type(fld, &set);
	fld->credential_warning = key && !fld->secret && schema_name_looks_secret(key) &&
				  (fld->type == SCHEMA_STRING || fld->type == SCHEMA_ANY);
	fld->recursive = form_recursive(f, &set);
	if (f->st == ST_OK && !fld->recursive && form_anc_push(f, &set)) {
		if (form_first(&set, "properties"))
			form_children(f, fld, &set, depth);
		if (f->st == ST_OK && form_first(&set, "items"))
			form_template(f, fld, &set, "items", NULL, "-", "Item", &fld->items, depth);
		if (f->st == ST_OK)
			form_tuple(f, fld, &set, depth);
		if (f->st == ST_OK && cJSON_IsObject(form_first(&set, "additionalProperties")))
			form_template(f, fld, &set, "additionalProperties", NULL, "*", "Value",
				      &fld->additional, depth);
		fld->key_patterns = schema_json_object(form_first(&set, "patternProperties"));
		if (f->st == ST_OK && !fld->additional && fld->key_patterns && fld->key_patterns->child)
			form_template(f, fld, &set, "patternProperties", fld->key_patterns->child->string,
				      "*", "Value", &fld->additional, depth);
	}
	fld->closed_keys = cJSON_IsFalse(form_first(&set, "additionalProperties"));
	fld->key_names = form_first(&set, "propertyNames");
	fld->unique_items = cJSON_IsTrue(form_first(&set, "uniqueItems"));
	fld->dependent_required = schema_json_object(form_first(&set, "dependentRequired"));
	if (!fld->dependent_required)
		fld->dependent_required = schema_json_object(form_first(&set, "dependencies"));
	if (f->st == ST_OK)
		form_conditions(f, fld, &set);
	if (f->st == ST_OK)
		form_not_text(f, fld, &set);
	f->anc_count = anc_mark;
	if (f->st == ST_OK)
		form_hints(f, fld, &set);
	if (f->st == ST_OK && fld->child_count)
		form_alternatives(f, fld, &set);
	free(set.items);
	if (f->st != ST_OK) {
		schema_field_free(fld);
		return NULL;
	}
	return fld;
}

Status schema_form_load(const cJSON *schema, SchemaField **root_out, Error *err)
{
	SchemaCtx sctx;
	FormCtx f = { .err = err, .st = ST_OK };
	FormNode seed = { schema, false };
	FormSet seeds = { &seed, 1, 1 };
	Status st;

	*root_out = NULL;
	st = schema_ctx_init(&sctx, schema, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	f.sctx = &sctx;
	*root_out = form_build(&f, &seeds, NULL, "", NULL, NULL, 0);
	free(f.anc);
	schema_ctx_clear(&sctx);
	return f.st;
}

void schema_field_free(SchemaField *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->child_count; i++)
		schema_field_free(f->children[i]);
	free(f->children);
	schema_field_free(f->items);
	schema_field_free(f->additional);
	free(f->key);
	free(f->pointer);
	free(f->title);
	free(f->description);
	free(f->pattern);
	cJSON_Delete(f->owned_enum);
	for (size_t i = 0; i < f->choice_count; i++) {
		free(f->choices[i].label);
		for (char **k = f->choices[i].keys; k && *k; k++)
			free(*k);
		free(f->choices[i].keys);
		cJSON_Delete(f->choices[i].sets);
	}
	free(f->choices);
	free(f->group);
	for (size_t i = 0; i < f->cond_count; i++) {
		form_keys_free(f->conds[i].then_keys);
		form_keys_free(f->conds[i].else_keys);
		form_keys_free(f->conds[i].then_required);
		form_keys_free(f->conds[i].else_required);
	}
	free(f->conds);
	for (size_t i = 0; i < f->tuple_count; i++)
		schema_field_free(f->tuple[i]);
	free(f->tuple);
	free(f->not_text);
	free(f);
}

const SchemaField *schema_field_find(const SchemaField *root, const char *pointer)
{
	const SchemaField *f = root;
	const char *p = pointer;
	Buf tok = BUF_INIT;

	if (!root || !pointer || (pointer[0] && pointer[0] != '/'))
		return NULL;
	while (f && *p) {
		const SchemaField *next = NULL;
		bool index = true;

		buf_reset(&tok);
		if (!buf_puts(&tok, "")) {
			f = NULL;
			break;
		}
		for (p++; *p && *p != '/'; p++) {
			char c = *p;

			if (p[0] == '~' && (p[1] == '0' || p[1] == '1'))
				c = *++p == '0' ? '~' : '/';
			buf_putc(&tok, c);
		}
		for (size_t i = 0; i < f->child_count && !next; i++)
			if (strcmp(f->children[i]->key, tok.data) == 0)
				next = f->children[i];
		for (const char *c = tok.data; *c; c++)
			index &= *c >= '0' && *c <= '9';
		if (!next && index && tok.len && f->tuple_count &&
		    strtoul(tok.data, NULL, 10) < f->tuple_count && tok.len < 10)
			next = f->tuple[strtoul(tok.data, NULL, 10)];
		if (!next && f->items && (strcmp(tok.data, "-") == 0 || (index && tok.len)))
			next = f->items;
		if (!next && f->additional)
			next = f->additional;
		f = next;
	}
	buf_clear(&tok);
	return f;
}
