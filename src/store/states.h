/* The states an entity's status column can hold, one X-macro table per
 * type (as util/status.h gives error codes theirs): the text is what the
 * database stores, JSON shows and the CLI accepts. Code compares the
 * enums; a status's text is written here and in SQL, nowhere else. */
#ifndef ENVCTL_STORE_STATES_H
#define ENVCTL_STORE_STATES_H

#include <stdbool.h>

/*  enum              text */
#define LEASE_STATUS_TABLE(X)                 \
	X(LEASE_ACTIVE,   "active")           \
	X(LEASE_RELEASED, "released")         \
	X(LEASE_EXPIRED,  "expired")          \
	X(LEASE_FAILED,   "failed")           \
	X(LEASE_RETAINED, "retained")

#define LEASE_POLICY_TABLE(X)                         \
	X(POLICY_EPHEMERAL, "ephemeral")              \
	X(POLICY_REUSE,     "reuse_by_environment")   \
	X(POLICY_RETAIN,    "retain_on_failure")

#define ENV_STATUS_TABLE(X)                   \
	X(ENV_ACTIVE,   "active")             \
	X(ENV_ARCHIVED, "archived")

/* A deleted secret keeps its row (its versions are destroyed); only
 * active and disabled are statuses an operator sets. */
#define SECRET_STATUS_TABLE(X)                \
	X(SECRET_ACTIVE,   "active")          \
	X(SECRET_DISABLED, "disabled")        \
	X(SECRET_DELETED,  "deleted")

/* A lease's cleanup after release or destroy. */
#define CLEANUP_STATUS_TABLE(X)               \
	X(CLEANUP_PENDING, "pending")         \
	X(CLEANUP_SUCCESS, "success")         \
	X(CLEANUP_FAILED,  "failed")

/* The outcome a secret access event records. */
#define ACCESS_OUTCOME_TABLE(X)               \
	X(ACCESS_SUCCESS, "success")          \
	X(ACCESS_FAILURE, "failure")

#define STATES_ENUM(name, text) name,
/* Each type's _UNKNOWN is what text outside its table (or NULL) reads as. */
#define STATES_TYPE(Type, UPPER, TABLE) \
	typedef enum Type { UPPER##_UNKNOWN = -1, TABLE(STATES_ENUM) UPPER##__COUNT } Type;
STATES_TYPE(LeaseStatus, LEASE_STATUS, LEASE_STATUS_TABLE)
STATES_TYPE(LeasePolicy, LEASE_POLICY, LEASE_POLICY_TABLE)
STATES_TYPE(EnvStatus, ENV_STATUS, ENV_STATUS_TABLE)
STATES_TYPE(SecretStatus, SECRET_STATUS, SECRET_STATUS_TABLE)
STATES_TYPE(CleanupStatus, CLEANUP_STATUS, CLEANUP_STATUS_TABLE)
STATES_TYPE(AccessOutcome, ACCESS_OUTCOME, ACCESS_OUTCOME_TABLE)
#undef STATES_TYPE
#undef STATES_ENUM

/* type_text(value): the stored text; "" for _UNKNOWN.
 * type_of(text): the value; _UNKNOWN for NULL or text outside the table.
 * type_is(text, value): text reads as value (false for NULL). */
#define STATES_DECLARE(Type, prefix)                             \
	const char *prefix##_text(Type value);                   \
	Type prefix##_of(const char *text);                      \
	bool prefix##_is(const char *text, Type value);
STATES_DECLARE(LeaseStatus, lease_status)
STATES_DECLARE(LeasePolicy, lease_policy)
STATES_DECLARE(EnvStatus, env_status)
STATES_DECLARE(SecretStatus, secret_status)
STATES_DECLARE(CleanupStatus, cleanup_status)
STATES_DECLARE(AccessOutcome, access_outcome)
#undef STATES_DECLARE

#endif
