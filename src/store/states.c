/* The to/from-text side of states.h: one array per table. */
#include "store/states.h"

#include <string.h>

#define STATES_TEXT(name, text) [name] = text,
#define STATES_DEFINE(Type, prefix, TABLE, COUNT, UNKNOWN)                   \
	static const char *const prefix##_texts[COUNT] = { TABLE(STATES_TEXT) }; \
	const char *prefix##_text(Type value)                                \
	{                                                                    \
		return (int)value >= 0 && (int)value < COUNT ? prefix##_texts[value] : ""; \
	}                                                                    \
	Type prefix##_of(const char *text)                                   \
	{                                                                    \
		for (int i = 0; text && i < COUNT; i++)                      \
			if (strcmp(text, prefix##_texts[i]) == 0)            \
				return (Type)i;                              \
		return UNKNOWN;                                              \
	}                                                                    \
	bool prefix##_is(const char *text, Type value)                       \
	{                                                                    \
		return value != UNKNOWN && prefix##_of(text) == value;       \
	}

STATES_DEFINE(LeaseStatus, lease_status, LEASE_STATUS_TABLE, LEASE_STATUS__COUNT,
	      LEASE_STATUS_UNKNOWN)
STATES_DEFINE(LeasePolicy, lease_policy, LEASE_POLICY_TABLE, LEASE_POLICY__COUNT,
	      LEASE_POLICY_UNKNOWN)
STATES_DEFINE(EnvStatus, env_status, ENV_STATUS_TABLE, ENV_STATUS__COUNT, ENV_STATUS_UNKNOWN)
STATES_DEFINE(SecretStatus, secret_status, SECRET_STATUS_TABLE, SECRET_STATUS__COUNT,
	      SECRET_STATUS_UNKNOWN)
STATES_DEFINE(CleanupStatus, cleanup_status, CLEANUP_STATUS_TABLE, CLEANUP_STATUS__COUNT,
	      CLEANUP_STATUS_UNKNOWN)
STATES_DEFINE(AccessOutcome, access_outcome, ACCESS_OUTCOME_TABLE, ACCESS_OUTCOME__COUNT,
	      ACCESS_OUTCOME_UNKNOWN)
