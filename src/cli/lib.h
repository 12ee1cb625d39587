/* cli: what the program's main (and a test harness's) calls. */
#ifndef ENVCTL_CLI_LIB_H
#define ENVCTL_CLI_LIB_H

#include "core/lib.h"

int cli_main(int argc, char **argv);
/* cli_main with a hook run once the App is set up (before the command):
 * a test harness registers extra providers there. */
typedef Status (*CliAppHook)(App *app, Error *err);
int cli_main_hooked(int argc, char **argv, CliAppHook hook);

#endif
