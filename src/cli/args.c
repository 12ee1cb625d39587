#include "cli/args.h"

#include <stdlib.h>
#include <string.h>

static bool cli_args_push(const char ***many, const char *v)
{
	size_t n = 0;
	const char **grown;

	while (*many && (*many)[n])
		n++;
	grown = realloc(*many, (n + 2) * sizeof *grown);
	if (!grown)
		return false;
	grown[n] = v;
	grown[n + 1] = NULL;
	*many = grown;
	return true;
}

bool cli_args_parse(const CliCommand *cmd, int argc, char **argv, int first, const CliOpt *opts,
		    CliArgs *out, int max_pos, int *rc)
{
	memset(out, 0, sizeof *out);
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		const CliOpt *o = NULL;
		const char *eq, *v = NULL;
		size_t nlen;

		if (strcmp(a, "--") == 0) {
			out->rest = argv + i + 1;
			out->nrest = argc - i - 1;
			return true;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (out->npos >= max_pos || out->npos >= (int)(sizeof out->pos / sizeof out->pos[0])) {
				*rc = cli_usage_error(cmd, "%s: unexpected argument \"%s\"", cmd->name, a);
				return false;
			}
			out->pos[out->npos++] = a;
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		eq = strchr(a, '=');
		nlen = eq ? (size_t)(eq - a) : strlen(a);
		for (const CliOpt *p = opts; p && p->name; p++)
			if (strlen(p->name) == nlen && strncmp(p->name, a, nlen) == 0)
				o = p;
		if (!o) {
			*rc = cli_usage_error(cmd, "%s: unknown option \"%s\"", cmd->name, argv[i]);
			return false;
		}
		if (o->flag) {
			if (eq) {
				*rc = cli_usage_error(cmd, "%s: option --%s takes no value", cmd->name,
						      o->name);
				return false;
			}
			*o->flag = true;
			continue;
		}
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else {
			*rc = cli_usage_error(cmd, "%s: option --%s needs a value", cmd->name, o->name);
			return false;
		}
		if (o->many) {
			if (!cli_args_push(o->many, v)) {
				*rc = cli_usage_error(cmd, "out of memory");
				return false;
			}
		} else {
			*o->value = v;
		}
	}
	return true;
}
