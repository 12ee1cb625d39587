/* Secret actions shared by the CLI and the TUI: each checks read-only
 * mode, runs in one transaction and leaves an activity row (names, never
 * values). Listing changes nothing. Verifying changes nothing either, but
 * is audited (an access event and a secret.verified activity row) and
 * refused after repeated wrong values (store_secret_verify). */
#ifndef ENVCTL_CORE_SECRETS_H
#define ENVCTL_CORE_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"

/* out (may be NULL) receives the new secret's row. */
Status secrets_create(App *app, const char *name, const char *description,
		      const unsigned char *value, size_t len, StoreSecret *out, Error *err);
Status secrets_rotate(App *app, const char *id_or_name, const unsigned char *value, size_t len,
		      long *new_version, Error *err);
/* *match: does value equal the current version (keyed fingerprint)? */
Status secrets_verify(App *app, const char *id_or_name, const unsigned char *value, size_t len,
		      bool *match, long *current_version, Error *err);
/* "active" or "disabled". */
Status secrets_set_status(App *app, const char *id_or_name, const char *status, Error *err);
/* Refused while bound unless force, which also takes the field out of each
 * environment that used it (recorded as environment.updated). */
Status secrets_delete(App *app, const char *id_or_name, bool force, Error *err);
Status secrets_list(App *app, bool include_deleted, StoreSecretList *out, Error *err);
Status secrets_get(App *app, const char *id_or_name, StoreSecret *out, Error *err);

#endif
