#include "util/status.h"

#include <stdio.h>
#include <string.h>

static const struct {
	int exit_code;
	const char *message;
} status_table[] = {
#define STATUS_ROW(name, code, msg) { code, msg },
	STATUS_TABLE(STATUS_ROW)
#undef STATUS_ROW
};

const char *status_message(Status s)
{
	return (s >= 0 && s < ST__COUNT) ? status_table[s].message : "unknown error";
}

int status_exit_code(Status s)
{
	return (s >= 0 && s < ST__COUNT) ? status_table[s].exit_code : 1;
}

void error_clear(Error *err)
{
	if (!err)
		return;
	err->status = ST_OK;
	err->msg[0] = '\0';
}

Status error_setv(Error *err, Status s, const char *fmt, va_list ap)
{
	if (err) {
		err->status = s;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return s;
}

Status error_set(Error *err, Status s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, s, fmt, ap);
	va_end(ap);
	return s;
}

Status error_prefix(Error *err, const char *fmt, ...)
{
	char prefix[256];
	char old[sizeof err->msg];
	va_list ap;

	if (!err)
		return ST_E_FAIL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s%s", prefix, old);
	return err->status;
}

const char *error_text(const Error *err)
{
	if (!err)
		return "";
	return err->msg[0] ? err->msg : status_message(err->status);
}
