#include <sodium.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/lib.h"

int main(int argc, char **argv)
{
	/* Secrets pass through this process's memory: never let a crash write
	 * them to a core file. */
	struct rlimit nocore = { 0, 0 };

	setrlimit(RLIMIT_CORE, &nocore);
	/* Nor let a plugin worker running as the same user read this process
	 * through /proc/PID/mem or ptrace it (the master key is in here). */
	prctl(PR_SET_DUMPABLE, 0);
	if (sodium_init() < 0) {
		fputs("envctl: libsodium failed to initialise\n", stderr);
		return 1;
	}
	return cli_main(argc, argv);
}
