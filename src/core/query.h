/* The console's reads: what each screen shows, fetched in one place so
 * that a front end never calls the store itself (DESIGN §Layers). */
#ifndef ENVCTL_CORE_QUERY_H
#define ENVCTL_CORE_QUERY_H

#include "core/app.h"

#endif
