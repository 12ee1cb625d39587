/* Option parsing and careful input reading shared by the subcommands. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/lib.h"

static const CliOpt *cli_find_opt(const CliOpt *opts, const char *arg, size_t len)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, arg, len) == 0)
			return &opts[i];
	return NULL;
}

/* Is word one of the space-separated words in list? */
bool cli_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

static bool cli_list_push(CliList *l, const char *v)
{
	if (!array_reserve(&l->items, &l->cap, l->count, sizeof *l->items))
		return false;
	l->items[l->count++] = v;
	return true;
}

void cli_list_clear(CliList *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}

/* Edit distance, for a did-you-mean; options are short, so the two
 * rows live on the stack and longer words are simply not compared. */
size_t cli_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), prev[64], cur[64];

	if (na >= 64 || nb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (nb + 1) * sizeof *prev);
	}
	return prev[nb];
}

int cli_unknown_option(const CliCommand *cmd, const char *where, const CliOpt *opts,
		       const char *arg, size_t len)
{
	const char *best = NULL;
	size_t best_d = 3; /* at most two edits away, else no guess */

	for (size_t i = 0; opts && opts[i].name; i++) {
		size_t d = cli_distance(arg, len, opts[i].name);

		if (d < best_d) {
			best = opts[i].name;
			best_d = d;
		}
	}
	/* "--desc": an abbreviation is a guess too. */
	for (size_t i = 0; !best && len > 3 && opts && opts[i].name; i++)
		if (strncmp(opts[i].name, arg, len) == 0)
			best = opts[i].name;
	fprintf(stderr, "envctl: %s%sunknown option \"%.*s\"", where, where[0] ? ": " : "",
		(int)len, arg);
	if (best)
		fprintf(stderr, "; did you mean %s?", best);
	if (cmd)
		fprintf(stderr, "\nsee `envctl %s --help`\n", cmd->name);
	else
		fputs("\nsee `envctl --help`\n", stderr);
	return status_exit_code(ST_E_USAGE);
}

int cli_unknown_subcommand(const CliCommand *cmd, const char *word)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; cmd->subs[i].name; i++) {
		size_t d = cli_distance(word, strlen(word), cmd->subs[i].name);

		if (d < best_d) {
			best = cmd->subs[i].name;
			best_d = d;
		}
	}
	fprintf(stderr, "envctl: %s: unknown subcommand \"%s\"", cmd->name, word);
	if (best)
		fprintf(stderr, "; did you mean %s?", best);
	fputs(" (one of:", stderr);
	for (size_t i = 0; cmd->subs[i].name; i++)
		fprintf(stderr, " %s", cmd->subs[i].name);
	fprintf(stderr, ")\nsee `envctl %s --help`\n", cmd->name);
	return status_exit_code(ST_E_USAGE);
}

static const char *cli_scope_of(const CliOptScope *scopes, const char *name)
{
	for (size_t i = 0; scopes && scopes[i].name; i++)
		if (strcmp(scopes[i].name, name) == 0)
			return scopes[i].subs;
	return NULL;
}

int cli_parse(const CliCommand *cmd, const char *sub, int argc, char **argv, int start,
	      const CliOpt *opts, const char **pos, int max_pos, int *npos)
{
	return cli_parse_scoped(cmd, sub, argc, argv, start, opts, NULL, pos, max_pos, npos);
}

int cli_parse_scoped(const CliCommand *cmd, const char *sub, int argc, char **argv, int start,
		     const CliOpt *opts, const CliOptScope *scopes, const char **pos, int max_pos,
		     int *npos)
{
	bool only_pos = false;
	char where[64];

	/* "activity", or "env list": a group without subcommands has sub "". */
	snprintf(where, sizeof where, "%s%s%s", cmd->name, sub && sub[0] ? " " : "",
		 sub ? sub : "");
	*npos = 0;
	for (int i = start; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq, *value = NULL;
		const CliOpt *o;

		if (!only_pos && strcmp(arg, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (only_pos || arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (*npos >= max_pos)
				return cli_usage_error(cmd, "%s: unexpected \"%s\"", where, arg);
			pos[(*npos)++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		o = cli_find_opt(opts, arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (!o)
			return cli_unknown_option(cmd, where, opts, arg,
						  eq ? (size_t)(eq - arg) : strlen(arg));
		if (cli_scope_of(scopes, o->name) && !cli_word_in(cli_scope_of(scopes, o->name), sub))
			return cli_usage_error(cmd, "%s: %s does not apply here (only to %s %s)",
					       where, o->name, cmd->name, cli_scope_of(scopes, o->name));
		/* The table says which subcommands take an option: one the parser
		 * knows but the table does not give this subcommand is refused, so
		 * what --help shows is what is accepted. */
		if (!scopes && cli_doc_sub(cmd, sub) && !cli_doc_opt(cmd, sub, o->name)) {
			char only[256] = "";

			for (size_t k = 0; cmd->opts && cmd->opts[k].name; k++)
				if (strcmp(cmd->opts[k].name, o->name) == 0 && cmd->opts[k].subs)
					snprintf(only + strlen(only), sizeof only - strlen(only), "%s%s",
						 only[0] ? " " : "", cmd->opts[k].subs);
			if (only[0])
				return cli_usage_error(cmd, "%s: %s does not apply here (only to %s %s)",
						       where, o->name, cmd->name, only);
			return cli_unknown_option(cmd, where, opts, arg,
						  eq ? (size_t)(eq - arg) : strlen(arg));
		}
		if (o->kind == CLI_FLAG) {
			if (eq)
				return cli_usage_error(cmd, "%s: %s takes no value", where, o->name);
			*(bool *)o->target = true;
			continue;
		}
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return cli_usage_error(cmd, "%s: %s needs a value", where, o->name);
		if (o->kind == CLI_VALUE) {
			*(const char **)o->target = value;
		} else if (!cli_list_push(o->target, value)) {
			fputs("envctl: out of memory\n", stderr);
			return status_exit_code(ST_E_NOMEM);
		}
	}
	return 0;
}

void cli_secret_free(char *value, size_t len)
{
	if (!value)
		return;
	sodium_memzero(value, len);
	free(value);
}

/* Grows by copying and wiping, never realloc, so no stale copy of the
 * value is left in freed memory. */
static Status cli_read_all(const char *path, char **out, size_t *len_out, Error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 256, len = 0, n;
	char *buf;

	*out = NULL;
	*len_out = 0;
	if (!f)
		return error_set(err, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
				 "cannot read %s: %s", path, strerror(errno));
	buf = malloc(cap);
	if (!buf) {
		if (f != stdin)
			fclose(f);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	/* stdio buffers hold a copy too: read unbuffered. */
	setvbuf(f, NULL, _IONBF, 0);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *bigger = cap > 64 * 1024 * 1024 ? NULL : malloc(cap * 2);

			if (!bigger) {
				cli_secret_free(buf, cap);
				if (f != stdin)
					fclose(f);
				return error_set(err, ST_E_NOMEM, "%s is too large", path);
			}
			memcpy(bigger, buf, len);
			cli_secret_free(buf, cap);
			buf = bigger;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		cli_secret_free(buf, cap);
		if (f != stdin)
			fclose(f);
		return error_set(err, ST_E_IO, "cannot read %s", path);
	}
	if (f != stdin)
		fclose(f);
	buf[len] = '\0';
	*out = buf;
	*len_out = len;
	return ST_OK;
}

Status cli_read_secret(const char *path, char **value, size_t *len, Error *err)
{
	if (cli_read_all(path, value, len, err) != ST_OK)
		return err->status;
	if (*len > 0 && (*value)[*len - 1] == '\n') {
		(*value)[--*len] = '\0';
		if (*len > 0 && (*value)[*len - 1] == '\r')
			(*value)[--*len] = '\0';
	}
	if (*len == 0 || strlen(*value) != *len) {
		cli_secret_free(*value, *len + 1);
		*value = NULL;
		return error_set(err, ST_E_INVALID,
				 *len == 0 ? "the secret value from %s is empty"
					   : "the secret value from %s contains a NUL byte",
				 strcmp(path, "-") == 0 ? "stdin" : path);
	}
	return ST_OK;
}

cJSON *cli_read_json_secret(const char *path, Error *err)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *json;

	if (cli_read_all(path, &text, &len, err) != ST_OK)
		return NULL;
	json = json_parse_named(text, strcmp(path, "-") == 0 ? "stdin" : path, err);
	cli_secret_free(text, len);
	return json;
}
