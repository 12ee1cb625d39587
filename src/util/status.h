/* Status codes: one X-macro table gives each code its exit status and its
 * operator-facing meaning, so the CLI, the TUI flash line and the tests all
 * agree (tig's approach). */
#ifndef ENVCTL_UTIL_STATUS_H
#define ENVCTL_UTIL_STATUS_H

#include <stdarg.h>
#include <stddef.h>

/*  name            exit  meaning */
#define STATUS_TABLE(X)                                                     \
	X(OK,             0, "ok")                                          \
	X(E_FAIL,         1, "failed")                                      \
	X(E_USAGE,        2, "usage error")                                 \
	X(E_NOT_FOUND,    3, "not found")                                   \
	X(E_INVALID,      4, "invalid input")                               \
	X(E_CONFLICT,     5, "conflict")                                    \
	X(E_PROVIDER,     6, "provider error")                              \
	X(E_STORE,        7, "database error")                              \
	X(E_CRYPTO,       8, "secret store error")                          \
	X(E_TIMEOUT,      9, "timed out")                                   \
	X(E_UNSUPPORTED, 10, "not supported")                               \
	X(E_IO,          11, "I/O error")                                   \
	X(E_NOMEM,       12, "out of memory")                               \
	X(E_BUSY,        13, "busy")

typedef enum Status {
#define STATUS_ENUM(name, code, msg) ST_##name,
	STATUS_TABLE(STATUS_ENUM)
#undef STATUS_ENUM
	ST__COUNT
} Status;

/* An error carries its status and one sentence for the operator: what went
 * wrong, naming the thing, and where possible the fix. It never holds a
 * secret's plaintext. */
typedef struct Error {
	Status status;
	char msg[1024];
} Error;

const char *status_message(Status s);
int status_exit_code(Status s);

void error_clear(Error *err);
/* Sets err (when not NULL) and returns s, so callers can `return error_set(...)`. */
Status error_set(Error *err, Status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
Status error_setv(Error *err, Status s, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Prepends context ("plugin bwrap: ") to an existing message. */
Status error_prefix(Error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The message if set, else the status meaning. */
const char *error_text(const Error *err);

#endif
