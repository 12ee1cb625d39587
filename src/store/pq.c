/* Binds PqApi to libpq.so.5 at run time (see pq.h for why). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "store/pq.h"

#define PQ_SONAME "libpq.so.5"

bool pq_load(PqApi *api, char *msg, size_t n)
{
	const char *missing = NULL;

	memset(api, 0, sizeof *api);
	api->handle = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) {
		const char *why = dlerror();

		snprintf(msg, n,
			 "team mode needs libpq: cannot load %s (%s); install the Debian "
			 "package libpq5",
			 PQ_SONAME, why ? why : "not found");
		return false;
	}
	/* The POSIX way to turn a symbol into a function pointer: copy the
	 * object pointer's bytes (ISO C has no cast between the two). */
#define PQ_BIND(f)                                                        \
	{                                                                 \
		void *sym = dlsym(api->handle, #f);                       \
		if (sym)                                                  \
			memcpy(&api->f, &sym, sizeof sym);                \
		else if (!missing)                                        \
			missing = #f;                                     \
	}
	PQ_FUNCS(PQ_BIND)
#undef PQ_BIND
	if (missing) {
		snprintf(msg, n, "team mode needs libpq 14 or later: %s has no %s; upgrade the "
				 "Debian package libpq5", PQ_SONAME, missing);
		pq_unload(api);
		return false;
	}
	return true;
}

void pq_unload(PqApi *api)
{
	if (api->handle)
		dlclose(api->handle);
	memset(api, 0, sizeof *api);
}
