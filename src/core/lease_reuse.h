/* Which earlier lease an acquire resumes, and why each other one was not
 * taken (DESIGN §4.1, as Paperclip's host does it). One evaluation serves the
 * acquire itself, `lease acquire --explain`, `lease why` and the console's
 * acquire result, so what they show is what the acquire did.
 *
 * A candidate is a reuse_by_environment lease of the environment that is
 * released or retained, or active for the same run; it must hold a sandbox
 * (a provider lease id, not destroyed) that no other run's active lease
 * holds or is resuming. It matches when its metadata names the config's
 * provider, has reuseLease true, and holds every stored-config key but
 * provider/reuseLease with a structurally equal value (key order ignored;
 * secret fields compare as secret ids). A provider with its own rule (the
 * built-in fake) decides the match with it; the per-key table is still
 * shown. */
#ifndef ENVCTL_CORE_LEASE_REUSE_H
#define ENVCTL_CORE_LEASE_REUSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/provider.h"
#include "store/lib.h"

/* Host keys in a lease's metadata (the envctl* namespace is the host's;
 * a provider's keys there are dropped). */
#define LEASE_KEY_DESTROYED "envctlDestroyedAt" /* the sandbox was destroyed */
#define LEASE_KEY_RESUMING "envctlResuming"     /* acquire in flight, resuming this sandbox */
#define LEASE_KEY_HANDED "envctlResumedBy"      /* a later lease took the sandbox over */

typedef enum LeaseReuseKeyState {
	LEASE_REUSE_KEY_EQUAL,
	LEASE_REUSE_KEY_MISSING,        /* the lease's metadata has no such key */
	LEASE_REUSE_KEY_DIFFERENT,      /* present with another value */
	LEASE_REUSE_KEY_SECRET_DIFFERS, /* a secret field holding another secret id */
} LeaseReuseKeyState;

typedef struct LeaseReuseKey {
	char *key;
	LeaseReuseKeyState state;
	bool secret;
	char *want; /* compact JSON of the config's value; NULL for a secret field */
	char *have; /* the lease's value; NULL when missing or secret */
} LeaseReuseKey;

typedef struct LeaseReuseCandidate {
	StoreLease lease;  /* a copy of the row */
	bool eligible;     /* passes the status/sandbox/holder rules */
	bool matches;      /* eligible and its metadata matches the config */
	bool chosen;       /* the one the acquire resumes */
	char reason[256];  /* why not eligible or not matching; "" when it matches */
	LeaseReuseKey *keys;
	size_t key_count;
} LeaseReuseCandidate;

/* An active lease of the environment: which sandbox it holds or is about
 * to resume, for which run. */
typedef struct LeaseReuseHolder {
	const char *lease_id;
	const char *run_id;
	const char *sandbox; /* provider_lease_id, or the id it is resuming */
} LeaseReuseHolder;

typedef struct LeaseReuseReport {
	bool reuse_on;        /* reuse policy and a provider that resumes */
	char off_reason[256]; /* why reuse is off, when it is */
	LeaseReuseCandidate *items;
	size_t count, cap;
	long chosen;          /* index into items, or -1 */
} LeaseReuseReport;

void lease_reuse_report_init(LeaseReuseReport *r);
void lease_reuse_report_clear(LeaseReuseReport *r);

/* Evaluates one lease row (as the store hands it, most recently used
 * first) and appends it to the report; the first that matches becomes
 * chosen. secret_paths: JSON Pointers of the config's secret fields. */
bool lease_reuse_consider(LeaseReuseReport *r, Provider *p, const cJSON *stored_config,
			  char *const *secret_paths, const char *run_id, const StoreLease *row,
			  const LeaseReuseHolder *holders, size_t holder_count);

/* Human text (what `lease why` prints) and JSON (its --json). */
char *lease_reuse_report_text(const LeaseReuseReport *r, const char *env_name,
			      const char *run_id);
cJSON *lease_reuse_report_json(const LeaseReuseReport *r, const char *env_id,
			       const char *env_name, const char *run_id);
/* One line for a flash or a note: why no lease was resumed. */
void lease_reuse_summary(const LeaseReuseReport *r, char *buf, size_t size);

#endif
