#include "core/private.h"

#include <string.h>

#include "util/lib.h"

const char *lease_rules_policy(const cJSON *config, const char *run_id)
{
	return lease_policy_text(json_is_true(config, "reuseLease") && run_id && run_id[0]
					 ? POLICY_REUSE
					 : POLICY_EPHEMERAL);
}

long lease_rules_find_reusable(Provider *p, const cJSON *config, const LeaseCandidate *cands,
			       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!lease_policy_is(cands[i].lease_policy, POLICY_REUSE))
			continue;
		if (provider_matches_reusable_lease(p, config, cands[i].provider_lease_id,
						    cands[i].metadata))
			return (long)i;
	}
	return -1;
}

Status lease_rules_acquire(Provider *p, const AcquireInput *in, const char *reusable_id,
			   const cJSON *reusable_metadata, LeaseHandle *out, bool *resumed,
			   Error *resume_error, Error *err)
{
	*resumed = false;
	memset(out, 0, sizeof *out);
	if (!p->ops->acquire_lease)
		return error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" cannot acquire leases",
				 p->key);
	if (lease_policy_is(lease_rules_policy(in->config, in->run_id), POLICY_REUSE) &&
	    reusable_id && reusable_id[0] && p->ops->resume_lease) {
		LeaseInput rin = {
			.config = in->config,
			.environment_id = in->environment_id,
			.issue_id = in->issue_id,
			.provider_lease_id = reusable_id,
			.lease_metadata = reusable_metadata,
		};
		Error rerr;
		Status st;

		error_clear(&rerr);
		st = p->ops->resume_lease(p, &rin, out, &rerr);
		if (st == ST_OK && out->provider_lease_id && out->provider_lease_id[0]) {
			*resumed = true;
			return ST_OK;
		}
		lease_handle_clear(out);
		/* A provider that cannot resume simply gets a fresh lease. */
		if (st != ST_OK && st != ST_E_UNSUPPORTED && resume_error)
			*resume_error = rerr;
	}
	return p->ops->acquire_lease(p, in, out, err);
}

bool lease_rules_release_status_valid(const char *status)
{
	LeaseStatus s = lease_status_of(status);

	return s == LEASE_RELEASED || s == LEASE_EXPIRED || s == LEASE_FAILED;
}

const char *lease_rules_final_status(const char *policy, const char *requested)
{
	if (lease_policy_is(policy, POLICY_RETAIN) && lease_status_is(requested, LEASE_FAILED))
		return lease_status_text(LEASE_RETAINED);
	return requested;
}

bool lease_rules_sets_released_at(const char *final_status)
{
	return !lease_status_is(final_status, LEASE_RETAINED);
}
