/* store: SQLite tables and encrypted secrets behind an opaque handle.
 * No SQL and no sqlite3 type leave this layer. */
#ifndef ENVCTL_STORE_LIB_H
#define ENVCTL_STORE_LIB_H

#include "store/states.h"
#include "store/store.h"

#endif
