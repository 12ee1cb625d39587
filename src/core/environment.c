#include "core/environment.h"
#include "core/lease.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/env_plugin.h"
#include "core/private.h"
#include "schema/lib.h"
#include "util/lib.h"

/* ------------------------------------------------------------ small helpers */

void env_save_report_clear(EnvSaveReport *r)
{
	if (!r)
		return;
	cJSON_Delete(r->warnings);
	memset(r, 0, sizeof *r);
}

void env_config_wipe(cJSON *config)
{
	json_wipe(config);
}

/* The schema describes the provider's own fields; "provider" is the host's
 * key in every stored config, so it is set aside while the schema looks,
 * unless the schema declares it itself. */
static cJSON *env_detach_provider(const cJSON *schema, cJSON *config)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");

	if (cJSON_GetObjectItemCaseSensitive(props, "provider"))
		return NULL;
	return cJSON_DetachItemFromObjectCaseSensitive(config, "provider");
}

/* Back in first place, where people expect to read it. */
static void env_reattach_provider(cJSON *config, cJSON *provider)
{
	if (provider && !cJSON_InsertItemInArray(config, 0, provider))
		cJSON_AddItemToObject(config, "provider", provider);
}

/* 1 when the provider's schema has no secret field at all (memoized). */
static bool env_schema_secret_free(const Provider *p)
{
	Provider *mp = (Provider *)p; /* the memo only */
	int known = mp->secret_free;

	if (known == 0) {
		char **patterns = NULL;
		Error ignored;

		error_clear(&ignored);
		known = schema_secret_patterns(p->config_schema, &patterns, &ignored) == ST_OK &&
				patterns && !patterns[0]
			? 1
			: -1;
		schema_paths_free(patterns);
		mp->secret_free = known;
	}
	return known == 1;
}

static Status env_secret_paths_of(const Provider *p, cJSON *config, char ***out, Error *err)
{
	cJSON *prov;
	Status st;

	if (env_schema_secret_free(p)) {
		*out = calloc(1, sizeof **out);
		return *out ? ST_OK : error_set(err, ST_E_NOMEM, "out of memory");
	}
	prov = env_detach_provider(p->config_schema, config);
	st = schema_secret_paths(p->config_schema, config, out, err);

	env_reattach_provider(config, prov);
	if (st != ST_OK)
		error_prefix(err, "provider %s's configSchema: ", p->key);
	return st;
}

Status env_secret_paths(App *app, const char *provider_key, const cJSON *config, char ***out,
			Error *err)
{
	Provider *p;
	cJSON *copy;
	Status st;

	*out = NULL;
	if (registry_require(&app->registry, provider_key, &p, err) != ST_OK)
		return err->status;
	/* No secret field anywhere: no copy to walk (once per environment
	 * of an `env probe --all`). */
	if (env_schema_secret_free(p))
		return env_secret_paths_of(p, NULL, out, err);
	copy = cJSON_Duplicate(config, 1);
	if (!copy)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st = env_secret_paths_of(p, copy, out, err);
	json_wipe(copy);
	return st;
}

static bool env_paths_has(char **paths, const char *path)
{
	for (size_t i = 0; paths && paths[i]; i++)
		if (strcmp(paths[i], path) == 0)
			return true;
	return false;
}

/* Lower-case letters, digits and single dashes, at most max chars. */
static void env_slug(const char *in, char *out, size_t max)
{
	size_t n = 0;
	bool dash = false;

	for (const unsigned char *c = (const unsigned char *)in; *c && n + 1 < max; c++) {
		if (isalnum(*c)) {
			if (dash && n > 0)
				out[n++] = '-';
			if (n + 1 < max)
				out[n++] = (char)tolower(*c);
			dash = false;
		} else {
			dash = true;
		}
	}
	out[n] = '\0';
	if (!n)
		snprintf(out, max, "x");
}

/* environment-<provider>-<env-slug>-<field>-<8 hex> */
static void env_secret_name(const char *provider, const char *env_name, const char *path,
			    char *out, size_t n)
{
	char p[40], e[40], f[48];

	env_slug(provider, p, sizeof p);
	env_slug(env_name, e, sizeof e);
	env_slug(path, f, sizeof f);
	snprintf(out, n, "environment-%s-%s-%s-%08x", p, e, f, randombytes_random());
}

static bool env_field_add(cJSON *fields, const char *name)
{
	const cJSON *f;
	cJSON *s;

	cJSON_ArrayForEach(f, fields)
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return true;
	s = cJSON_CreateString(name);
	return s && cJSON_AddItemToArray(fields, s);
}

/* Changed field names: leaves of the config that differ, as
 * "config/<pointer>"; arrays and scalars compare as a whole, an object
 * that appears or goes counts by its leaves. */
static bool env_diff(const cJSON *a, const cJSON *b, const char *ptr, cJSON *out)
{
	if ((cJSON_IsObject(a) || !a) && (cJSON_IsObject(b) || !b) && (a || b)) {
		const cJSON *item;

		cJSON_ArrayForEach(item, a) {
			char *sub = jsonptr_append(ptr, item->string);
			bool ok = sub && env_diff(item, cJSON_GetObjectItemCaseSensitive(b, item->string),
						  sub, out);

			free(sub);
			if (!ok)
				return false;
		}
		cJSON_ArrayForEach(item, b) {
			char *sub;
			bool ok;

			if (cJSON_GetObjectItemCaseSensitive(a, item->string))
				continue;
			sub = jsonptr_append(ptr, item->string);
			ok = sub && env_diff(NULL, item, sub, out);
			free(sub);
			if (!ok)
				return false;
		}
		return true;
	}
	if (json_equal(a, b))
		return true;
	{
		Buf name = BUF_INIT;
		bool ok;

		if (!buf_printf(&name, "config%s", ptr)) {
			buf_clear(&name);
			return false;
		}
		ok = env_field_add(out, name.data);
		buf_clear(&name);
		return ok;
	}
}

/* Writes an activity row whose changed fields come from a cJSON array. */
static Status env_activity(Store *s, App *app, const char *action, const char *type,
			   const char *id, const char *name, const cJSON *fields, Error *err)
{
	size_t n = (size_t)cJSON_GetArraySize(fields);
	const char **list = calloc(n + 1, sizeof *list);
	StoreActivityNew a = { .actor = app_actor(app), .action = action, .entity_type = type,
			       .entity_id = id, .entity_name = name };
	const cJSON *f;
	size_t i = 0;
	Status st;

	if (!list)
		return error_set(err, ST_E_NOMEM, "out of memory");
	cJSON_ArrayForEach(f, fields)
		if (cJSON_IsString(f))
			list[i++] = f->valuestring;
	a.changed_fields = list;
	st = store_activity_add(s, &a, err);
	free(list);
	return st;
}

static Status env_secret_activity(Store *s, App *app, const char *action, const char *secret_id,
				  const char *env_name, const char *path, Error *err)
{
	StoreSecret sec;
	const char *fields[3] = { NULL, NULL, NULL };
	char bound[512];
	StoreActivityNew a = { .actor = app_actor(app), .action = action, .entity_type = "secret",
			       .entity_id = secret_id };
	Status st;

	if (store_secret_get(s, secret_id, &sec, err) != ST_OK)
		return err->status;
	a.entity_name = sec.name;
	if (strcmp(action, "secret.deleted") != 0)
		fields[0] = "value";
	if (path) {
		snprintf(bound, sizeof bound, "binding:%s%s", env_name, path);
		fields[fields[0] ? 1 : 0] = bound;
	}
	a.changed_fields = fields;
	st = store_activity_add(s, &a, err);
	store_secret_clear(&sec);
	return st;
}

/* ------------------------------------------------------------ validation */

static Status env_join_errors(const cJSON *errors, Buf *out)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, errors) {
		if (!cJSON_IsString(e))
			continue;
		if ((out->len && !buf_puts(out, "; ")) || !buf_puts(out, e->valuestring))
			return ST_E_NOMEM;
	}
	return ST_OK;
}

/* ------------------------------------------------------------ operator input and
 * the provider's normalized config (#11, #19)
 *
 * Persisted as Paperclip persists it: an optional field left empty is
 * absent, never "" or null; defaults are not filled in (the form shows
 * them, and they are stored when the operator keeps them or the provider
 * returns them). The operator's input is checked against the schema, every
 * violation at once, before any provider call; the provider's
 * normalizedConfig (null = absent) then replaces it, and each value the
 * operator gave that it changed is reported as a warning. */

/* "Image (/image)": the field's label from the form model, and its pointer
 * so the operator can use it with --set. */
static bool env_put_label(Buf *out, const SchemaField *root, const char *pointer)
{
	const SchemaField *f = root && pointer[0] ? schema_field_find(root, pointer) : NULL;

	if (!pointer[0])
		return buf_puts(out, "config");
	if (f && f->title)
		return buf_printf(out, "%s (%s)", f->title, pointer);
	return buf_puts(out, pointer);
}

/* For an object whose oneOf/anyOf no branch matched: what each
 * alternative asks for (" (choose In Cluster: inCluster = true, or
 * Kubeconfig: kubeconfig)"), so the operator knows what to give. */
static bool env_put_alternatives(Buf *out, const SchemaField *root, const SchemaIssue *issue)
{
	const SchemaField *f = issue->pointer[0] ? schema_field_find(root, issue->pointer) : root;
	bool ok = true;

	if (!f || !f->choice_count || strncmp(issue->message, "must match", 10) != 0)
		return true;
	ok = buf_puts(out, " (choose ");
	for (size_t i = 0; ok && i < f->choice_count; i++) {
		const SchemaChoice *c = &f->choices[i];
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(c->branch, "required"), *m;
		bool first = true;

		ok = (!i || buf_puts(out, i + 1 == f->choice_count ? ", or " : ", ")) &&
		     buf_puts(out, c->label);
		cJSON_ArrayForEach(m, req) {
			const cJSON *set;
			char *v;

			if (!ok || !cJSON_IsString(m))
				continue;
			set = cJSON_GetObjectItemCaseSensitive(c->sets, m->valuestring);
			v = set ? json_print(set) : NULL;
			ok = buf_puts(out, first ? ": " : " + ") && buf_puts(out, m->valuestring) &&
			     (!v || (buf_puts(out, " = ") && buf_puts(out, v)));
			free(v);
			first = false;
		}
	}
	return ok && buf_puts(out, ")");
}

/* "config for provider P is invalid: Image (/image): must be a string; ..." */
static Status env_issues_error(const SchemaField *root, const SchemaIssues *issues,
			       const char *what, const char *provider, Error *err)
{
	Buf msg = BUF_INIT;
	bool ok = true;

	for (size_t i = 0; ok && i < issues->count; i++)
		ok = (!i || buf_puts(&msg, "; ")) &&
		     env_put_label(&msg, root, issues->items[i].pointer) && buf_puts(&msg, ": ") &&
		     buf_puts(&msg, issues->items[i].message) &&
		     env_put_alternatives(&msg, root, &issues->items[i]);
	if (!ok) {
		buf_clear(&msg);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	error_set(err, ST_E_INVALID, "%s for provider %s is invalid: %s", what, provider,
		  msg.data ? msg.data : "see the provider's schema");
	buf_clear(&msg);
	return ST_E_INVALID;
}

Status env_schema_issues_error(const cJSON *schema, const SchemaIssues *issues, const char *what,
			       const char *provider, Error *err)
{
	SchemaField *root = NULL;
	Error ignored;
	Status st;

	error_clear(&ignored);
	/* Without a form model the pointers alone still say where. */
	if (schema_form_load(schema, &root, &ignored) != ST_OK)
		root = NULL;
	st = env_issues_error(root, issues, what, provider, err);
	schema_field_free(root);
	return st;
}

/* Removes what stands for "left empty": null anywhere in an object, and ""
 * for a declared property that is not a map's entry (an env var may be ""
 * on purpose). */
static void env_drop_empty(const SchemaField *f, cJSON *obj)
{
	cJSON *item = obj ? obj->child : NULL;

	if (!cJSON_IsObject(obj))
		return;
	while (item) {
		cJSON *next = item->next;
		const SchemaField *c = NULL;

		for (size_t i = 0; f && item->string && i < f->child_count; i++)
			if (f->children[i]->key && strcmp(f->children[i]->key, item->string) == 0)
				c = f->children[i];
		if (cJSON_IsNull(item) ||
		    (c && cJSON_IsString(item) && !item->valuestring[0] &&
		     (c->type == SCHEMA_STRING || c->type == SCHEMA_ANY))) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, item->string);
		} else if (cJSON_IsObject(item)) {
			env_drop_empty(c ? c : (f ? f->additional : NULL), item);
		}
		item = next;
	}
}

/* The secret id a reference names, for both shapes: ours {"secretRef": ID}
 * (the display shape, whose name/version are informative) and Paperclip's
 * {"type": "secret_ref", "secretId": ID, "version": N|"latest"}. NULL when
 * v is not a reference object. */
static const char *env_ref_id(const cJSON *v, const cJSON **version)
{
	const char *type;

	*version = NULL;
	if (!cJSON_IsObject(v))
		return NULL;
	if (cJSON_GetObjectItemCaseSensitive(v, "secretRef"))
		return json_get_string(v, "secretRef") ? json_get_string(v, "secretRef") : "";
	type = json_get_string(v, "type");
	if (type && strcmp(type, "secret_ref") == 0) {
		*version = cJSON_GetObjectItemCaseSensitive(v, "version");
		return json_get_string(v, "secretId") ? json_get_string(v, "secretId") : "";
	}
	return NULL;
}

/* A reference must name an existing secret: a UUID that names none is an
 * error, not a new secret holding that text. A bare UUID in a secret field
 * might be the secret's value itself, so only an explicit reference object
 * has its id repeated in the message. */
static Status env_check_ref(Store *s, const SchemaField *root, const char *path, const char *id,
			    const cJSON *version, bool explicit_ref, Error *err)
{
	Buf label = BUF_INIT;
	StoreSecret sec;
	Error lookup;
	Status st = ST_OK;

	if (!env_put_label(&label, root, path)) {
		buf_clear(&label);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	error_clear(&lookup);
	if (!id_is_uuid(id)) {
		st = error_set(err, ST_E_INVALID,
			       "%s: a secret reference needs a secret id (a UUID: see `envctl secret "
			       "list`)",
			       label.data);
	} else if (store_secret_get(s, id, &sec, &lookup) != ST_OK) {
		if (lookup.status != ST_E_NOT_FOUND)
			st = error_set(err, lookup.status, "%s: %s", label.data, lookup.msg);
		else if (explicit_ref)
			st = error_set(err, ST_E_INVALID,
				       "%s refers to secret %s, which does not exist; see `envctl "
				       "secret list`, or enter the secret's value instead",
				       label.data, id);
		else
			st = error_set(err, ST_E_INVALID,
				       "%s holds a secret id that names no secret; see `envctl secret "
				       "list`, or, if that text is the secret's value, store it with "
				       "`envctl secret create` and give {\"secretRef\": ID}",
				       label.data);
	} else {
		if (cJSON_IsNumber(version) && (long)version->valuedouble != sec.current_version)
			st = error_set(err, ST_E_INVALID,
				       "%s refers to version %ld of secret %s, which is at version "
				       "%ld; envctl uses a secret's current version: give \"version\": "
				       "\"latest\" or leave version out",
				       label.data, (long)version->valuedouble, sec.name,
				       sec.current_version);
		else if (version && !cJSON_IsNumber(version) && !cJSON_IsNull(version) &&
			 !(cJSON_IsString(version) && strcmp(version->valuestring, "latest") == 0))
			st = error_set(err, ST_E_INVALID,
				       "%s: a secret reference's version is a number or \"latest\"",
				       label.data);
		store_secret_clear(&sec);
	}
	buf_clear(&label);
	return st;
}

/* Secret fields in their stored shape: a reference (either shape) → its
 * id; "" or null → field removed (an empty secret is no secret); a bare
 * secret id must name an existing secret. */
static Status env_normalize_secrets(App *app, const Provider *p, const SchemaField *root,
				    cJSON *config, Error *err)
{
	char **paths = NULL;
	Store *s;
	Status st = ST_OK;

	if (app_store(app, &s, err) != ST_OK ||
	    env_secret_paths_of(p, config, &paths, err) != ST_OK)
		return err->status;
	for (size_t i = 0; st == ST_OK && paths[i]; i++) {
		cJSON *v = jsonptr_get(config, paths[i]);
		const cJSON *version;
		const char *ref;

		if (!v)
			continue;
		if (cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
			jsonptr_remove(config, paths[i]);
			continue;
		}
		if (cJSON_IsString(v) && id_is_uuid(v->valuestring)) {
			st = env_check_ref(s, root, paths[i], v->valuestring, NULL, false, err);
			continue;
		}
		ref = env_ref_id(v, &version);
		if (ref) {
			cJSON *id;

			st = env_check_ref(s, root, paths[i], ref, version, true, err);
			if (st != ST_OK)
				break;
			id = cJSON_CreateString(ref);
			if (!id)
				st = error_set(err, ST_E_NOMEM, "out of memory");
			else
				st = jsonptr_set(config, paths[i], id, err);
		}
	}
	schema_paths_free(paths);
	return st;
}

/* Schema validation of a config (provider key set aside), with labels. */
static Status env_schema_check(Provider *p, const SchemaField *root, cJSON *config,
			       const char *what, Error *err)
{
	SchemaIssues issues = { 0 };
	cJSON *prov = env_detach_provider(p->config_schema, config);
	Status st = provider_schema_validate(p, config, &issues, err);

	env_reattach_provider(config, prov);
	if (st != ST_OK) {
		schema_issues_clear(&issues);
		return error_prefix(err, "provider %s's configSchema: ", p->key);
	}
	if (issues.count > 0)
		st = env_issues_error(root, &issues, what, p->key, err);
	schema_issues_clear(&issues);
	return st;
}

/* Is text one of the secret values the operator typed (or holds one)? A
 * warning about a replaced plain field must not repeat it. */
static bool env_mentions_secret(const cJSON *given, char **secret_paths, const char *text)
{
	for (size_t i = 0; secret_paths && secret_paths[i]; i++) {
		const cJSON *v = jsonptr_get(given, secret_paths[i]);

		if (cJSON_IsString(v) && v->valuestring[0] && strstr(text, v->valuestring))
			return true;
	}
	return false;
}

/* Short printable JSON of a value for a warning: at most 60 characters,
 * anything but printable ASCII as '?' (provider output is hostile). */
static bool env_put_value(Buf *out, const cJSON *v)
{
	char *text = json_print(v);
	size_t n;
	bool ok;

	if (!text)
		return false;
	n = strlen(text);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
			text[i] = '?';
	ok = n > 60 ? buf_append(out, text, 57) && buf_puts(out, "...") : buf_puts(out, text);
	free(text);
	return ok;
}

static bool env_warn(EnvSaveReport *report, const char *text)
{
	cJSON *s;

	if (!report)
		return true;
	if (!report->warnings && !(report->warnings = cJSON_CreateArray()))
		return false;
	s = cJSON_CreateString(text);
	return s && cJSON_AddItemToArray(report->warnings, s);
}

/* One warning per value the operator gave that the normalized config
 * changed or dropped; objects are followed to their leaves. */
static bool env_note_replaced(const SchemaField *root, const cJSON *given, const cJSON *norm,
			      char **secret_paths, const char *provider, const char *ptr,
			      EnvSaveReport *report)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, given) {
		const cJSON *now = cJSON_GetObjectItemCaseSensitive(norm, item->string);
		char *sub;
		Buf w = BUF_INIT;
		bool ok = true;

		if (!ptr[0] && strcmp(item->string, "provider") == 0)
			continue;
		if (json_equal(item, now))
			continue;
		sub = jsonptr_append(ptr, item->string);
		if (!sub)
			return false;
		if (cJSON_IsObject(item) && cJSON_IsObject(now)) {
			ok = env_note_replaced(root, item, now, secret_paths, provider, sub, report);
			free(sub);
			if (!ok)
				return false;
			continue;
		}
		ok = env_put_label(&w, root, sub) && buf_printf(&w, ": provider %s ", provider);
		if (ok && env_paths_has(secret_paths, sub)) {
			ok = buf_puts(&w, now ? "changed the secret value you gave (not shown)"
					      : "dropped the secret value you gave");
		} else if (ok && !now) {
			ok = buf_puts(&w, "dropped the value you gave (") && env_put_value(&w, item) &&
			     buf_puts(&w, ")");
		} else if (ok) {
			char *text = json_print(now);

			ok = text && buf_puts(&w, "replaced the value you gave (") &&
			     env_put_value(&w, item) && buf_puts(&w, ") with ");
			if (ok)
				ok = env_mentions_secret(given, secret_paths, text)
					     ? buf_puts(&w, "another value")
					     : env_put_value(&w, now);
			free(text);
		}
		ok = ok && env_warn(report, w.data);
		buf_clear(&w);
		free(sub);
		if (!ok)
			return false;
	}
	return true;
}

/* The provider's normalizedConfig in the stored shape: null means absent,
 * secret references as ids, checked against the schema like the input. */
static Status env_take_normalized(App *app, Provider *p, const SchemaField *root,
				  const cJSON *given, cJSON *norm, EnvSaveReport *report,
				  Error *err)
{
	char **secret_paths = NULL;
	Status st;

	env_drop_empty(NULL, norm);
	if (!json_set_string(norm, "provider", p->key))
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (env_normalize_secrets(app, p, root, norm, err) != ST_OK)
		return error_prefix(err, "provider %s's normalized config: ", p->key);
	st = env_schema_check(p, root, norm, "the normalized config returned", err);
	if (st != ST_OK)
		return st;
	{
		cJSON *copy = cJSON_Duplicate(given, 1);

		if (!copy)
			return error_set(err, ST_E_NOMEM, "out of memory");
		st = env_secret_paths_of(p, copy, &secret_paths, err);
		json_wipe(copy);
		if (st != ST_OK)
			return st;
	}
	if (!env_note_replaced(root, given, norm, secret_paths, p->key, "", report))
		st = error_set(err, ST_E_NOMEM, "out of memory");
	schema_paths_free(secret_paths);
	return st;
}

/* ------------------------------------------------- what a plugin echoes
 *
 * A plugin's validation sees the values just typed: what it says back
 * (errors, warnings) is redacted, and a normalizedConfig that copies one
 * of them into a field that is not a secret is refused, or it would be
 * saved and shown in clear. */

/* The plaintexts at config's secret paths (borrowed from config); NULL
 * with *paths NULL when there are none or they cannot be computed. */
static const char **env_typed_secrets(const Provider *p, cJSON *config, char ***paths)
{
	Error ignored;

	*paths = NULL;
	if (env_secret_paths_of(p, config, paths, &ignored) != ST_OK)
		return NULL;
	return redact_collect(config, *paths);
}

static bool env_holds_secret(const char *text, const char *const *secrets)
{
	for (size_t i = 0; text && secrets && secrets[i]; i++)
		if (strlen(secrets[i]) < REDACT_MIN_SUBSTRING ? strcmp(text, secrets[i]) == 0
							      : strstr(text, secrets[i]) != NULL)
			return true;
	return false;
}

/* The first pointer under node (at ptr) outside the secret paths whose
 * key or string value holds a secret; caller frees. NULL: none. */
static char *env_find_copied_secret(const cJSON *node, const char *ptr, char **secret_paths,
				    const char *const *secrets)
{
	const cJSON *child;
	int index = 0;

	if (env_paths_has(secret_paths, ptr))
		return NULL;
	if (cJSON_IsString(node))
		return env_holds_secret(node->valuestring, secrets) ? strdup(ptr[0] ? ptr : "/")
								      : NULL;
	cJSON_ArrayForEach(child, node) {
		char token[24], *sub, *found;

		if (child->string && env_holds_secret(child->string, secrets))
			return strdup(ptr[0] ? ptr : "/");
		snprintf(token, sizeof token, "%d", index++);
		sub = jsonptr_append(ptr, child->string ? child->string : token);
		if (!sub)
			return strdup(ptr[0] ? ptr : "/");
		found = env_find_copied_secret(child, sub, secret_paths, secrets);
		free(sub);
		if (found)
			return found;
	}
	return NULL;
}

static Status env_check_normalized(const Provider *p, const cJSON *normalized,
				   const char *const *secrets, Error *err)
{
	cJSON *copy;
	char **paths = NULL, *where;

	if (!secrets || !secrets[0])
		return ST_OK;
	copy = cJSON_Duplicate(normalized, 1);
	if (!copy || env_secret_paths_of(p, copy, &paths, err) != ST_OK) {
		json_wipe(copy);
		return err->status ? err->status : error_set(err, ST_E_NOMEM, "out of memory");
	}
	where = env_find_copied_secret(copy, "", paths, secrets);
	schema_paths_free(paths);
	json_wipe(copy);
	if (!where)
		return ST_OK;
	error_set(err, ST_E_PROVIDER,
		  "provider %s's normalizedConfig copies a secret value into %s, which is not a "
		  "secret field; nothing was saved (report this to the plugin's author)",
		  p->key, where);
	free(where);
	return ST_E_PROVIDER;
}

/* The operator's config first (every violation, before any provider call),
 * then the provider (its normalized config replaces ours). */
static Status env_validate(App *app, Provider *p, cJSON **config, EnvSaveReport *report,
			   Error *err)
{
	ValidateResult vr;
	SchemaField *root = NULL;
	Buf msg = BUF_INIT;
	const char **typed = NULL;
	char **typed_paths = NULL;
	Status st;

	memset(&vr, 0, sizeof vr);
	if (schema_form_load(p->config_schema, &root, err) != ST_OK)
		return error_prefix(err, "provider %s's configSchema: ", p->key);
	env_drop_empty(root, *config);
	st = env_normalize_secrets(app, p, root, *config, err);
	if (st == ST_OK)
		st = env_schema_check(p, root, *config, "config", err);
	if (st != ST_OK || !p->ops->validate_config)
		goto done;
	typed = env_typed_secrets(p, *config, &typed_paths);
	st = p->ops->validate_config(p, *config, &vr, err);
	redact_json(vr.errors, typed);
	redact_json(vr.warnings, typed);
	if (st != ST_OK) {
		/* Only an answer rejects: a worker that never started or never
		 * answered did not look at the config at all. */
		if (st == ST_E_INVALID)
			error_prefix(err, "provider %s rejected the config: ", p->key);
		else
			error_prefix(err, "provider %s could not check the config: ", p->key);
		goto done;
	}
	if (!vr.ok) {
		if (env_join_errors(vr.errors, &msg) != ST_OK)
			st = error_set(err, ST_E_NOMEM, "out of memory");
		else
			st = error_set(err, ST_E_INVALID, "provider %s rejected the config: %s", p->key,
				       msg.len ? msg.data : "no reason given");
		goto done;
	}
	if (report && cJSON_GetArraySize(vr.warnings) > 0) {
		report->warnings = vr.warnings;
		vr.warnings = NULL;
	}
	if (vr.normalized_config &&
	    (st = env_check_normalized(p, vr.normalized_config, typed, err)) != ST_OK) {
		json_wipe(vr.normalized_config); /* it may hold the values just entered */
		vr.normalized_config = NULL;
		goto done;
	}
	if (vr.normalized_config) {
		cJSON *n = vr.normalized_config;

		vr.normalized_config = NULL;
		st = env_take_normalized(app, p, root, *config, n, report, err);
		if (st != ST_OK) {
			json_wipe(n); /* it may hold the values just entered */
			goto done;
		}
		json_wipe(*config);
		*config = n;
	}
done:
	free(typed);
	schema_paths_free(typed_paths);
	validate_result_clear(&vr);
	buf_clear(&msg);
	schema_field_free(root);
	return st;
}

/* ------------------------------------------------------------ secrets of a save */

typedef struct EnvSaveCtx {
	App *app;
	Store *s;
	Provider *p;
	StoreEnv *env;         /* the row being written (id known) */
	StoreBindingList old;  /* bindings before the save */
	cJSON *changed;        /* changed field names */
	EnvSaveReport *report;
} EnvSaveCtx;

static const StoreBinding *env_old_binding(const EnvSaveCtx *c, const char *path)
{
	for (size_t i = 0; i < c->old.count; i++)
		if (strcmp(c->old.items[i].config_path, path) == 0)
			return &c->old.items[i];
	return NULL;
}

static bool env_mark(EnvSaveCtx *c, const char *path)
{
	char name[1024];

	snprintf(name, sizeof name, "config%s", path);
	return env_field_add(c->changed, name);
}

/* Replaces the plaintext at path with the secret id, wiping it first. */
static Status env_put_id(cJSON *config, const char *path, const char *id, Error *err)
{
	cJSON *v = jsonptr_get(config, path);
	cJSON *s;

	if (cJSON_IsString(v) && v->valuestring)
		sodium_memzero(v->valuestring, strlen(v->valuestring));
	s = cJSON_CreateString(id);
	if (!s)
		return error_set(err, ST_E_NOMEM, "out of memory");
	return jsonptr_set(config, path, s, err);
}

static Status env_secret_field(EnvSaveCtx *c, cJSON *config, const char *path, Error *err)
{
	const cJSON *v = jsonptr_get(config, path);
	const StoreBinding *old = env_old_binding(c, path);
	const char *value;
	StoreSecret sec;
	Status st;

	if (!cJSON_IsString(v))
		return error_set(err, ST_E_INVALID,
				 "%s: a secret field holds a string (a new value or a secret id)",
				 path);
	value = v->valuestring;
	/* An existing secret id: a reference, kept as is. */
	if (id_is_uuid(value) && store_secret_get(c->s, value, &sec, err) == ST_OK) {
		if (!secret_status_is(sec.status, SECRET_ACTIVE)) {
			error_set(err, ST_E_INVALID,
				  "%s refers to secret %s, which is %s; enable it (envctl secret "
				  "enable) or enter a new value",
				  path, sec.name, sec.status);
			store_secret_clear(&sec);
			return ST_E_INVALID;
		}
		store_secret_clear(&sec);
		if ((!old || strcmp(old->secret_id, value) != 0) && !env_mark(c, path))
			return error_set(err, ST_E_NOMEM, "out of memory");
		return ST_OK;
	}
	error_clear(err);
	/* A value re-entered where this environment's own secret sat: rotate it
	 * (unless it is the same value), so the old secret is not orphaned. */
	if (old && store_secret_get(c->s, old->secret_id, &sec, err) == ST_OK) {
		bool mine = strcmp(sec.origin, "environment") == 0 &&
			    sec.created_by_environment_id &&
			    strcmp(sec.created_by_environment_id, c->env->id) == 0 &&
			    !secret_status_is(sec.status, SECRET_DELETED);

		if (mine) {
			bool same = false;
			long version;
			char id[UUID_STR_LEN];

			snprintf(id, sizeof id, "%s", sec.id);
			store_secret_clear(&sec);
			if (store_secret_verify(c->s, id, (const unsigned char *)value, strlen(value),
						&same, err) != ST_OK)
				error_clear(err); /* no current version: rotate below */
			if (!same) {
				if (store_secret_rotate(c->s, id, (const unsigned char *)value,
							strlen(value), &version, err) != ST_OK ||
				    env_secret_activity(c->s, c->app, "secret.rotated", id,
							c->env->name, NULL, err) != ST_OK)
					return err->status;
				if (c->report)
					c->report->secrets_rotated++;
				if (!env_mark(c, path))
					return error_set(err, ST_E_NOMEM, "out of memory");
			}
			return env_put_id(config, path, id, err);
		}
		store_secret_clear(&sec);
	}
	error_clear(err);
	/* A new value: a new secret, made for this environment and field. */
	for (int attempt = 0;; attempt++) {
		char name[160];
		StoreSecretNew in = { .value = (const unsigned char *)value,
				      .value_len = strlen(value),
				      .created_by_environment_id = c->env->id,
				      .created_by_path = path };

		env_secret_name(c->p->key, c->env->name, path, name, sizeof name);
		in.name = name;
		in.description = "";
		st = store_secret_create(c->s, &in, &sec, err);
		if (st == ST_E_CONFLICT && attempt < 3)
			continue;
		if (st != ST_OK)
			return error_prefix(err, "%s: ", path);
		break;
	}
	st = env_secret_activity(c->s, c->app, "secret.created", sec.id, c->env->name, path, err);
	if (st == ST_OK)
		st = env_put_id(config, path, sec.id, err);
	store_secret_clear(&sec);
	if (st == ST_OK && !env_mark(c, path))
		st = error_set(err, ST_E_NOMEM, "out of memory");
	if (st == ST_OK && c->report)
		c->report->secrets_created++;
	return st;
}

/* Secret fields → ids, bindings synced, this environment's unbound
 * secrets deleted. Runs inside the save's transaction. */
static Status env_sync_secrets(EnvSaveCtx *c, cJSON *config, Error *err)
{
	char **paths = NULL, **deleted = NULL;
	Status st = ST_OK;

	if (store_binding_list_target(c->s, "environment", c->env->id, &c->old, err) != ST_OK)
		return err->status;
	if (env_secret_paths_of(c->p, config, &paths, err) != ST_OK)
		return err->status;
	for (size_t i = 0; st == ST_OK && paths[i]; i++) {
		st = env_secret_field(c, config, paths[i], err);
		if (st == ST_OK) {
			const cJSON *id = jsonptr_get(config, paths[i]);

			st = store_binding_set(c->s, id->valuestring, "environment", c->env->id,
					       paths[i], err);
		}
	}
	for (size_t i = 0; st == ST_OK && i < c->old.count; i++) {
		if (env_paths_has(paths, c->old.items[i].config_path))
			continue;
		st = store_binding_remove(c->s, "environment", c->env->id,
					  c->old.items[i].config_path, err);
		if (st == ST_OK && !env_mark(c, c->old.items[i].config_path))
			st = error_set(err, ST_E_NOMEM, "out of memory");
	}
	schema_paths_free(paths);
	if (st != ST_OK)
		return st;
	if (store_secret_delete_orphans(c->s, c->env->id, &deleted, err) != ST_OK)
		return err->status;
	for (size_t i = 0; st == ST_OK && deleted && deleted[i]; i++) {
		st = env_secret_activity(c->s, c->app, "secret.deleted", deleted[i], c->env->name,
					 NULL, err);
		if (c->report)
			c->report->secrets_deleted++;
	}
	store_ids_free(deleted);
	return st;
}

/* ------------------------------------------------------------ save */

static Status env_build_candidate(const EnvSaveInput *in, const StoreEnv *old, const char *provider,
				  cJSON **out, Error *err)
{
	cJSON *cand;

	*out = NULL;
	if (old) {
		cand = cJSON_Duplicate(old->config, 1);
		if (cand && in->config) {
			const cJSON *item;

			if (!cJSON_IsObject(in->config)) {
				cJSON_Delete(cand);
				return error_set(err, ST_E_INVALID, "the config must be a JSON object");
			}
			cJSON_ArrayForEach(item, in->config) {
				if (cJSON_IsNull(item)) {
					cJSON_DeleteItemFromObjectCaseSensitive(cand, item->string);
				} else if (!json_set(cand, item->string, cJSON_Duplicate(item, 1))) {
					json_wipe(cand);
					return error_set(err, ST_E_NOMEM, "out of memory");
				}
			}
		}
	} else {
		if (in->config && !cJSON_IsObject(in->config))
			return error_set(err, ST_E_INVALID, "the config must be a JSON object");
		cand = in->config ? cJSON_Duplicate(in->config, 1) : cJSON_CreateObject();
	}
	if (!cand)
		return error_set(err, ST_E_NOMEM, "out of memory");
	for (size_t i = 0; i < in->set_count; i++) {
		cJSON *v;

		if (!in->sets[i].value) { /* empty text: the field goes */
			jsonptr_remove(cand, in->sets[i].pointer);
			continue;
		}
		v = cJSON_Duplicate(in->sets[i].value, 1);
		if (!v || jsonptr_set(cand, in->sets[i].pointer, v, err) != ST_OK) {
			json_wipe(cand);
			return v ? error_prefix(err, "--set %s: ", in->sets[i].pointer)
				 : error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	if (!json_set_string(cand, "provider", provider)) {
		json_wipe(cand);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	*out = cand;
	return ST_OK;
}

static bool env_str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool env_set_str(char **dst, const char *src)
{
	char *d = strdup(src ? src : "");

	if (!d)
		return false;
	free(*dst);
	*dst = d;
	return true;
}

Status env_save(App *app, const EnvSaveInput *in, StoreEnv *out, EnvSaveReport *report,
		Error *err)
{
	StoreEnv old, row;
	bool editing = in->target != NULL;
	const char *provider_key;
	EnvSaveCtx c;
	cJSON *cand = NULL;
	Provider *p;
	Store *s;
	Status st;

	memset(&old, 0, sizeof old);
	memset(&row, 0, sizeof row);
	memset(&c, 0, sizeof c);
	if (out)
		memset(out, 0, sizeof *out);
	if (report)
		memset(report, 0, sizeof *report);
	if (app_check_writable(app, editing ? "edit an environment" : "create an environment",
			       err) != ST_OK ||
	    app_store(app, &s, err) != ST_OK)
		return err->status;
	if (editing) {
		if (store_env_get(s, in->target, &old, err) != ST_OK)
			return err->status;
		if (in->provider && strcmp(in->provider, old.provider) != 0) {
			error_set(err, ST_E_INVALID,
				  "environment %s uses provider %s; a provider cannot be changed — "
				  "create a new environment instead",
				  old.name, old.provider);
			store_env_clear(&old);
			return ST_E_INVALID;
		}
		if (in->expect_revision && old.revision != in->expect_revision) {
			error_set(err, ST_E_CONFLICT,
				  "environment %s was changed elsewhere since revision %ld (it is at "
				  "%ld now); look at the changes and save again",
				  old.name, in->expect_revision, old.revision);
			store_env_clear(&old);
			return ST_E_CONFLICT;
		}
		provider_key = old.provider;
	} else {
		if (!in->name || !in->name[0])
			return error_set(err, ST_E_INVALID, "an environment needs a name");
		if (!in->provider || !in->provider[0])
			return error_set(err, ST_E_INVALID,
					 "an environment needs a provider (see `envctl provider list`)");
		provider_key = in->provider;
	}
	if ((editing ? env_provider_require(app, &old, "edit it", &p, err)
		     : registry_require(&app->registry, provider_key, &p, err)) != ST_OK ||
	    env_build_candidate(in, editing ? &old : NULL, provider_key, &cand, err) != ST_OK ||
	    env_validate(app, p, &cand, report, err) != ST_OK)
		goto fail_early;

	/* From here on the database: one transaction, write lock held. */
	if (store_begin(s, err) != ST_OK)
		goto fail_early;
	if (editing) {
		if (store_env_get(s, old.id, &row, err) != ST_OK)
			goto fail;
		if (row.revision != old.revision) {
			error_set(err, ST_E_CONFLICT,
				  "environment %s was changed by someone else while this save was "
				  "being checked; look at it again and retry",
				  old.name);
			goto fail;
		}
		if ((in->name && !env_set_str(&row.name, in->name)) ||
		    (in->description && !env_set_str(&row.description, in->description))) {
			error_set(err, ST_E_NOMEM, "out of memory");
			goto fail;
		}
	} else {
		row.name = strdup(in->name);
		row.description = strdup(in->description ? in->description : "");
		row.provider = strdup(provider_key);
		row.driver = strdup("sandbox");
		row.status = strdup(env_status_text(ENV_ACTIVE));
		row.config = cJSON_CreateObject(); /* placeholder: no plaintext is ever written */
		row.metadata = in->metadata ? cJSON_Duplicate(in->metadata, 1) : cJSON_CreateObject();
		if (!row.name || !row.description || !row.provider || !row.driver || !row.status ||
		    !row.config || !row.metadata) {
			error_set(err, ST_E_NOMEM, "out of memory");
			goto fail;
		}
		if (env_record_plugin(row.metadata, p, err) != ST_OK ||
		    store_env_insert(s, &row, err) != ST_OK)
			goto fail;
	}
	if (editing && in->metadata) {
		cJSON *m = cJSON_Duplicate(in->metadata, 1);

		if (!m) {
			error_set(err, ST_E_NOMEM, "out of memory");
			goto fail;
		}
		cJSON_Delete(row.metadata);
		row.metadata = m;
	}
	if (editing && env_record_plugin(row.metadata, p, err) != ST_OK)
		goto fail;
	c.app = app;
	c.s = s;
	c.p = p;
	c.env = &row;
	c.report = report;
	c.changed = cJSON_CreateArray();
	if (!c.changed) {
		error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	if (env_sync_secrets(&c, cand, err) != ST_OK)
		goto fail;
	/* cand holds only secret ids now. */
	if (editing) {
		if (!env_str_eq(old.name, row.name) && !env_field_add(c.changed, "name"))
			goto oom;
		if (!env_str_eq(old.description, row.description) &&
		    !env_field_add(c.changed, "description"))
			goto oom;
		if (!json_equal(old.metadata, row.metadata) && !env_field_add(c.changed, "metadata"))
			goto oom;
		if (!env_diff(old.config, cand, "", c.changed))
			goto oom;
	} else {
		const cJSON *item;

		if (!env_field_add(c.changed, "name") || !env_field_add(c.changed, "provider") ||
		    (row.description[0] && !env_field_add(c.changed, "description")))
			goto oom;
		cJSON_ArrayForEach(item, cand) {
			char *ptr;
			bool ok;

			if (strcmp(item->string, "provider") == 0)
				continue;
			ptr = jsonptr_append("", item->string);
			ok = ptr && env_diff(NULL, item, ptr, c.changed);
			free(ptr);
			if (!ok)
				goto oom;
		}
	}
	cJSON_Delete(row.config);
	row.config = cand;
	cand = NULL;
	if (store_env_update(s, &row, err) != ST_OK)
		goto fail;
	if (env_activity(s, app, editing ? "environment.updated" : "environment.created",
			 "environment", row.id, row.name, c.changed, err) != ST_OK)
		goto fail;
	if (store_commit(s, err) != ST_OK)
		goto cleanup;
	st = ST_OK;
	if (out) {
		st = store_env_get(s, row.id, out, err);
	}
	store_env_clear(&row);
	store_env_clear(&old);
	store_binding_list_clear(&c.old);
	cJSON_Delete(c.changed);
	return st;
oom:
	error_set(err, ST_E_NOMEM, "out of memory");
fail:
	store_rollback(s);
cleanup:
	store_binding_list_clear(&c.old);
	cJSON_Delete(c.changed);
	store_env_clear(&row);
fail_early:
	json_wipe(cand);
	store_env_clear(&old);
	if (report)
		env_save_report_clear(report);
	return err->status;
}

/* ------------------------------------------------------------ archive/delete */

Status env_archive(App *app, const char *id_or_name, bool archived, Error *err)
{
	static const char *const fields[] = { "status", NULL };
	const char *want = env_status_text(archived ? ENV_ARCHIVED : ENV_ACTIVE);
	StoreEnv e;
	Store *s;

	if (app_check_writable(app, archived ? "archive an environment" : "restore an environment",
			       err) != ST_OK ||
	    app_store(app, &s, err) != ST_OK || store_begin(s, err) != ST_OK)
		return err->status;
	if (store_env_get(s, id_or_name, &e, err) != ST_OK)
		goto fail;
	if (strcmp(e.status, want) != 0) {
		StoreActivityNew a = { .actor = app_actor(app), .action = "environment.updated",
				       .entity_type = "environment", .entity_id = e.id,
				       .entity_name = e.name, .changed_fields = fields };

		if (!env_set_str(&e.status, want)) {
			error_set(err, ST_E_NOMEM, "out of memory");
			goto fail_env;
		}
		if (store_env_update(s, &e, err) != ST_OK || store_activity_add(s, &a, err) != ST_OK)
			goto fail_env;
	}
	store_env_clear(&e);
	return store_commit(s, err);
fail_env:
	store_env_clear(&e);
fail:
	store_rollback(s);
	return err->status;
}

Status env_delete(App *app, const char *id_or_name, bool force, Error *err)
{
	StoreActivityNew a = { .actor = NULL, .action = "environment.deleted",
			       .entity_type = "environment" };
	char **deleted = NULL;
	long active = 0;
	StoreEnv e;
	Store *s;

	if (app_check_writable(app, "delete an environment", err) != ST_OK ||
	    app_store(app, &s, err) != ST_OK)
		return err->status;
	if (store_env_get(s, id_or_name, &e, err) != ST_OK)
		return err->status;
	/* Deleting the rows must not leave a sandbox nobody tracks: with
	 * --force the provider destroys each one first (outside the write
	 * transaction: provider calls can be slow). */
	if (lease_count_holding(app, e.id, &active, err) != ST_OK)
		goto fail_env_out;
	if (active > 0 && !force) {
		error_set(err, ST_E_CONFLICT,
			  "environment %s has %ld lease%s still holding a sandbox; release %s first, "
			  "or use --force to destroy %s and delete the environment",
			  e.name, active, active == 1 ? "" : "s", active == 1 ? "it" : "them",
			  active == 1 ? "it" : "them");
		goto fail_env_out;
	}
	if (active > 0 && lease_destroy_for_env(app, e.id, &active, err) != ST_OK) {
		error_prefix(err, "environment %s was kept: ", e.name);
		goto fail_env_out;
	}
	if (store_begin(s, err) != ST_OK)
		goto fail_env_out;
	if (store_lease_count_active(s, e.id, &active, err) != ST_OK)
		goto fail_env;
	if (active > 0) {
		error_set(err, ST_E_CONFLICT,
			  "a lease of environment %s was acquired meanwhile; try again", e.name);
		goto fail_env;
	}
	if (store_env_delete(s, e.id, err) != ST_OK ||
	    store_secret_delete_orphans(s, e.id, &deleted, err) != ST_OK)
		goto fail_env;
	a.actor = app_actor(app);
	a.entity_id = e.id;
	a.entity_name = e.name;
	if (store_activity_add(s, &a, err) != ST_OK)
		goto fail_env;
	for (size_t i = 0; deleted && deleted[i]; i++)
		if (env_secret_activity(s, app, "secret.deleted", deleted[i], e.name, NULL, err) !=
		    ST_OK)
			goto fail_env;
	store_ids_free(deleted);
	store_env_clear(&e);
	return store_commit(s, err);
fail_env:
	store_ids_free(deleted);
	store_env_clear(&e);
	store_rollback(s);
	return err->status;
fail_env_out:
	store_env_clear(&e);
	return err->status;
}

Status env_get(App *app, const char *id_or_name, StoreEnv *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_env_get(s, id_or_name, out, err);
}

Status env_list(App *app, const StoreEnvFilter *f, StoreEnvList *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_env_list(s, f, out, err);
}

/* ------------------------------------------------------------ views */

static cJSON *env_secret_ref(const char *id, const StoreSecret *sec)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "secretRef", id);
	if (sec) {
		cJSON_AddStringToObject(o, "name", sec->name);
		cJSON_AddNumberToObject(o, "version", (double)sec->current_version);
		if (!secret_status_is(sec->status, SECRET_ACTIVE))
			cJSON_AddStringToObject(o, "status", sec->status);
	} else {
		cJSON_AddNullToObject(o, "name");
		cJSON_AddNullToObject(o, "version");
		cJSON_AddStringToObject(o, "status", "missing");
	}
	return o;
}

static Status env_ref_at(Store *s, cJSON *config, const char *path, Error *err)
{
	const cJSON *v = jsonptr_get(config, path);
	StoreSecret sec;
	Error ignored;
	cJSON *ref;
	bool found;

	if (!cJSON_IsString(v))
		return ST_OK; /* already a reference object, or absent */
	error_clear(&ignored);
	/* Its name and version only: not its bindings (a list shows many). */
	found = store_secret_get_row(s, v->valuestring, &sec, &ignored) == ST_OK;
	/* Not an id at all would be a value: never show it. */
	ref = env_secret_ref(id_is_uuid(v->valuestring) ? v->valuestring : "(not a secret id)",
			     found ? &sec : NULL);
	if (found)
		store_secret_clear(&sec);
	if (!ref)
		return error_set(err, ST_E_NOMEM, "out of memory");
	return jsonptr_set(config, path, ref, err);
}

Status env_display_config(App *app, const StoreEnv *env, cJSON **out, Error *err)
{
	StoreBindingList bl;
	Store *s;
	Status st;

	*out = NULL;
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	if (store_binding_list_target(s, "environment", env->id, &bl, err) != ST_OK)
		return err->status;
	st = env_display_config_bound(app, env, bl.items, bl.count, out, err);
	store_binding_list_clear(&bl);
	return st;
}

Status env_display_config_bound(App *app, const StoreEnv *env, const StoreBinding *bindings,
				size_t count, cJSON **out, Error *err)
{
	char **paths = NULL;
	Provider *p;
	cJSON *config;
	Store *s;

	*out = NULL;
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	config = cJSON_Duplicate(env->config, 1);
	if (!config)
		return error_set(err, ST_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		if (env_ref_at(s, config, bindings[i].config_path, err) != ST_OK) {
			cJSON_Delete(config);
			return err->status;
		}
	}
	/* The schema's secret fields too, bound or not (a plugin that is gone
	 * leaves only the bindings to go by). */
	p = registry_find(&app->registry, env->provider);
	if (p) {
		Error ignored;

		error_clear(&ignored);
		if (env_secret_paths_of(p, config, &paths, &ignored) == ST_OK) {
			for (size_t i = 0; paths[i]; i++) {
				if (env_ref_at(s, config, paths[i], err) != ST_OK) {
					schema_paths_free(paths);
					cJSON_Delete(config);
					return err->status;
				}
			}
			schema_paths_free(paths);
		}
	}
	*out = config;
	return ST_OK;
}

/* ------------------------------------------------------------ --set */

/* "/hosts/0/password" → "/hosts/-/password", to match schema patterns. */
static char *env_pattern_of(const char *pointer)
{
	Buf b = BUF_INIT;
	const char *p = pointer;

	while (*p) {
		const char *next = strchr(p + 1, '/');
		size_t len = next ? (size_t)(next - p) : strlen(p);
		bool digits = len > 1;

		for (size_t i = 1; i < len; i++)
			digits = digits && isdigit((unsigned char)p[i]);
		if (!(digits ? buf_puts(&b, "/-") : buf_append(&b, p, len))) {
			buf_clear(&b);
			return NULL;
		}
		p += len;
	}
	return buf_take(&b);
}

static const SchemaField *env_find_field(const SchemaField *root, const char *pointer,
					 const char *pattern)
{
	const SchemaField *f = schema_field_find(root, pointer);
	char *parent;
	const char *slash;

	if (!f && pattern)
		f = schema_field_find(root, pattern);
	if (f)
		return f;
	/* A key of an additionalProperties map. */
	slash = strrchr(pattern ? pattern : pointer, '/');
	if (!slash)
		return NULL;
	parent = strndup(pattern ? pattern : pointer, (size_t)(slash - (pattern ? pattern : pointer)));
	if (!parent)
		return NULL;
	f = parent[0] ? schema_field_find(root, parent) : root;
	free(parent);
	return f ? f->additional : NULL;
}

/* Is the --set text a secret reference (either shape)? Then *value is it
 * (NULL when memory ran out). Anything else is left alone and never
 * echoed: it is probably the secret itself. */
static bool env_set_ref(const char *text, cJSON **value)
{
	cJSON *v = cJSON_Parse(text);
	const cJSON *version;
	bool ref = env_ref_id(v, &version) != NULL;

	if (!ref) {
		json_wipe(v);
		return false;
	}
	*value = v;
	return true;
}

/* value placed at pointer in an otherwise empty config: {"bridge": value}
 * for "/bridge", {"hosts": [value]} for "/hosts/3" (an index becomes an
 * array, so the schema's items apply). Takes ownership of value. */
static cJSON *env_wrap_at(const char *pointer, cJSON *value)
{
	size_t end = strlen(pointer);
	cJSON *cur = value;

	while (cur && end > 0) {
		size_t start = end;
		char *tok;
		bool index = true;
		cJSON *outer;

		while (start > 0 && pointer[start - 1] != '/')
			start--;
		tok = strndup(pointer + start, end - start);
		if (!tok) {
			cJSON_Delete(cur);
			return NULL;
		}
		/* Unescape in place: ~1 is '/', ~0 is '~' (RFC 6901). */
		for (char *r = tok, *w = tok;; r++, w++) {
			if (r[0] == '~' && (r[1] == '0' || r[1] == '1'))
				*w = r[1] == '1' ? '/' : '~', r++;
			else
				*w = *r;
			if (!*r)
				break;
		}
		for (const char *c = tok; *c; c++)
			index = index && isdigit((unsigned char)*c);
		index = (index && tok[0]) || strcmp(tok, "-") == 0;
		outer = index ? cJSON_CreateArray() : cJSON_CreateObject();
		if (!outer || !(index ? cJSON_AddItemToArray(outer, cur)
				      : cJSON_AddItemToObject(outer, tok, cur))) {
			cJSON_Delete(outer);
			cJSON_Delete(cur);
			cur = NULL;
		} else {
			cur = outer;
		}
		free(tok);
		end = start > 0 ? start - 1 : 0;
	}
	return cur;
}

/* Whether value, set at pointer, would hold a secret field at any depth
 * (--set '/bridge={"authToken":"..."}'): such plaintext has been on the
 * command line too. Names the first one found in where. */
static Status env_set_holds_secret(const cJSON *schema, const char *pointer, const cJSON *value,
				   bool *holds, char *where, size_t where_len, Error *err)
{
	cJSON *doc = env_wrap_at(pointer, cJSON_Duplicate(value, 1));
	char **paths = NULL;
	const cJSON *version;
	size_t depth = 0;

	*holds = false;
	if (!doc)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (schema_secret_paths(schema, doc, &paths, err) != ST_OK) {
		json_wipe(doc);
		return err->status;
	}
	for (const char *c = pointer; *c; c++)
		depth += *c == '/';
	for (size_t i = 0; paths[i] && !*holds; i++) {
		const cJSON *v = jsonptr_get(doc, paths[i]);
		const char *rest = paths[i];

		/* An empty value removes the field: nothing secret in it. */
		if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]))
			continue;
		/* A reference object names a stored secret; it holds no value. */
		if (cJSON_IsObject(v) && env_ref_id(v, &version))
			continue;
		*holds = true;
		/* The path below the --set pointer, after the pointer as typed
		 * (the wrapper turned any index into 0). */
		for (size_t d = 0; d < depth && *rest; d++) {
			rest = strchr(rest + 1, '/');
			if (!rest)
				rest = "";
		}
		snprintf(where, where_len, "%s%s", pointer, rest);
	}
	schema_paths_free(paths);
	json_wipe(doc);
	return ST_OK;
}

Status env_parse_set(App *app, const char *provider_key, const char *assignment, char **pointer,
		     cJSON **value, Error *err)
{
	const char *eq = strchr(assignment, '=');
	char *ptr = NULL, *pattern = NULL, **patterns = NULL;
	SchemaField *root = NULL;
	const SchemaField *f;
	Provider *p;
	bool secret = false;
	Status st = ST_OK;

	*pointer = NULL;
	*value = NULL;
	if (!eq || eq == assignment)
		return error_set(err, ST_E_USAGE,
				 "--set needs POINTER=VALUE (e.g. --set /image=ubuntu:24.04)");
	if (registry_require(&app->registry, provider_key, &p, err) != ST_OK)
		return err->status;
	{
		Buf b = BUF_INIT;

		if ((assignment[0] != '/' && !buf_putc(&b, '/')) ||
		    !buf_append(&b, assignment, (size_t)(eq - assignment))) {
			buf_clear(&b);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
		ptr = buf_take(&b);
	}
	pattern = env_pattern_of(ptr);
	if (!pattern) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	if (schema_secret_patterns(p->config_schema, &patterns, err) != ST_OK) {
		st = error_prefix(err, "provider %s's configSchema: ", p->key);
		goto done;
	}
	secret = env_paths_has(patterns, pattern) || env_paths_has(patterns, ptr);
	if (schema_form_load(p->config_schema, &root, err) != ST_OK) {
		st = error_prefix(err, "provider %s's configSchema: ", p->key);
		goto done;
	}
	f = env_find_field(root, ptr, pattern);
	if ((secret || (f && f->secret)) && env_set_ref(eq + 1, value)) {
		/* A reference names a secret, it is not one: fine on a command line. */
		if (!*value)
			st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	if (secret || (f && f->secret)) {
		/* The value is not repeated: it is probably the secret. */
		st = error_set(err, ST_E_USAGE,
			       "--set %s: this is a secret field, and the command line is visible to "
			       "every user of this machine; put it in a JSON file and pass "
			       "--config-file FILE (or --config-file - to read stdin), or give a "
			       "reference to a stored secret: {\"secretRef\": ID}",
			       ptr);
		goto done;
	}
	if (f) {
		st = schema_coerce(f, eq + 1, value, err);
		if (st != ST_OK)
			error_prefix(err, "--set %s: ", ptr);
	} else {
		/* Not in the schema: JSON when it parses, else text; validation
		 * decides whether the field may exist at all. */
		*value = cJSON_Parse(eq + 1);
		if (!*value)
			*value = cJSON_CreateString(eq + 1);
		if (!*value)
			st = error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (st == ST_OK && *value && !cJSON_IsString(*value)) {
		char where[512];
		bool holds;

		st = env_set_holds_secret(p->config_schema, ptr, *value, &holds, where, sizeof where,
					  err);
		if (st == ST_OK && holds)
			st = error_set(err, ST_E_USAGE,
				       "--set %s: the value holds the secret field %s, and the "
				       "command line is visible to every user of this machine; put "
				       "it in a JSON file and pass --config-file FILE (or "
				       "--config-file - to read stdin)",
				       ptr, where);
		if (st != ST_OK) {
			json_wipe(*value);
			*value = NULL;
		}
	}
done:
	schema_field_free(root);
	schema_paths_free(patterns);
	free(pattern);
	if (st == ST_OK)
		*pointer = ptr;
	else
		free(ptr);
	return st;
}

/* ------------------------------------------------------------ resolution */

Status env_resolve_config_in_place(App *app, const StoreEnv *env, cJSON *config,
				   const EnvResolveCtx *ctx, char ***paths, Error *err)
{
	Provider *p;
	Store *s;
	Status st = ST_OK;

	*paths = NULL;
	if (app_store(app, &s, err) != ST_OK ||
	    env_provider_require(app, env, "resolve its config", &p, err) != ST_OK)
		return err->status;
	if (env_secret_paths_of(p, config, paths, err) != ST_OK)
		return err->status;
	for (size_t i = 0; st == ST_OK && (*paths)[i]; i++) {
		const char *path = (*paths)[i];
		const cJSON *v = jsonptr_get(config, path);
		StoreResolve req = {
			.secret_id = cJSON_IsString(v) ? v->valuestring : NULL,
			.consumer = ctx && ctx->consumer ? ctx->consumer : "unknown",
			.environment_id = env->id,
			.config_path = path,
			.lease_id = ctx ? ctx->lease_id : NULL,
			.run_id = ctx ? ctx->run_id : NULL,
		};
		char *plain = NULL;
		size_t len = 0;
		cJSON *item;

		st = store_secret_resolve(s, &req, &plain, &len, err);
		if (st != ST_OK) {
			error_prefix(err, "environment %s: ", env->name);
			break;
		}
		item = cJSON_CreateString(plain);
		store_secret_value_free(plain, len);
		if (!item) {
			st = error_set(err, ST_E_NOMEM, "out of memory");
			break;
		}
		st = jsonptr_set(config, path, item, err);
	}
	if (st != ST_OK) {
		schema_paths_free(*paths);
		*paths = NULL;
	}
	return st;
}

Status env_resolve_runtime_config(App *app, const StoreEnv *env, const EnvResolveCtx *ctx,
				  cJSON **out, Error *err)
{
	cJSON *config = cJSON_Duplicate(env->config, 1);
	char **paths = NULL;

	*out = NULL;
	if (!config)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (env_resolve_config_in_place(app, env, config, ctx, &paths, err) != ST_OK) {
		env_config_wipe(config);
		return err->status;
	}
	schema_paths_free(paths);
	*out = config;
	return ST_OK;
}
