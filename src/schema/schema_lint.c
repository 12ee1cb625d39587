/* Lint for configSchemas and plugin manifests: errors that would make a
 * form or a save fail, and warnings an operator would thank the plugin
 * author for (plain-text credentials, fields nobody can understand). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/private.h"
#include "util/lib.h"

#define LINT_MAX_DEPTH 512

typedef struct LintCtx {
	SchemaCtx sctx;
	LintReport *r;
	const char *prefix;
	Error *err;
	Status st;
	/* The schemas whose allOf/anyOf/oneOf lead to the node being linted
	 * (innermost last): a branch's `required` names properties of the same
	 * instance, which the enclosing schema or a sibling branch may declare. */
	const cJSON *owners[LINT_MAX_DEPTH + 1];
	size_t owner_count;
} LintCtx;

static bool lint_nomem(LintCtx *l)
{
	if (l->st == ST_OK)
		l->st = error_set(l->err, ST_E_NOMEM, "out of memory");
	return false;
}

static bool lint_ok(LintCtx *l, bool ok)
{
	return ok || lint_nomem(l);
}

#define LINT_ADD(l, level, ptr, ...) \
	lint_ok((l), schema_lint_add((l)->r, (level), (l)->prefix, (ptr), __VA_ARGS__))

/* ------------------------------------------------------------ names */

static bool lint_word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

bool schema_name_looks_secret(const char *name)
{
	/* Words that end a credential's name, and the words before "key"
	 * that make it an identifier rather than a credential. */
	static const char *const last_words[] = {
		"key", "token", "secret", "password", "passwd", "passphrase", "pwd", "credential",
		"credentials", "apikey", "privatekey", "secretkey", "accesskey", "authtoken",
		"accesstoken", "refreshtoken", "clientsecret", "pat", NULL,
	};
	static const char *const not_credential_before_key[] = {
		"public", "sort", "partition", "primary", "foreign", "cache", "idempotency",
		"lookup", "group", "host", "map", "dedup", "dedupe", "routing", "object", "s3",
		"bucket", "storage", "id", NULL,
	};
	/* A leading verb or flag word names a switch, not a credential
	 * ("useToken", "requirePassword"). */
	static const char *const flag_first[] = {
		"use", "enable", "enabled", "disable", "disabled", "has", "is", "require", "requires",
		"allow", "skip", "with", "no", "should", "rotate", NULL,
	};
	char words[16][32];
	size_t n = 0, len = 0;

	if (!name)
		return false;
	/* Split camelCase, snake_case, kebab-case and dotted names into
	 * lowercase words ("sshPrivateKey" -> ssh private key). */
	for (const char *p = name; *p && n < 16; p++) {
		unsigned char c = (unsigned char)*p;
		bool boundary = !isalnum(c) ||
				(p > name && isupper(c) &&
				 (islower((unsigned char)p[-1]) || isdigit((unsigned char)p[-1]) ||
				  (isupper((unsigned char)p[-1]) && islower((unsigned char)p[1]))));

		if (boundary && len) {
			words[n++][len] = '\0';
			len = 0;
		}
		if (!isalnum(c) || n >= 16)
			continue;
		if (len < sizeof words[0] - 1)
			words[n][len++] = (char)tolower(c);
	}
	if (len && n < 16)
		words[n++][len] = '\0';
	if (!n || (n >= 2 && lint_word_in(words[0], flag_first)))
		return false;
	for (size_t i = 0; i < n; i++) {
		/* "password"/"passphrase" anywhere: passwordHash, dbPasswordValue. */
		if (!strcmp(words[i], "password") || !strcmp(words[i], "passphrase"))
			return true;
		/* "private key" anywhere: privateKeyPem. */
		if (!strcmp(words[i], "private") && i + 1 < n && !strcmp(words[i + 1], "key"))
			return true;
	}
	if (!lint_word_in(words[n - 1], last_words))
		return false;
	if (!strcmp(words[n - 1], "key") && n >= 2 &&
	    lint_word_in(words[n - 2], not_credential_before_key))
		return false;
	return true;
}

bool schema_is_manifest(const cJSON *doc)
{
	return cJSON_IsObject(doc) && cJSON_GetObjectItemCaseSensitive(doc, "environmentDrivers");
}

/* ------------------------------------------------------------ merged view */

/* The nodes that apply to a property's value, through $ref and the
 * combiners (only on a clean document, where following them is safe). */
typedef struct LintSet {
	const cJSON *items[SCHEMA_MAX_MERGE];
	size_t count;
} LintSet;

static void lint_collect(LintCtx *l, LintSet *set, const cJSON *node, bool branches);

typedef struct LintCollect {
	LintCtx *l;
	LintSet *set;
	bool branches;
} LintCollect;

/* Through schema_each_inplace: $ref and allOf always; with branches, every
 * other in-place schema too (anyOf/oneOf, not, if/then/else,
 * dependentSchemas), as secret discovery counts them. */
static bool lint_collect_visit(void *arg, const cJSON *sub, const SchemaSub *how)
{
	LintCollect *c = arg;

	if (c->branches || how->kind == SCHEMA_APPLY_REF || how->kind == SCHEMA_APPLY_DYNREF ||
	    how->kind == SCHEMA_APPLY_ALL)
		lint_collect(c->l, c->set, sub, c->branches);
	return true;
}

static void lint_collect(LintCtx *l, LintSet *set, const cJSON *node, bool branches)
{
	LintCollect c = { l, set, branches };

	if (!cJSON_IsObject(node) || set->count >= SCHEMA_MAX_MERGE)
		return;
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i] == node)
			return;
	set->items[set->count++] = node;
	if (!l->sctx.clean)
		return;
	schema_each_inplace(&l->sctx, node, lint_collect_visit, &c);
}

static const cJSON *lint_set_first(const LintSet *set, const char *kw)
{
	for (size_t i = 0; i < set->count; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->items[i], kw);

		if (v)
			return v;
	}
	return NULL;
}

static bool lint_set_format(const LintSet *set, const char *format)
{
	for (size_t i = 0; i < set->count; i++) {
		const char *f = schema_node_format(set->items[i]);

		if (f && strcmp(f, format) == 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ keywords */

static const char *const lint_known[] = {
	"$schema", "$id", "id", "$comment", "title", "description", "default", "examples",
	"type", "enum", "const", "properties", "required", "additionalProperties", "items",
	"minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum",
	"maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "readOnly", "writeOnly",
	"deprecated", "allOf", "anyOf", "oneOf", "$ref", "definitions", "$defs",
	/* Validated, and reported at the value's pointer, so a form shows them. */
	"not", "uniqueItems", "contains", "minContains", "maxContains", "minProperties",
	"maxProperties", "dependentRequired", "propertyNames", "unevaluatedProperties",
	"unevaluatedItems", "$anchor", "$dynamicAnchor", "$dynamicRef", "$vocabulary",
	"contentEncoding", "contentMediaType", "contentSchema",
	/* Validated, and laid out by the form (#13). */
	"if", "then", "else", "patternProperties", "prefixItems", NULL,
};

/* Validated, but the form cannot lay them out well: their fields show
 * whatever the value (the value is still checked when saving). The form
 * renders if/then/else, patternProperties, prefixItems and tuple items,
 * uniqueItems, dependentRequired and not (schema_form_load). */
static const char *const lint_form_blind[] = {
	"additionalItems", "dependentSchemas", "dependencies", NULL,
};

/* dependencies whose members are all lists is dependentRequired, which
 * the form renders. */
static bool lint_dependencies_required_only(const cJSON *kw)
{
	const cJSON *m;

	if (strcmp(kw->string, "dependencies") != 0 || !cJSON_IsObject(kw))
		return false;
	cJSON_ArrayForEach(m, kw)
		if (!cJSON_IsArray(m))
			return false;
	return true;
}

static bool lint_count_kw(LintCtx *l, const cJSON *node, const char *ptr, const char *kw,
			  double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);
	char *p;
	bool ok;

	if (!v)
		return false;
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0 &&
	    v->valuedouble == floor(v->valuedouble)) {
		*out = v->valuedouble;
		return true;
	}
	p = jsonptr_append(ptr, kw);
	ok = p && LINT_ADD(l, LINT_ERROR, p, "%s must be a whole number of 0 or more", kw);
	if (!p)
		lint_nomem(l);
	free(p);
	(void)ok;
	return false;
}

static bool lint_number_kw(LintCtx *l, const cJSON *node, const char *ptr, const char *kw,
			   bool bool_ok, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);
	char *p;

	if (!v || (bool_ok && cJSON_IsBool(v)))
		return false;
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
		*out = v->valuedouble;
		return true;
	}
	p = jsonptr_append(ptr, kw);
	if (!p)
		return lint_nomem(l);
	LINT_ADD(l, LINT_ERROR, p, "%s must be a number", kw);
	free(p);
	return false;
}

static void lint_at(LintCtx *l, LintLevel level, const char *ptr, const char *kw, const char *msg)
{
	char *p = kw ? jsonptr_append(ptr, kw) : NULL;

	if (kw && !p) {
		lint_nomem(l);
		return;
	}
	LINT_ADD(l, level, p ? p : ptr, "%s", msg);
	free(p);
}

static void lint_type(LintCtx *l, const cJSON *node, const char *ptr)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type"), *m;
	char msg[300];

	if (!type)
		return;
	if (cJSON_IsString(type) || cJSON_IsArray(type)) {
		bool any = false;

		for (m = cJSON_IsString(type) ? type : type->child; m;
		     m = cJSON_IsString(type) ? NULL : m->next) {
			bool known = false;

			if (cJSON_IsString(m))
				schema_type_from_name(m->valuestring, &known);
			if (!known) {
				snprintf(msg, sizeof msg,
					 "unknown type %.60s%s%s: use string, number, integer, boolean, "
					 "object, array or null", cJSON_IsString(m) ? "\"" : "",
					 cJSON_IsString(m) ? m->valuestring : "(not a string)",
					 cJSON_IsString(m) ? "\"" : "");
				lint_at(l, LINT_ERROR, ptr, "type", msg);
			}
			any = true;
		}
		if (!any)
			lint_at(l, LINT_ERROR, ptr, "type", "type must not be an empty list");
		return;
	}
	lint_at(l, LINT_ERROR, ptr, "type", "type must be a type name or a list of them");
}

/* Does a property of this name exist for the object node describes? */
static bool lint_property_exists(LintCtx *l, const cJSON *node, const char *name, bool *is_map)
{
	LintSet *set = malloc(sizeof *set);
	bool found = false;

	*is_map = false;
	if (!set) {
		lint_nomem(l);
		return true;
	}
	set->count = 0;
	lint_collect(l, set, node, true);
	for (size_t i = 0; i < set->count && !found; i++) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(set->items[i], "properties");
		const cJSON *extra = cJSON_GetObjectItemCaseSensitive(set->items[i], "additionalProperties");

		found = cJSON_IsObject(props) && cJSON_GetObjectItemCaseSensitive(props, name);
		*is_map |= cJSON_IsObject(extra);
	}
	free(set);
	return found;
}

/* Does a schema that encloses this branch (or one of its other branches)
 * declare the property, or accept any name through additionalProperties? */
static bool lint_owner_defines(LintCtx *l, const char *name)
{
	for (size_t i = l->owner_count; i-- > 0;) {
		bool is_map;

		if (lint_property_exists(l, l->owners[i], name, &is_map) || is_map)
			return true;
	}
	return false;
}

static void lint_required(LintCtx *l, const cJSON *node, const char *ptr)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(node, "required"), *m;
	size_t i = 0;

	if (!req)
		return;
	if (!cJSON_IsArray(req)) {
		lint_at(l, LINT_ERROR, ptr, "required", "required must be a list of property names");
		return;
	}
	cJSON_ArrayForEach(m, req) {
		char idx[32], *rp = jsonptr_append(ptr, "required"), *ip;
		bool is_map;

		snprintf(idx, sizeof idx, "%zu", i++);
		ip = rp ? jsonptr_append(rp, idx) : NULL;
		free(rp);
		if (!ip) {
			lint_nomem(l);
			return;
		}
		if (!cJSON_IsString(m))
			LINT_ADD(l, LINT_ERROR, ip, "required must list property names (strings)");
		else if (!lint_property_exists(l, node, m->valuestring, &is_map) && !is_map &&
			 !lint_owner_defines(l, m->valuestring))
			LINT_ADD(l, LINT_ERROR, ip,
				 "\"%.100s\" is required but no property of that name is defined; "
				 "add it to properties or remove it from required", m->valuestring);
		free(ip);
	}
}

static void lint_default(LintCtx *l, const cJSON *node, const char *ptr, bool secret)
{
	const cJSON *dflt = cJSON_GetObjectItemCaseSensitive(node, "default");
	SchemaIssues issues = { NULL, 0, 0 };
	Buf why = BUF_INIT, shown = BUF_INIT;
	Error verr;
	Status st;
	char *dp;

	/* Only on a document whose references can be followed safely. */
	if (!dflt || !l->sctx.clean)
		return;
	dp = jsonptr_append(ptr, "default");
	if (!dp) {
		lint_nomem(l);
		return;
	}
	error_clear(&verr);
	st = schema_validate_ctx(&l->sctx, node, dflt, "", &issues, &verr);
	if (st == ST_E_NOMEM) {
		lint_nomem(l);
	} else if (st != ST_OK) {
		LINT_ADD(l, LINT_ERROR, dp, "%s", error_text(&verr));
	} else if (issues.count) {
		/* "must be at most 65535", or "/port: ..." inside an object default. */
		bool ok = buf_puts(&why, "") && schema_render_value(&shown, dflt);

		for (size_t i = 0; ok && i < issues.count; i++)
			ok = buf_printf(&why, "%s%s%s%s", i ? "; " : "", issues.items[i].pointer,
					issues.items[i].pointer[0] ? ": " : "", issues.items[i].message);
		if (!ok)
			lint_nomem(l);
		else if (secret)
			LINT_ADD(l, LINT_ERROR, dp, "the default does not fit the field's own schema: %s",
				 why.data);
		else
			LINT_ADD(l, LINT_ERROR, dp,
				 "the default %.60s%s does not fit the field's own schema: %s",
				 shown.data, shown.len > 60 ? "..." : "", why.data);
	}
	buf_clear(&why);
	buf_clear(&shown);
	free(dp);
	schema_issues_clear(&issues);
}

/* Per-property warnings, on the merged view of the property. */
static void lint_property(LintCtx *l, const char *key, const cJSON *prop, const char *ptr)
{
	LintSet *set;
	const cJSON *title, *desc, *type;
	bool secret;
	SchemaType t = SCHEMA_ANY;

	if (!cJSON_IsObject(prop))
		return;
	set = malloc(sizeof *set);
	if (!set) {
		lint_nomem(l);
		return;
	}
	set->count = 0;
	lint_collect(l, set, prop, true);
	title = lint_set_first(set, "title");
	desc = lint_set_first(set, "description");
	secret = lint_set_format(set, "secret-ref");
	for (size_t i = 0; i < set->count && t == SCHEMA_ANY; i++) {
		type = cJSON_GetObjectItemCaseSensitive(set->items[i], "type");
		if (type)
			t = schema_node_type(set->items[i], NULL);
	}
	/* A branch that only narrows a property the enclosing schema declares
	 * (inCluster: {const: true}) is described there. */
	if ((!cJSON_IsString(desc) || !desc->valuestring[0]) && !lint_owner_defines(l, key)) {
		char *tc = schema_title_case(key);

		if (!tc)
			lint_nomem(l);
		else if (!cJSON_IsString(title))
			LINT_ADD(l, LINT_WARNING, ptr,
				 "no title or description: the form shows \"%.80s\" with no help; add "
				 "a description saying what to enter", tc);
		else
			LINT_ADD(l, LINT_WARNING, ptr,
				 "no description: add one saying what to enter and where to find it");
		free(tc);
	}
	if (!secret && schema_name_looks_secret(key) && (t == SCHEMA_STRING || t == SCHEMA_ANY))
		LINT_ADD(l, LINT_WARNING, ptr,
			 "\"%.80s\" looks like a credential but is not format \"secret-ref\": its "
			 "value would be stored in plain text in the config; add "
			 "\"format\": \"secret-ref\"", key);
	if (secret && lint_set_first(set, "default"))
		LINT_ADD(l, LINT_WARNING, ptr,
			 "a secret field has a default: every environment would store that value as "
			 "its secret; remove the default");
	if (secret && t != SCHEMA_STRING && t != SCHEMA_ANY)
		LINT_ADD(l, LINT_WARNING, ptr,
			 "a \"secret-ref\" field holds a secret id, so its type should be \"string\"");
	free(set);
}

static void lint_node(LintCtx *l, const cJSON *node, const char *ptr, size_t depth);

static void lint_sub_of(LintCtx *l, const cJSON *parent, const cJSON *sub, const char *ptr,
			const char *kw, const char *token, size_t depth)
{
	char *a = jsonptr_append(ptr, kw);
	char *b = a && token ? jsonptr_append(a, token) : NULL;

	if (!a || (token && !b)) {
		lint_nomem(l);
	} else if (!cJSON_IsObject(sub) && !cJSON_IsBool(sub)) {
		LINT_ADD(l, LINT_ERROR, b ? b : a, "must be a schema (an object, or true/false)");
	} else if (cJSON_IsObject(sub)) {
		size_t owners = l->owner_count;
		bool branch = strcmp(kw, "allOf") == 0 || strcmp(kw, "anyOf") == 0 ||
			      strcmp(kw, "oneOf") == 0;

		/* A branch describes the same instance as its parent; any other
		 * subschema (a property, an item, a definition) a new one. */
		if (!branch)
			l->owner_count = 0;
		else if (parent && l->owner_count < sizeof l->owners / sizeof l->owners[0])
			l->owners[l->owner_count++] = parent;
		lint_node(l, sub, b ? b : a, depth + 1);
		l->owner_count = owners;
	}
	free(a);
	free(b);
}

static void lint_sub(LintCtx *l, const cJSON *sub, const char *ptr, const char *kw,
		     const char *token, size_t depth)
{
	lint_sub_of(l, NULL, sub, ptr, kw, token, depth);
}

static void lint_node(LintCtx *l, const cJSON *node, const char *ptr, size_t depth)
{
	const cJSON *kw, *m;
	double a, b;
	const char *format;

	if (l->st != ST_OK)
		return;
	if (depth > LINT_MAX_DEPTH) {
		LINT_ADD(l, LINT_ERROR, ptr, "the schema nests more than %d levels deep", LINT_MAX_DEPTH);
		return;
	}
	for (kw = node->child; kw; kw = kw->next) {
		bool blind = lint_word_in(kw->string, lint_form_blind) &&
			     !lint_dependencies_required_only(kw);

		if (blind || (!lint_word_in(kw->string, lint_known) &&
			      !lint_dependencies_required_only(kw) && strncmp(kw->string, "x-", 2) != 0)) {
			char *p = jsonptr_append(ptr, kw->string);

			if (!p) {
				lint_nomem(l);
				return;
			}
			if (blind)
				LINT_ADD(l, LINT_WARNING, p,
					 "\"%.60s\" is validated, but the form shows the fields it adds "
					 "whatever the value; they are checked when saving", kw->string);
			else
				LINT_ADD(l, LINT_WARNING, p,
					 "\"%.60s\" is not a keyword envctl supports; it is ignored",
					 kw->string);
			free(p);
		}
	}
	lint_type(l, node, ptr);
	kw = cJSON_GetObjectItemCaseSensitive(node, "enum");
	if (kw && (!cJSON_IsArray(kw) || !kw->child))
		lint_at(l, LINT_ERROR, ptr, "enum", "enum must be a non-empty list of allowed values");
	static const char *const strs[] = { "title", "description", "pattern", "format", "$ref" };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		kw = cJSON_GetObjectItemCaseSensitive(node, strs[i]);
		if (kw && !cJSON_IsString(kw) && strcmp(strs[i], "$ref") != 0) {
			char msg[64];

			snprintf(msg, sizeof msg, "%s must be a string", strs[i]);
			lint_at(l, LINT_ERROR, ptr, strs[i], msg);
		}
	}
	kw = cJSON_GetObjectItemCaseSensitive(node, "readOnly");
	if (kw && !cJSON_IsBool(kw))
		lint_at(l, LINT_ERROR, ptr, "readOnly", "readOnly must be true or false");
	format = schema_node_format(node);
	if (format && (!strcasecmp(format, "secret") || !strcasecmp(format, "secretref") ||
		       !strcasecmp(format, "secret_ref") || !strcasecmp(format, "password") ||
		       !strcmp(format, "secretRef")))
		lint_at(l, LINT_WARNING, ptr, "format",
			"did you mean format \"secret-ref\"? With this format the value is stored "
			"in plain text");
	/* Bounds: well-formed, and satisfiable together. */
	{
		bool has_a = lint_count_kw(l, node, ptr, "minLength", &a);
		bool has_b = lint_count_kw(l, node, ptr, "maxLength", &b);

		if (has_a && has_b && a > b)
			LINT_ADD(l, LINT_ERROR, ptr, "minLength %.0f is greater than maxLength %.0f: no "
				 "value can satisfy both", a, b);
		has_a = lint_count_kw(l, node, ptr, "minItems", &a);
		has_b = lint_count_kw(l, node, ptr, "maxItems", &b);
		if (has_a && has_b && a > b)
			LINT_ADD(l, LINT_ERROR, ptr, "minItems %.0f is greater than maxItems %.0f: no "
				 "value can satisfy both", a, b);
		has_a = lint_number_kw(l, node, ptr, "minimum", false, &a);
		has_b = lint_number_kw(l, node, ptr, "maximum", false, &b);
		if (has_a && has_b && a > b) {
			char x[64], y[64];

			schema_format_number(a, x, sizeof x);
			schema_format_number(b, y, sizeof y);
			LINT_ADD(l, LINT_ERROR, ptr, "minimum %s is greater than maximum %s: no value can "
				 "satisfy both", x, y);
		}
		lint_number_kw(l, node, ptr, "exclusiveMinimum", true, &a);
		lint_number_kw(l, node, ptr, "exclusiveMaximum", true, &a);
		if (lint_number_kw(l, node, ptr, "multipleOf", false, &a) && a <= 0)
			lint_at(l, LINT_ERROR, ptr, "multipleOf", "multipleOf must be greater than 0");
	}
	lint_required(l, node, ptr);
	if (cJSON_GetObjectItemCaseSensitive(node, "default")) {
		LintSet *set = malloc(sizeof *set);

		/* A secret's default is not repeated in the finding. */
		if (!set) {
			lint_nomem(l);
			return;
		}
		set->count = 0;
		lint_collect(l, set, node, true);
		lint_default(l, node, ptr, lint_set_format(set, "secret-ref"));
		free(set);
	}
	/* Subschemas. */
	kw = cJSON_GetObjectItemCaseSensitive(node, "properties");
	if (kw && !cJSON_IsObject(kw)) {
		lint_at(l, LINT_ERROR, ptr, "properties",
			"properties must be an object mapping names to schemas");
	} else {
		cJSON_ArrayForEach(m, kw) {
			char *pp = jsonptr_append(ptr, "properties");
			char *fp = pp ? jsonptr_append(pp, m->string) : NULL;

			if (!fp)
				lint_nomem(l);
			else
				lint_property(l, m->string, m, fp);
			free(pp);
			free(fp);
			lint_sub(l, m, ptr, "properties", m->string, depth);
		}
	}
	kw = cJSON_GetObjectItemCaseSensitive(node, "additionalProperties");
	if (kw)
		lint_sub(l, kw, ptr, "additionalProperties", NULL, depth);
	kw = cJSON_GetObjectItemCaseSensitive(node, "items");
	if (cJSON_IsArray(kw)) {
		size_t idx = 0;

		/* The draft-07 tuple: the form shows it as prefixItems. */
		cJSON_ArrayForEach(m, kw) {
			char tok[32];

			snprintf(tok, sizeof tok, "%zu", idx++);
			lint_sub(l, m, ptr, "items", tok, depth);
		}
	} else if (kw) {
		lint_sub(l, kw, ptr, "items", NULL, depth);
	}
	{
		static const char *const singles[] = { "not", "if", "then", "else", "contains",
						       "propertyNames", "additionalItems",
						       "unevaluatedItems", "unevaluatedProperties" };
		static const char *const maps[] = { "patternProperties", "dependentSchemas" };

		for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
			kw = cJSON_GetObjectItemCaseSensitive(node, singles[i]);
			if (kw)
				lint_sub(l, kw, ptr, singles[i], NULL, depth);
		}
		for (size_t i = 0; i < 2; i++) {
			kw = cJSON_GetObjectItemCaseSensitive(node, maps[i]);
			if (kw && !cJSON_IsObject(kw)) {
				lint_at(l, LINT_ERROR, ptr, maps[i], "must be an object mapping names to schemas");
				continue;
			}
			cJSON_ArrayForEach(m, kw) {
				lint_sub(l, m, ptr, maps[i], m->string, depth);
			}
		}
		kw = cJSON_GetObjectItemCaseSensitive(node, "prefixItems");
		if (kw) {
			size_t idx = 0;

			cJSON_ArrayForEach(m, schema_json_array(kw)) {
				char tok[32];

				snprintf(tok, sizeof tok, "%zu", idx++);
				lint_sub(l, m, ptr, "prefixItems", tok, depth);
			}
		}
	}
	for (size_t i = 0; i < SCHEMA_COMBINERS; i++) {
		const char *const *lists = schema_combiners;
		size_t idx = 0;

		kw = cJSON_GetObjectItemCaseSensitive(node, lists[i]);
		if (!kw)
			continue;
		if (!cJSON_IsArray(kw) || !kw->child) {
			char msg[80];

			snprintf(msg, sizeof msg, "%s must be a non-empty list of schemas", lists[i]);
			lint_at(l, LINT_ERROR, ptr, lists[i], msg);
			continue;
		}
		cJSON_ArrayForEach(m, kw) {
			char tok[32];

			snprintf(tok, sizeof tok, "%zu", idx++);
			lint_sub_of(l, node, m, ptr, lists[i], tok, depth);
		}
	}
	static const char *const defs[] = { "definitions", "$defs" };
	for (size_t i = 0; i < 2; i++) {
		kw = cJSON_GetObjectItemCaseSensitive(node, defs[i]);
		if (!kw)
			continue;
		if (!cJSON_IsObject(kw)) {
			lint_at(l, LINT_ERROR, ptr, defs[i], "must be an object mapping names to schemas");
			continue;
		}
		cJSON_ArrayForEach(m, kw) {
			lint_sub(l, m, ptr, defs[i], m->string, depth);
		}
	}
}

static Status lint_document(const cJSON *schema, const char *prefix, LintReport *r, Error *err)
{
	LintCtx l = { .r = r, .prefix = prefix, .err = err, .st = ST_OK };
	Status st = schema_ctx_init(&l.sctx, schema, r, prefix, err);

	if (st != ST_OK)
		return st;
	if (cJSON_IsObject(schema))
		lint_node(&l, schema, "", 0);
	schema_ctx_clear(&l.sctx);
	return l.st;
}

Status schema_lint(const cJSON *schema, LintReport *out, Error *err)
{
	Status st;

	memset(out, 0, sizeof *out);
	st = lint_document(schema, "", out, err);
	if (st != ST_OK)
		lint_report_clear(out);
	return st;
}

/* ------------------------------------------------------------ manifest */

static bool lint_driver_key_valid(const char *k)
{
	if (!k || !((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

static Status lint_driver(const cJSON *drv, const char *ptr, const cJSON *drivers, size_t index,
			  LintReport *r, Error *err)
{
	LintCtx l = { .r = r, .prefix = "", .err = err, .st = ST_OK };
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(drv, "driverKey");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(drv, "kind");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(drv, "configSchema");
	const cJSON *v;
	char *sp;
	Status st;

	if (!cJSON_IsObject(drv)) {
		LINT_ADD(&l, LINT_ERROR, ptr, "each environment driver must be an object");
		return l.st;
	}
	if (!cJSON_IsString(key)) {
		lint_at(&l, LINT_ERROR, ptr, "driverKey",
			"driverKey is missing: give the driver a key such as \"e2b\"");
	} else if (!lint_driver_key_valid(key->valuestring)) {
		char msg[400];

		snprintf(msg, sizeof msg,
			 "driverKey \"%.100s\" is invalid: use lowercase letters, digits, \".\", \"_\" "
			 "and \"-\", starting with a letter or digit (^[a-z0-9][a-z0-9._-]*$)",
			 key->valuestring);
		lint_at(&l, LINT_ERROR, ptr, "driverKey", msg);
	} else {
		size_t i = 0;

		cJSON_ArrayForEach(v, drivers) {
			const cJSON *other;

			if (i == index)
				break;
			other = cJSON_GetObjectItemCaseSensitive(v, "driverKey");
			if (cJSON_IsString(other) && strcmp(other->valuestring, key->valuestring) == 0) {
				char msg[400];

				snprintf(msg, sizeof msg,
					 "duplicate driverKey \"%.100s\" (also /environmentDrivers/%zu): "
					 "driver keys must be unique", key->valuestring, i);
				lint_at(&l, LINT_ERROR, ptr, "driverKey", msg);
				break;
			}
			i++;
		}
	}
	if (!kind)
		lint_at(&l, LINT_ERROR, ptr, "kind", "kind is missing: set \"kind\": \"sandbox_provider\"");
	else if (!cJSON_IsString(kind))
		lint_at(&l, LINT_ERROR, ptr, "kind", "kind must be the string \"sandbox_provider\"");
	else if (strcmp(kind->valuestring, "sandbox_provider") != 0)
		lint_at(&l, LINT_WARNING, ptr, "kind",
			"kind is not \"sandbox_provider\": envctl ignores this driver");
	v = cJSON_GetObjectItemCaseSensitive(drv, "displayName");
	if (!v)
		lint_at(&l, LINT_WARNING, ptr, "displayName",
			"no displayName: the console will show the driverKey instead");
	else if (!cJSON_IsString(v))
		lint_at(&l, LINT_ERROR, ptr, "displayName", "displayName must be a string");
	v = cJSON_GetObjectItemCaseSensitive(drv, "description");
	if (!v)
		lint_at(&l, LINT_WARNING, ptr, "description",
			"no description: operators picking a provider see nothing about it");
	else if (!cJSON_IsString(v))
		lint_at(&l, LINT_ERROR, ptr, "description", "description must be a string");
	if (l.st != ST_OK)
		return l.st;
	if (!schema) {
		lint_at(&l, LINT_ERROR, ptr, "configSchema",
			"configSchema is missing: every driver needs the JSON Schema of its config");
		return l.st;
	}
	sp = jsonptr_append(ptr, "configSchema");
	if (!sp)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st = lint_document(schema, sp, r, err);
	free(sp);
	return st;
}

Status schema_lint_manifest(const cJSON *manifest, LintReport *out, Error *err)
{
	LintCtx l = { .r = out, .prefix = "", .err = err, .st = ST_OK };
	const cJSON *drivers, *d, *worker;
	size_t i = 0;
	Status st = ST_OK;

	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(manifest)) {
		LINT_ADD(&l, LINT_ERROR, "", "a plugin manifest must be a JSON object");
		return l.st;
	}
	worker = cJSON_GetObjectItemCaseSensitive(manifest, "worker");
	if (worker) {
		bool ok = cJSON_IsArray(worker) && worker->child;

		cJSON_ArrayForEach(d, schema_json_array(worker)) {
			ok &= cJSON_IsString(d) && d->valuestring[0];
		}
		if (!ok)
			LINT_ADD(&l, LINT_ERROR, "/worker",
				 "worker must be a non-empty list of strings: the program and its "
				 "arguments");
	}
	drivers = cJSON_GetObjectItemCaseSensitive(manifest, "environmentDrivers");
	if (!drivers) {
		LINT_ADD(&l, LINT_ERROR, "/environmentDrivers",
			 "a manifest needs an \"environmentDrivers\" list");
	} else if (!cJSON_IsArray(drivers)) {
		LINT_ADD(&l, LINT_ERROR, "/environmentDrivers",
			 "environmentDrivers must be a list of drivers");
	} else if (!drivers->child) {
		LINT_ADD(&l, LINT_WARNING, "/environmentDrivers",
			 "the manifest declares no environment drivers: it provides nothing");
	} else {
		cJSON_ArrayForEach(d, drivers) {
			char ptr[64];

			snprintf(ptr, sizeof ptr, "/environmentDrivers/%zu", i);
			st = lint_driver(d, ptr, drivers, i, out, err);
			if (st != ST_OK)
				break;
			i++;
		}
	}
	if (st == ST_OK)
		st = l.st;
	if (st != ST_OK)
		lint_report_clear(out);
	return st;
}
