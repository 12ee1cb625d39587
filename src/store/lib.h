/* store: SQLite tables and encrypted secrets behind an opaque handle.
 * No SQL and no sqlite3 type leave this layer: db.h, db_driver.h, pq.h,
 * opkey.h and private.h stay inside it. */
#ifndef ENVCTL_STORE_LIB_H
#define ENVCTL_STORE_LIB_H

#include "store/states.h"
#include "store/store.h"
#include "util/lib.h"

#endif
