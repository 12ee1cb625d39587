/* envctl with the "flaky" test provider (flakyprov.h) registered, so the
 * e2e and crash-injection tests drive the real CLI through a provider
 * that fails on demand and keeps its sandboxes as files. */
#include <sodium.h>
#include <stdio.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "flakyprov.h"

static Status flaky_hook(App *app, Error *err)
{
	return flaky_register(&app->registry, err);
}

int main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };

	setrlimit(RLIMIT_CORE, &nocore);
	if (sodium_init() < 0)
		return 1;
	return cli_main_hooked(argc, argv, flaky_hook);
}
