/* util: the bottom layer. No curses, no SQL, no providers. */
#ifndef ENVCTL_UTIL_LIB_H
#define ENVCTL_UTIL_LIB_H

#include "util/array.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/jsonptr.h"
#include "util/redact.h"
#include "util/status.h"
#include "util/term.h"

#endif
