/* envctl with one extra, test-only provider ("vault-test", see testprov.h)
 * registered before the command runs: the e2e tests drive the real CLI
 * through it to save configs with secret fields before plugins exist. */
#include <sodium.h>
#include <stdio.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "testprov.h"

static Status testprov_hook(App *app, Error *err)
{
	return testprov_register(&app->registry, err);
}

int main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };

	setrlimit(RLIMIT_CORE, &nocore);
	if (sodium_init() < 0)
		return 1;
	return cli_main_hooked(argc, argv, testprov_hook);
}
