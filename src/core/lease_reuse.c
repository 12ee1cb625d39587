#include "core/lease_reuse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/lib.h"

/* Values are shown to help, not to dump a provider's metadata. */
#define LEASE_REUSE_VALUE_MAX 60

void lease_reuse_report_init(LeaseReuseReport *r)
{
	memset(r, 0, sizeof *r);
	r->chosen = -1;
}

static void lease_reuse_candidate_free(LeaseReuseCandidate *c)
{
	for (size_t i = 0; i < c->key_count; i++) {
		free(c->keys[i].key);
		free(c->keys[i].want);
		free(c->keys[i].have);
	}
	free(c->keys);
	store_lease_clear(&c->lease);
	memset(c, 0, sizeof *c);
}

void lease_reuse_report_clear(LeaseReuseReport *r)
{
	for (size_t i = 0; i < r->count; i++)
		lease_reuse_candidate_free(&r->items[i]);
	free(r->items);
	lease_reuse_report_init(r);
}

static const char *lease_reuse_key_state_name(LeaseReuseKeyState s)
{
	switch (s) {
	case LEASE_REUSE_KEY_EQUAL: return "equal";
	case LEASE_REUSE_KEY_MISSING: return "missing";
	case LEASE_REUSE_KEY_DIFFERENT: return "different";
	case LEASE_REUSE_KEY_SECRET_DIFFERS: return "secret_differs";
	}
	return "?";
}

/* A top-level key is secret when a secret field lives at it or under it. */
static bool lease_reuse_key_secret(char *const *secret_paths, const char *key)
{
	char *ptr = jsonptr_append("", key);
	size_t n = ptr ? strlen(ptr) : 0;
	bool secret = false;

	for (size_t i = 0; ptr && secret_paths && secret_paths[i]; i++)
		if (strncmp(secret_paths[i], ptr, n) == 0 &&
		    (secret_paths[i][n] == '\0' || secret_paths[i][n] == '/'))
			secret = true;
	free(ptr);
	return secret;
}

/* Compact JSON of a value, shortened, with what a terminal would act on
 * (DEL, C1 controls; C0 is already escaped by the printer) replaced. */
static char *lease_reuse_show(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	size_t len, o = 0;

	if (!text)
		return NULL;
	len = strlen(text);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == 0x7f) {
			text[o++] = '?';
		} else if (c == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
			   (unsigned char)text[i + 1] <= 0x9f) {
			text[o++] = '?';
			i++;
		} else {
			text[o++] = (char)c;
		}
	}
	text[o] = '\0';
	if (o > LEASE_REUSE_VALUE_MAX) {
		size_t cut = LEASE_REUSE_VALUE_MAX - 3;

		/* Never split a UTF-8 sequence. */
		while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(text + cut, "...", 4);
	}
	return text;
}

static bool lease_reuse_add_key(LeaseReuseCandidate *c, size_t *cap, const char *key,
				const cJSON *want, const cJSON *have, bool secret)
{
	LeaseReuseKey *k;

	if (!array_reserve(&c->keys, cap, c->key_count, sizeof *c->keys))
		return false;
	k = &c->keys[c->key_count];
	memset(k, 0, sizeof *k);
	k->secret = secret;
	if (!have)
		k->state = LEASE_REUSE_KEY_MISSING;
	else if (json_equal(want, have))
		k->state = LEASE_REUSE_KEY_EQUAL;
	else
		k->state = secret ? LEASE_REUSE_KEY_SECRET_DIFFERS : LEASE_REUSE_KEY_DIFFERENT;
	k->key = strdup(key);
	if (!k->key)
		return false;
	if (!secret) {
		k->want = lease_reuse_show(want);
		k->have = have ? lease_reuse_show(have) : NULL;
		if (!k->want || (have && !k->have)) {
			free(k->key);
			free(k->want);
			free(k->have);
			return false;
		}
	}
	c->key_count++;
	return true;
}

/* The per-key table of the generic rule: every stored-config key but
 * provider and reuseLease against the lease's metadata. */
static bool lease_reuse_keys(LeaseReuseCandidate *c, const cJSON *config,
			     char *const *secret_paths, const cJSON *meta)
{
	const cJSON *item;
	size_t cap = 0;

	cJSON_ArrayForEach(item, config) {
		if (strcmp(item->string, "provider") == 0 || strcmp(item->string, "reuseLease") == 0)
			continue;
		if (!lease_reuse_add_key(c, &cap, item->string, item,
					 cJSON_GetObjectItemCaseSensitive(meta, item->string),
					 lease_reuse_key_secret(secret_paths, item->string)))
			return false;
	}
	return true;
}

static const LeaseReuseHolder *lease_reuse_holder(const LeaseReuseHolder *h, size_t n,
						  const char *self, const char *sandbox,
						  const char *run_id)
{
	for (size_t i = 0; i < n; i++) {
		if (!h[i].sandbox || strcmp(h[i].sandbox, sandbox) != 0)
			continue;
		if (self && strcmp(h[i].lease_id, self) == 0)
			continue;
		/* The same run may hold its own sandbox again. */
		if (run_id && h[i].run_id && strcmp(h[i].run_id, run_id) == 0)
			continue;
		return &h[i];
	}
	return NULL;
}

/* The status/sandbox/holder rules. Returns false with reason set. */
static bool lease_reuse_eligible(LeaseReuseCandidate *c, const cJSON *meta, const char *run_id,
				 const LeaseReuseHolder *holders, size_t holder_count)
{
	const StoreLease *l = &c->lease;
	const LeaseReuseHolder *h;

	if (!l->provider_lease_id || !l->provider_lease_id[0]) {
		snprintf(c->reason, sizeof c->reason, "holds no sandbox (no provider lease id)");
		return false;
	}
	if (cJSON_GetObjectItemCaseSensitive(meta, LEASE_KEY_DESTROYED)) {
		snprintf(c->reason, sizeof c->reason, "its sandbox was destroyed");
		return false;
	}
	if (json_get_string(meta, LEASE_KEY_HANDED)) {
		snprintf(c->reason, sizeof c->reason, "its sandbox was taken over by lease %s",
			 json_get_string(meta, LEASE_KEY_HANDED));
		return false;
	}
	if (l->phase) {
		snprintf(c->reason, sizeof c->reason, "busy (%s)", l->phase);
		return false;
	}
	if (lease_status_is(l->status, LEASE_ACTIVE)) {
		if (!run_id || !l->heartbeat_run_id || strcmp(l->heartbeat_run_id, run_id) != 0) {
			snprintf(c->reason, sizeof c->reason, "active for run %s: in use",
				 l->heartbeat_run_id ? l->heartbeat_run_id : "(none)");
			return false;
		}
	} else if (!lease_status_is(l->status, LEASE_RELEASED) &&
		   !lease_status_is(l->status, LEASE_RETAINED)) {
		snprintf(c->reason, sizeof c->reason,
			 "status %s: only released or retained leases, or an active lease of the same run, are resumed",
			 l->status);
		return false;
	}
	h = lease_reuse_holder(holders, holder_count, l->id, l->provider_lease_id, run_id);
	if (h) {
		snprintf(c->reason, sizeof c->reason, "its sandbox is held by active lease %s (run %s)",
			 h->lease_id, h->run_id ? h->run_id : "(none)");
		return false;
	}
	return true;
}

bool lease_reuse_consider(LeaseReuseReport *r, Provider *p, const cJSON *stored_config,
			  char *const *secret_paths, const char *run_id, const StoreLease *row,
			  const LeaseReuseHolder *holders, size_t holder_count)
{
	LeaseReuseCandidate *c;
	cJSON *meta;
	const char *mprov, *cprov = json_get_string(stored_config, "provider");
	bool ok = true;

	if (!array_reserve(&r->items, &r->cap, r->count, sizeof *r->items))
		return false;
	c = &r->items[r->count];
	memset(c, 0, sizeof *c);
	if (store_lease_copy(row, &c->lease, NULL) != ST_OK)
		return false;
	meta = row->metadata_json ? cJSON_Parse(row->metadata_json) : NULL;
	if (!meta)
		meta = cJSON_CreateObject();
	if (!meta) {
		store_lease_clear(&c->lease);
		return false;
	}
	r->count++;
	if (!lease_reuse_keys(c, stored_config, secret_paths, meta))
		ok = false;
	c->eligible = lease_reuse_eligible(c, meta, run_id, holders, holder_count);
	mprov = json_get_string(meta, "provider");
	if (c->eligible) {
		c->matches = provider_matches_reusable_lease(p, stored_config, row->provider_lease_id,
							     meta);
		if (c->matches) {
			c->reason[0] = '\0';
		} else if (!mprov || !cprov || strcmp(mprov, cprov) != 0) {
			snprintf(c->reason, sizeof c->reason,
				 "its metadata names provider %s, the config %s",
				 mprov ? mprov : "(none)", cprov ? cprov : "(none)");
		} else if (!json_is_true(meta, "reuseLease")) {
			snprintf(c->reason, sizeof c->reason,
				 "its metadata does not have reuseLease true");
		} else {
			size_t bad = 0;

			for (size_t i = 0; i < c->key_count; i++)
				bad += c->keys[i].state != LEASE_REUSE_KEY_EQUAL;
			snprintf(c->reason, sizeof c->reason, "%zu config key%s %s not match", bad,
				 bad == 1 ? "" : "s", bad == 1 ? "does" : "do");
		}
	}
	if (c->matches && r->chosen < 0) {
		c->chosen = true;
		r->chosen = (long)(r->count - 1);
	}
	cJSON_Delete(meta);
	return ok;
}

/* ------------------------------------------------------------ output */

static void lease_reuse_text_key(Buf *b, const LeaseReuseKey *k)
{
	switch (k->state) {
	case LEASE_REUSE_KEY_EQUAL:
		buf_printf(b, "       = %-20s equal\n", k->key);
		break;
	case LEASE_REUSE_KEY_MISSING:
		if (k->secret)
			buf_printf(b, "       x %-20s missing from the lease's metadata (secret field)\n",
				   k->key);
		else
			buf_printf(b, "       x %-20s missing from the lease's metadata (config has %s)\n",
				   k->key, k->want);
		break;
	case LEASE_REUSE_KEY_DIFFERENT:
		buf_printf(b, "       x %-20s different value: config %s, lease %s\n", k->key, k->want,
			   k->have);
		break;
	case LEASE_REUSE_KEY_SECRET_DIFFERS:
		buf_printf(b, "       x %-20s secret id differs\n", k->key);
		break;
	}
}

char *lease_reuse_report_text(const LeaseReuseReport *r, const char *env_name, const char *run_id)
{
	Buf b = BUF_INIT;

	buf_printf(&b, "Environment %s, run %s: ", env_name ? env_name : "?",
		   run_id ? run_id : "(none)");
	if (!r->reuse_on) {
		buf_printf(&b, "reuse is off: %s\n", r->off_reason);
		return buf_take(&b);
	}
	buf_printf(&b, "reuse is on; %zu candidate lease%s, most recently used first\n", r->count,
		   r->count == 1 ? "" : "s");
	for (size_t i = 0; i < r->count; i++) {
		const LeaseReuseCandidate *c = &r->items[i];

		buf_printf(&b, "  %zu. lease %s  %s  run %s  sandbox %s\n", i + 1, c->lease.id,
			   c->lease.status,
			   c->lease.heartbeat_run_id ? c->lease.heartbeat_run_id : "-",
			   c->lease.provider_lease_id ? c->lease.provider_lease_id : "-");
		if (c->chosen)
			buf_printf(&b, "     resumed: it matches\n");
		else if (c->matches)
			buf_printf(&b, "     matches (a more recent match is taken)\n");
		else if (!c->eligible)
			buf_printf(&b, "     skipped: %s\n", c->reason);
		else
			buf_printf(&b, "     no match: %s\n", c->reason);
		if (c->eligible)
			for (size_t k = 0; k < c->key_count; k++)
				lease_reuse_text_key(&b, &c->keys[k]);
	}
	if (r->chosen >= 0)
		buf_printf(&b, "Result: resume lease %s (sandbox %s)\n", r->items[r->chosen].lease.id,
			   r->items[r->chosen].lease.provider_lease_id);
	else
		buf_printf(&b, "Result: no lease matches; a fresh sandbox is acquired\n");
	return buf_take(&b);
}

static cJSON *lease_reuse_key_json(const LeaseReuseKey *k)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "key", k->key);
	cJSON_AddStringToObject(o, "result", lease_reuse_key_state_name(k->state));
	cJSON_AddBoolToObject(o, "secret", k->secret);
	/* The shortened text shown to people is not the value: JSON readers
	 * get no values at all for secret fields, and the text otherwise. */
	if (k->want)
		cJSON_AddStringToObject(o, "config", k->want);
	if (k->have)
		cJSON_AddStringToObject(o, "lease", k->have);
	return o;
}

cJSON *lease_reuse_report_json(const LeaseReuseReport *r, const char *env_id,
			       const char *env_name, const char *run_id)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "environmentId", env_id ? env_id : "");
	cJSON_AddStringToObject(o, "environment", env_name ? env_name : "");
	if (run_id)
		cJSON_AddStringToObject(o, "runId", run_id);
	else
		cJSON_AddNullToObject(o, "runId");
	cJSON_AddBoolToObject(o, "reuse", r->reuse_on);
	if (!r->reuse_on)
		cJSON_AddStringToObject(o, "reason", r->off_reason);
	arr = cJSON_AddArrayToObject(o, "candidates");
	for (size_t i = 0; arr && i < r->count; i++) {
		const LeaseReuseCandidate *c = &r->items[i];
		cJSON *co = cJSON_CreateObject(), *keys;

		if (!co)
			break;
		cJSON_AddStringToObject(co, "leaseId", c->lease.id);
		cJSON_AddStringToObject(co, "status", c->lease.status);
		if (c->lease.heartbeat_run_id)
			cJSON_AddStringToObject(co, "runId", c->lease.heartbeat_run_id);
		else
			cJSON_AddNullToObject(co, "runId");
		if (c->lease.provider_lease_id)
			cJSON_AddStringToObject(co, "providerLeaseId", c->lease.provider_lease_id);
		else
			cJSON_AddNullToObject(co, "providerLeaseId");
		cJSON_AddBoolToObject(co, "eligible", c->eligible);
		cJSON_AddBoolToObject(co, "matches", c->matches);
		cJSON_AddBoolToObject(co, "chosen", c->chosen);
		cJSON_AddStringToObject(co, "reason", c->reason);
		keys = cJSON_AddArrayToObject(co, "keys");
		for (size_t k = 0; keys && k < c->key_count; k++)
			cJSON_AddItemToArray(keys, lease_reuse_key_json(&c->keys[k]));
		cJSON_AddItemToArray(arr, co);
	}
	if (r->chosen >= 0)
		cJSON_AddStringToObject(o, "chosen", r->items[r->chosen].lease.id);
	else
		cJSON_AddNullToObject(o, "chosen");
	return o;
}

void lease_reuse_summary(const LeaseReuseReport *r, char *buf, size_t size)
{
	const LeaseReuseCandidate *first = NULL;
	size_t n = 0;

	if (!r->reuse_on) {
		snprintf(buf, size, "reuse is off: %s", r->off_reason);
		return;
	}
	if (r->chosen >= 0) {
		snprintf(buf, size, "resumed lease %s", r->items[r->chosen].lease.id);
		return;
	}
	if (r->count == 0) {
		snprintf(buf, size, "no earlier lease to reuse");
		return;
	}
	first = &r->items[0];
	for (size_t k = 0; k < first->key_count && first->eligible; k++) {
		const LeaseReuseKey *key = &first->keys[k];
		int w;

		if (key->state == LEASE_REUSE_KEY_EQUAL)
			continue;
		if (n++ == 0) {
			w = snprintf(buf, size, "no lease reused; lease %s: %s %s", first->lease.id,
				     key->key,
				     key->state == LEASE_REUSE_KEY_MISSING ? "missing"
				     : key->state == LEASE_REUSE_KEY_SECRET_DIFFERS ? "secret id differs"
										     : "differs");
			if (w < 0 || (size_t)w >= size)
				return;
		}
	}
	if (n > 1) {
		size_t len = strlen(buf);

		snprintf(buf + len, size - len, " (+%zu more)", n - 1);
	} else if (n == 0) {
		snprintf(buf, size, "no lease reused; lease %s: %s%s", first->lease.id,
			 first->reason[0] ? first->reason : "no match",
			 r->count > 1 ? " (see `envctl lease why`)" : "");
	}
	if (n >= 1 && r->count > 1) {
		size_t len = strlen(buf);

		snprintf(buf + len, size - len, "; %zu candidates (see `envctl lease why`)", r->count);
	}
}
