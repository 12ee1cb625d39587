/* Probe actions: one saved environment, a draft config from an unsaved
 * form, or every active environment in parallel. Each result is stored
 * (environment.probed in the activity) and secrets never appear in it. */
#ifndef ENVCTL_CORE_PROBE_H
#define ENVCTL_CORE_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "store/lib.h"

#define PROBE_DEFAULT_PARALLEL 16

/* The line to show for a probe result: its summary, followed by the first
 * diagnostic or error detail the provider gave ("Docker daemon probe
 * failed. (cause: docker info failed: ...)"), on one line without control
 * characters. Caller frees; NULL only when memory ran out. */
char *probe_headline(const char *summary, const cJSON *details);

Status probe_environment(App *app, const char *env_ref, const char *actor, StoreProbe *out,
			 Error *err);

/* Probes an unsaved config (secret fields hold plaintext typed into the
 * form, or ids of existing secrets). Only the probe row is persisted,
 * with environment_id NULL and secret values redacted. */
Status probe_draft(App *app, const char *provider_key, const cJSON *config, const char *actor,
		   StoreProbe *out, Error *err);

typedef struct ProbeAllItem {
	char env_id[UUID_STR_LEN];
	char *env_name;
	bool ok;
	char *summary; /* or the error */
	long long duration_ms;
	char *headline; /* summary and cause, to show (probe_headline) */
} ProbeAllItem;

typedef struct ProbeAllReport {
	ProbeAllItem *items; /* in completion order */
	size_t count;
	size_t total;
	size_t ok;
	long long elapsed_ms;
	bool cancelled;
} ProbeAllReport;

/* Called on the caller's thread after each environment finishes, with the
 * report so far (items[count-1] is the new one). Return false to stop
 * starting new probes (running ones finish and are reported). */
typedef bool (*ProbeProgressFn)(const ProbeAllReport *so_far, void *ud);

/* At most parallel probes at once on a worker pool; when every provider
 * involved probes in-process without blocking (ProviderOps.probe_inline,
 * the fake), one at a time on the caller's thread instead, in name order,
 * with the same rows, records and report. */
Status probe_all(App *app, size_t parallel, const char *actor, ProbeProgressFn progress,
		 void *ud, ProbeAllReport *out, Error *err);
void probe_all_report_clear(ProbeAllReport *r);

#endif
