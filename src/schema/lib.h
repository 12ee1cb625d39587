/* schema: the JSON Schema subset of SPEC §4 (form model, validation,
 * defaults, coercion, secret discovery, lint). Depends only on util/. */
#ifndef ENVCTL_SCHEMA_LIB_H
#define ENVCTL_SCHEMA_LIB_H

#include "schema/schema.h"

#endif
