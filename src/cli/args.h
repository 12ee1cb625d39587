/* A small option parser shared by the subcommands: long options with or
 * without a value (--x V or --x=V), repeated options, positionals, and
 * "--" ending the options. */
#ifndef ENVCTL_CLI_ARGS_H
#define ENVCTL_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

typedef struct CliOpt {
	const char *name;    /* without the dashes */
	const char **value;  /* set for an option with a value (last wins) */
	bool *flag;          /* set for a flag */
	const char ***many;  /* repeated option: NULL-terminated, caller frees the array */
} CliOpt;

typedef struct CliArgs {
	const char *pos[8];
	int npos;
	char **rest;  /* after "--" (points into argv), NULL if none */
	int nrest;
} CliArgs;

/* Parses argv[first..argc). Returns true, or prints a usage error for cmd
 * and sets *rc to the exit code. */
bool cli_args_parse(const CliCommand *cmd, int argc, char **argv, int first, const CliOpt *opts,
		    CliArgs *out, int max_pos, int *rc);

#endif
