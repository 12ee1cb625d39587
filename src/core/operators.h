/* Operator keys (issue #17), shared by the CLI and the console: who can
 * decrypt this database's secrets, admitting one, removing one (which
 * rotates the data key). Each change leaves an activity row naming the
 * operator by name and key fingerprint, never key material. */
#ifndef ENVCTL_CORE_OPERATORS_H
#define ENVCTL_CORE_OPERATORS_H

#include "core/app.h"

/* Creates this user's operator key file when missing (name NULL: the
 * login name); needs no database. */
Status operators_init(App *app, const char *name, StoreOperatorKeyInfo *out, Error *err);
/* The admitted operators; *me (may be NULL) gets which one this console
 * is (NULL when it opened with ENVCTL_MASTER_KEY). */
Status operators_list(App *app, StoreOperatorList *out, const char **me, Error *err);
/* Admits name with public_key: by an operator of this database, whose
 * console can unseal the data key. */
Status operators_add(App *app, const char *name, const char *public_key, Error *err);
/* Removes name and rotates the data key (every secret version
 * re-encrypted, the rest re-sealed), in one transaction. */
Status operators_remove(App *app, const char *name, long *reencrypted, Error *err);

#endif
