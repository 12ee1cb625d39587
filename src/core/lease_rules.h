/* The lease rules of DESIGN §4 that need no database: which policy a new
 * lease gets, which earlier lease to resume, the resume-then-acquire
 * fallback, and what a release turns a lease into. The lease actions
 * (core/lease.c) apply them around the store. */
#ifndef ENVCTL_CORE_LEASE_RULES_H
#define ENVCTL_CORE_LEASE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/provider.h"

/* A lease considered for reuse, most recently used first. */
typedef struct LeaseCandidate {
	const char *provider_lease_id;
	const cJSON *metadata;
	const char *lease_policy;
} LeaseCandidate;

/* reuse_by_environment when config.reuseLease and a run id exist, else
 * ephemeral (an operator's test lease never resumes another). */
const char *lease_rules_policy(const cJSON *config, const char *run_id);

/* Index of the first reusable candidate (policy reuse_by_environment and a
 * provider match), or -1. */
long lease_rules_find_reusable(Provider *p, const cJSON *config, const LeaseCandidate *cands,
			       size_t n);

/* Acquire with reuse: when the policy is reuse and a reusable id is given,
 * resume it; when resume reports the lease gone or fails, acquire fresh.
 * *resumed tells which happened; resume_error (may be NULL) receives the
 * resume failure that was recovered from, so it can be shown. */
Status lease_rules_acquire(Provider *p, const AcquireInput *in, const char *reusable_id,
			   const cJSON *reusable_metadata, LeaseHandle *out, bool *resumed,
			   Error *resume_error, Error *err);

/* released | expired | failed are the statuses an operator may ask for. */
bool lease_rules_release_status_valid(const char *status);
/* failed on a retain_on_failure lease becomes retained. */
const char *lease_rules_final_status(const char *policy, const char *requested);
/* released_at is set for every final status except retained. */
bool lease_rules_sets_released_at(const char *final_status);

#endif
