/* schema: the JSON Schema subset of DESIGN §Schema-driven configs (form
 * model, validation, defaults, coercion, secret discovery, lint). Depends
 * only on util/. Its internals are in schema/private.h. */
#ifndef ENVCTL_SCHEMA_LIB_H
#define ENVCTL_SCHEMA_LIB_H

#include "schema/schema.h"

#endif
