/* The sandbox provider interface (DESIGN §6.3 lists its methods). A
 * provider is a key, metadata and a table of operations; the built-in fake
 * provider and every plugin-backed provider are just different tables, so
 * the core never branches on which kind it holds. */
#ifndef ENVCTL_CORE_PROVIDER_H
#define ENVCTL_CORE_PROVIDER_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "schema/lib.h"
#include "util/lib.h"

typedef enum ProviderSource {
	PROVIDER_BUILTIN,
	PROVIDER_PLUGIN,
} ProviderSource;

/* Capability flags, shown by `provider list` and used to refuse actions a
 * provider cannot do before calling it. */
enum {
	PROVIDER_CAP_EXECUTE = 1u << 0,
	PROVIDER_CAP_REALIZE_WORKSPACE = 1u << 1,
	PROVIDER_CAP_TEST_ONLY = 1u << 2, /* fake: probes and demos, never real work */
	/* Paperclip's supportsReusableLeases: without it a reuse config still
	 * acquires per run, never resuming another lease (P). */
	PROVIDER_CAP_REUSABLE_LEASES = 1u << 3,
	/* An interactive shell on a terminal (ProviderOps.shell); without it a
	 * provider that can execute gets the line-mode shell. */
	PROVIDER_CAP_SHELL = 1u << 4,
};

typedef struct Provider Provider;

typedef struct ValidateResult {
	bool ok;
	cJSON *errors;            /* array of strings, or NULL */
	cJSON *warnings;          /* array of strings, or NULL */
	cJSON *normalized_config; /* replaces the input when not NULL */
} ValidateResult;

typedef struct ProbeResult {
	bool ok;
	char *summary;
	cJSON *details; /* object: diagnostics, metadata, ... */
} ProbeResult;

/* What acquire/resume hand back. provider_lease_id NULL from resume means
 * the provider no longer has the lease. expires_at is ISO-8601 or NULL. */
typedef struct LeaseHandle {
	char *provider_lease_id;
	cJSON *metadata;
	char *expires_at;
} LeaseHandle;

typedef struct AcquireInput {
	const cJSON *config; /* runtime config: secrets resolved */
	const char *environment_id;
	const char *run_id; /* NULL for an operator's test lease */
	const char *issue_id;
	/* The host's lease id. A provider that names its sandbox after it
	 * can be asked to destroy it after a crash cut the acquire short,
	 * when only this id is known (lease_metadata.envctlLeaseId, with
	 * provider_lease_id NULL). */
	const char *lease_id;
} AcquireInput;

typedef struct LeaseInput {
	const cJSON *config;
	const char *environment_id;
	const char *issue_id; /* the lease's issue, or NULL */
	const char *provider_lease_id;
	const cJSON *lease_metadata;
	const char *expires_at; /* realize: the lease's expiry, or NULL */
	const char *status; /* release only: released | expired | failed */
} LeaseInput;

typedef struct ExecInput {
	const cJSON *config;
	const char *environment_id;
	const char *issue_id;
	const char *provider_lease_id;
	const cJSON *lease_metadata;
	const char *expires_at;
	const cJSON *env; /* object of strings (secret refs resolved), or NULL */
	const char *command;
	const char *const *args; /* NULL-terminated, may be NULL */
	const char *cwd;
	const char *stdin_data;
	long timeout_ms;
} ExecInput;

typedef struct ExecResult {
	int exit_code; /* -1 when none (signal, timeout) */
	char *signal;
	bool timed_out;
	char *out;
	char *err;
} ExecResult;

/* Every operation may be NULL: the core then refuses the action with a
 * clear "cannot" (acquire, resume, probe), skips it (validate), or treats
 * it as nothing to clean up (release, destroy). */
typedef struct ProviderOps {
	Status (*validate_config)(Provider *p, const cJSON *config, ValidateResult *out, Error *err);
	/* environment_id: the saved environment, NULL for a draft. */
	Status (*probe)(Provider *p, const cJSON *config, const char *environment_id,
			ProbeResult *out, Error *err);
	Status (*acquire_lease)(Provider *p, const AcquireInput *in, LeaseHandle *out, Error *err);
	Status (*resume_lease)(Provider *p, const LeaseInput *in, LeaseHandle *out, Error *err);
	Status (*release_lease)(Provider *p, const LeaseInput *in, Error *err);
	Status (*destroy_lease)(Provider *p, const LeaseInput *in, Error *err);
	/* NULL: the generic rule of DESIGN §4.1 applies. */
	bool (*matches_reusable_lease)(Provider *p, const cJSON *config,
				       const char *provider_lease_id, const cJSON *metadata);
	/* NULL: the generic "loose" rule applies. Returns a new config or NULL. */
	cJSON *(*config_from_lease_metadata)(Provider *p, const cJSON *metadata);
	/* Optional (NULL when unsupported). */
	Status (*realize_workspace)(Provider *p, const LeaseInput *in, const cJSON *workspace,
				    cJSON **out, Error *err);
	Status (*execute)(Provider *p, const ExecInput *in, ExecResult *out, Error *err);
	/* Starts an interactive shell in the lease (in's command, args, stdin
	 * and timeout unused) with tty, a pty slave, as its controlling
	 * terminal and TERM=term; *pid is the process that ends with it. */
	Status (*shell)(Provider *p, const ExecInput *in, int tty, const char *term, pid_t *pid,
			Error *err);
	/* Makes p->caps final before the first call (a plugin's worker is
	 * started so its initialize answer counts); NULL: caps are static. */
	Status (*load_capabilities)(Provider *p, Error *err);
	/* Health line for the providers view ("ready", "worker pid 123, 2 restarts"). */
	char *(*describe_status)(Provider *p);
	void (*free_impl)(Provider *p);
	/* probe runs in this process and returns without waiting on anything
	 * (no child, no socket, no sleep): `env probe --all` then calls it on
	 * its own thread, as a handoff to a worker thread costs more than
	 * the probe. */
	bool probe_inline;
} ProviderOps;

struct Provider {
	const ProviderOps *ops;
	char *key;
	char *display_name;
	char *description;
	ProviderSource source;
	unsigned caps;
	cJSON *config_schema; /* owned */
	char *origin;         /* where it came from: "builtin" or a plugin folder */
	void *impl;
	/* config_schema compiled on first use (provider_schema_validate): the
	 * schema check is most of a validation's cost, and every save,
	 * draft probe and `env validate` would redo it. The compiled form
	 * holds PCRE2 match data, so one validation at a time (mu): a TUI
	 * job may save while the console thread works. */
	SchemaCompiled *schema_compiled;
	bool schema_compile_tried; /* and failed: schema_validate reports why */
	pthread_mutex_t schema_mu;
	/* Whether configSchema has any secret-ref field: 0 not known yet, 1
	 * none (every config's secret paths are empty: listing or probing
	 * 10,000 environments skips 10,000 schema walks), -1 some. Set once,
	 * possibly by two threads at once with the same value. */
	_Atomic int secret_free;
};

Provider *provider_new(const ProviderOps *ops, const char *key, const char *display_name,
		       const char *description, ProviderSource source, unsigned caps,
		       cJSON *config_schema, const char *origin, void *impl);
void provider_free(Provider *p);
/* schema_validate(p->config_schema, config, ...) through the provider's
 * compiled schema (compiled once, on the first call). Same contract as
 * schema_validate: ST_OK when checked (look at out->count), an error
 * only for a broken schema. */
Status provider_schema_validate(Provider *p, const cJSON *config, SchemaIssues *out, Error *err);
const char *provider_source_name(ProviderSource s);

void validate_result_clear(ValidateResult *r);
void probe_result_clear(ProbeResult *r);
void lease_handle_clear(LeaseHandle *h);
void exec_result_clear(ExecResult *r);

/* Generic rules of DESIGN §4.1 (Matching), used for every provider without its own. */
bool provider_generic_matches(const cJSON *config, const char *provider_lease_id,
			      const cJSON *metadata);
cJSON *provider_generic_config_from_metadata(const cJSON *metadata);

/* Dispatch: the provider's own rule when it has one, else the generic one. */
bool provider_matches_reusable_lease(Provider *p, const cJSON *config,
				     const char *provider_lease_id, const cJSON *metadata);
cJSON *provider_config_from_lease_metadata(Provider *p, const cJSON *metadata);

/* p->caps once known (load_capabilities run when the provider has it).
 * On failure *caps holds what is known without the worker. */
Status provider_capabilities(Provider *p, unsigned *caps, Error *err);

#endif
