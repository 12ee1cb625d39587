/* Everything the CLI says about itself, printed from its own table
 * (CliCommand.subs and .opts): --help, usage errors, the man page's
 * COMMANDS section, the README's command reference and the completion
 * word lists. One table, so they cannot disagree (#20). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/lib.h"

#define DOC_WIDTH 79

/* `envctl help`, which cli.c handles before any command. */
static const char doc_help_synopsis[] = "help [COMMAND [SUBCOMMAND]]";

const char cli_exit_codes[] =
	"0 ok, 1 failed, 2 usage, 3 not found, 4 invalid input, 5 conflict, "
	"6 provider error, 7 database error, 8 secret store error, 9 timed out, "
	"10 not supported, 11 I/O error, 12 out of memory, 13 busy";

const CliSubDoc *cli_doc_sub(const CliCommand *cmd, const char *sub)
{
	for (size_t i = 0; cmd && cmd->subs && cmd->subs[i].name; i++)
		if (strcmp(cmd->subs[i].name, sub ? sub : "") == 0)
			return &cmd->subs[i];
	return NULL;
}

static bool doc_applies(const CliOptDoc *o, const char *sub)
{
	return !o->subs || !sub || cli_word_in(o->subs, sub);
}

const CliOptDoc *cli_doc_opt(const CliCommand *cmd, const char *sub, const char *name)
{
	for (size_t i = 0; cmd && cmd->opts && cmd->opts[i].name; i++)
		if (strcmp(cmd->opts[i].name, name) == 0 && doc_applies(&cmd->opts[i], sub))
			return &cmd->opts[i];
	return NULL;
}

/* Does args already name the option ("NAME --provider KEY")? */
static bool doc_names(const char *args, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = args ? strstr(args, opt) : NULL; p; p = strstr(p + 1, opt))
		if ((p == args || !isalnum((unsigned char)p[-1])) &&
		    !(isalnum((unsigned char)p[n]) || p[n] == '-'))
			return true;
	return false;
}

static void doc_opt_synopsis(Buf *b, const CliOptDoc *o)
{
	buf_printf(b, "[%s%s%s]%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "",
		   o->multi ? "..." : "");
}

/* "env create NAME --provider KEY [--description T] ...", without "envctl ". */
static void doc_synopsis(Buf *b, const CliCommand *cmd, const CliSubDoc *s)
{
	const char *args = s->args ? s->args : "", *mark = strstr(args, "%o");
	Buf opts = BUF_INIT;

	for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
		const CliOptDoc *o = &cmd->opts[i];

		if (!doc_applies(o, s->name))
			continue;
		if (doc_names(args, o->name))
			continue;
		if (opts.len)
			buf_putc(&opts, ' ');
		doc_opt_synopsis(&opts, o);
	}
	buf_printf(b, "%s%s%s", cmd->name, s->name[0] ? " " : "", s->name);
	if (mark) {
		buf_printf(b, " %.*s%s%s", (int)(mark - args), args, opts.len ? opts.data : "",
			   mark + 2);
	} else {
		if (args[0])
			buf_printf(b, " %s", args);
		if (opts.len)
			buf_printf(b, " %s", opts.data);
	}
	/* "%o" with no options leaves a double space. */
	for (char *p; b->data && (p = strstr(b->data, "  "));) {
		memmove(p, p + 1, strlen(p + 1) + 1);
		b->len--;
	}
	buf_clear(&opts);
}

/* Prints words wrapped at DOC_WIDTH: the first line after lead, later ones
 * after indent spaces. A bracketed group is one word. */
static void doc_wrap_synopsis(FILE *out, const char *lead, const char *text, size_t indent)
{
	size_t col = strlen(lead);
	const char *p = text;
	bool first = true;

	fputs(lead, out);
	while (*p) {
		const char *w = p;
		int depth = 0;

		while (*p && (depth > 0 || *p != ' ')) {
			depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
			p++;
		}
		if (!first && col + 1 + (size_t)(p - w) > DOC_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)(p - w), w);
		col += (size_t)(p - w);
		first = false;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/* Paragraphs ("\n"-separated) reflowed at DOC_WIDTH after indent spaces,
 * a blank line between them. */
static void doc_wrap_text(FILE *out, const char *text, size_t indent)
{
	const char *p = text;

	while (*p) {
		const char *end = strchr(p, '\n');
		size_t col = 0;

		if (!end)
			end = p + strlen(p);
		while (p < end) {
			size_t n = strcspn(p, " \n");

			if (p + n > end)
				n = (size_t)(end - p);
			if (col && col + 1 + n > DOC_WIDTH) {
				fputc('\n', out);
				col = 0;
			}
			if (!col) {
				fprintf(out, "%*s", (int)indent, "");
				col = indent;
			} else {
				fputc(' ', out);
				col++;
			}
			fprintf(out, "%.*s", (int)n, p);
			col += n;
			p += n;
			while (p < end && *p == ' ')
				p++;
		}
		fputc('\n', out);
		if (*end)
			end++;
		if (*end)
			fputc('\n', out);
		p = end;
	}
}

/* text after a head padded to indent, wrapped at DOC_WIDTH with a
 * hanging indent: "  --limit N              at most N rows ...". */
static void doc_wrap_hanging(FILE *out, const char *head, const char *text, size_t indent)
{
	size_t col;
	const char *p = text;

	if (strlen(head) + 2 >= indent)
		fprintf(out, "  %s\n%*s", head, (int)indent, "");
	else
		fprintf(out, "  %-*s", (int)(indent - 2), head);
	col = indent;
	while (*p) {
		size_t n = strcspn(p, " ");

		if (col > indent && col + 1 + n > DOC_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)n, p);
		col += n;
		p += n;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

void cli_doc_option_line(FILE *out, const CliOptDoc *o, const char *scope)
{
	Buf head = BUF_INIT, line = BUF_INIT;

	buf_printf(&head, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	buf_puts(&line, o->help);
	if (o->values && o->values[0] != '@') {
		buf_puts(&line, ", one of: ");
		for (const char *v = o->values; *v; v++)
			buf_puts(&line, *v == ' ' ? ", " : (char[]){ *v, 0 });
	}
	if (o->multi)
		buf_puts(&line, "; repeatable");
	if (o->def && strcmp(o->def, "required") == 0)
		buf_puts(&line, " (required)");
	else if (o->def)
		buf_printf(&line, " (default: %s)", o->def);
	if (scope)
		buf_printf(&line, " [%s]", scope);
	doc_wrap_hanging(out, head.data ? head.data : "", line.data ? line.data : "", 25);
	buf_clear(&head);
	buf_clear(&line);
}

void cli_doc_wrap(FILE *out, const char *text)
{
	doc_wrap_text(out, text, 0);
}

/* A summary as a sentence: capitalised, with its full stop. */
static char *doc_sentence(const char *summary)
{
	Buf b = BUF_INIT;

	if (!buf_printf(&b, "%s.", summary ? summary : ""))
		return NULL;
	b.data[0] = (char)toupper((unsigned char)b.data[0]);
	return buf_take(&b);
}

static void doc_usage_line(FILE *out, const CliCommand *cmd, const CliSubDoc *s, bool first)
{
	Buf b = BUF_INIT;
	const char *lead = first ? "usage: envctl " : "       envctl ";
	size_t indent = strlen("usage: envctl ") + strlen(cmd->name) + 1 +
			(s->name[0] ? strlen(s->name) + 1 : 0);

	doc_synopsis(&b, cmd, s);
	doc_wrap_synopsis(out, lead, b.data ? b.data : cmd->name, indent);
	buf_clear(&b);
}

void cli_help_usage_lines(FILE *out, const CliCommand *cmd, const char *sub)
{
	const CliSubDoc *s = cli_doc_sub(cmd, sub);

	if (s) {
		doc_usage_line(out, cmd, s, true);
		return;
	}
	for (size_t i = 0; cmd->subs[i].name; i++)
		doc_usage_line(out, cmd, &cmd->subs[i], i == 0);
}

static void doc_option_lines(FILE *out, const CliCommand *cmd, const char *sub)
{
	bool any = false;

	for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
		const CliOptDoc *o = &cmd->opts[i];

		if (sub && !doc_applies(o, sub))
			continue;
		if (!any)
			fputs("\nOptions:\n", out);
		any = true;
		cli_doc_option_line(out, o, !sub && o->subs && cmd->subs[1].name ? o->subs : NULL);
	}
}

static void doc_examples(FILE *out, const CliCommand *cmd, const CliSubDoc *only)
{
	bool any = false;

	for (size_t i = 0; cmd->subs[i].name; i++) {
		const CliSubDoc *s = &cmd->subs[i];
		const char *p = s->examples;

		if ((only && s != only) || !p)
			continue;
		if (!any)
			fputs("\nExamples:\n", out);
		any = true;
		while (*p) {
			size_t n = strcspn(p, "\n");

			fprintf(out, "  %.*s\n", (int)n, p);
			p += n;
			p += *p == '\n';
		}
	}
}

static void doc_exit_codes(FILE *out, const char *exits)
{
	fputc('\n', out);
	doc_wrap_text(out, exits, 0);
}

void cli_help_print(FILE *out, const CliCommand *cmd, const char *sub)
{
	const CliSubDoc *s = cli_doc_sub(cmd, sub);
	Buf b = BUF_INIT;
	char *sentence;
	size_t width = 9;

	/* A command without subcommands is its one "" entry. */
	if (!s && !cmd->subs[1].name && !cmd->subs[0].name[0])
		s = &cmd->subs[0];
	if (s) {
		sentence = doc_sentence(s->summary);
		doc_usage_line(out, cmd, s, true);
		fputc('\n', out);
		doc_wrap_text(out, sentence ? sentence : s->summary, 0);
		free(sentence);
		if (s->text) {
			fputc('\n', out);
			doc_wrap_text(out, s->text, 0);
		}
		doc_option_lines(out, cmd, s->name);
		if (!cmd->subs[1].name && cmd->notes) {
			fputc('\n', out);
			doc_wrap_text(out, cmd->notes, 0);
		}
		doc_examples(out, cmd, s);
		buf_printf(&b, "Exit codes: %s.", s->exits ? s->exits : cmd->exits ? cmd->exits : cli_exit_codes);
		doc_exit_codes(out, b.data ? b.data : "");
		if (cmd->subs[1].name)
			fprintf(out, "\n`envctl %s --help` lists every subcommand.\n", cmd->name);
		buf_clear(&b);
		return;
	}
	cli_help_usage_lines(out, cmd, NULL);
	sentence = doc_sentence(cmd->summary);
	fputc('\n', out);
	doc_wrap_text(out, sentence ? sentence : cmd->summary, 0);
	free(sentence);
	fputs("\nSubcommands:\n", out);
	for (size_t i = 0; cmd->subs[i].name; i++)
		width = strlen(cmd->subs[i].name) > width ? strlen(cmd->subs[i].name) : width;
	for (size_t i = 0; cmd->subs[i].name; i++)
		fprintf(out, "  %-*s %s\n", (int)width, cmd->subs[i].name, cmd->subs[i].summary);
	doc_option_lines(out, cmd, NULL);
	if (cmd->notes) {
		fputc('\n', out);
		doc_wrap_text(out, cmd->notes, 0);
	}
	doc_examples(out, cmd, NULL);
	buf_printf(&b, "Exit codes: %s.", cmd->exits ? cmd->exits : cli_exit_codes);
	doc_exit_codes(out, b.data ? b.data : "");
	fprintf(out, "\n`envctl %s SUBCOMMAND --help` shows one subcommand.\n", cmd->name);
	buf_clear(&b);
}

/* ------------------------------------------------------------ roff */

/* Plain text for roff: a '-' that starts a word or follows one is a minus
 * (option names), "\" is escaped, a line may not start with '.' or '\''. */
static void doc_roff_text(FILE *out, const char *text)
{
	bool bol = true, in_opt = false;

	for (const char *p = text; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		bol = false;
		/* Every '-' of an option name ("--config-file") is a minus. */
		if (*p == '-' && (p == text || strchr(" (`\"[", p[-1])))
			in_opt = true;
		else if (!(isalnum((unsigned char)*p) || *p == '-'))
			in_opt = false;
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-' && in_opt)
			fputs("\\-", out);
		else if (*p == '\n') {
			fputs("\n.sp\n", out);
			bol = true;
		} else
			fputc(*p, out);
	}
}

/* A synopsis in the man page's fonts: metavariables (NAME, ID) italic,
 * literal words bold, brackets, bars and dots roman. */
static void doc_roff_synopsis(FILE *out, const char *syn)
{
	char font = 'B';
	const char *p = syn;

	fputs(".B ", out);
	while (*p) {
		size_t n = strcspn(p, " []|=.");
		char want;

		if (!n) {
			if (strncmp(p, "...", 3) == 0) {
				fputs(font == 'R' ? "..." : "\\fR...", out);
				font = 'R';
				p += 3;
				continue;
			}
			if (*p != ' ' && font != 'R' && *p != '=') {
				fputs("\\fR", out);
				font = 'R';
			}
			fputc(*p == '.' ? '.' : *p, out);
			p++;
			continue;
		}
		want = 'B';
		if (isupper((unsigned char)p[0])) {
			want = 'I';
			for (size_t i = 0; i < n; i++)
				if (!(isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i]) ||
				      p[i] == '_'))
					want = 'B';
		}
		if (want != font) {
			fprintf(out, "\\f%c", want);
			font = want;
		}
		for (size_t i = 0; i < n; i++)
			fputs(p[i] == '-' ? "\\-" : (char[]){ p[i], 0 }, out);
		p += n;
	}
	fputc('\n', out);
}

void cli_doc_man(FILE *out)
{
	size_t n;
	const CliCommand *const *cmds = cli_command_table(&n);

	fputs(".\\\" Generated from the CLI's table (src/cli) by `make docs`; do not edit.\n", out);
	for (size_t c = 0; c < n; c++) {
		const CliCommand *cmd = cmds[c];

		char *sum = doc_sentence(cmd->summary);

		fprintf(out, ".SS %s\n", cmd->name);
		doc_roff_text(out, sum ? sum : cmd->summary);
		free(sum);
		fputc('\n', out);
		for (size_t i = 0; cmd->subs[i].name; i++) {
			const CliSubDoc *s = &cmd->subs[i];
			Buf b = BUF_INIT;
			char *sentence;

			doc_synopsis(&b, cmd, s);
			fputs(".TP\n", out);
			doc_roff_synopsis(out, b.data ? b.data : cmd->name);
			buf_clear(&b);
			sentence = doc_sentence(s->summary);
			doc_roff_text(out, sentence ? sentence : s->summary);
			free(sentence);
			fputc('\n', out);
			if (s->text) {
				doc_roff_text(out, s->text);
				fputc('\n', out);
			}
			if (s->exits) {
				fputs("Exit codes: ", out);
				doc_roff_text(out, s->exits);
				fputs(".\n", out);
			}
		}
		if (cmd->opts && cmd->opts[0].name)
			fputs(".PP\nOptions:\n", out);
		for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
			const CliOptDoc *o = &cmd->opts[i];

			fputs(".TP\n.B ", out);
			doc_roff_text(out, o->name);
			if (o->arg) {
				fputs(" \\fI", out);
				doc_roff_text(out, o->arg);
				fputs("\\fR", out);
			}
			fputc('\n', out);
			doc_roff_text(out, o->help);
			if (o->values && o->values[0] != '@') {
				fputs(", one of: ", out);
				for (const char *v = o->values; *v; v++)
					fputs(*v == ' ' ? ", " : (char[]){ *v, 0 }, out);
			}
			if (o->multi)
				fputs("; repeatable", out);
			if (o->def && strcmp(o->def, "required") == 0) {
				fputs(" (required)", out);
			} else if (o->def) {
				fputs(" (default: ", out);
				doc_roff_text(out, o->def);
				fputc(')', out);
			}
			if (o->subs && cmd->subs[1].name) {
				fprintf(out, ". For: ");
				doc_roff_text(out, o->subs);
			}
			fputs(".\n", out);
		}
		if (cmd->notes) {
			fputs(".PP\n", out);
			doc_roff_text(out, cmd->notes);
			fputc('\n', out);
		}
		if (cmd->exits) {
			fputs(".PP\nExit codes: ", out);
			doc_roff_text(out, cmd->exits);
			fputs(".\n", out);
		}
	}
	fputs(".SS help\n.TP\n", out);
	doc_roff_synopsis(out, doc_help_synopsis);
	fputs("The same text as \\fBenvctl\\fR [\\fICOMMAND\\fR [\\fISUBCOMMAND\\fR]] "
	      "\\fB\\-\\-help\\fR.\n", out);
}

void cli_doc_man_globals(FILE *out, bool synopsis)
{
	const CliOptDoc *g = cli_global_docs();

	if (synopsis)
		fputs(".B envctl\n", out);
	for (size_t i = 0; g[i].name; i++) {
		if (synopsis) {
			if (strcmp(g[i].name, "--help") == 0 || strcmp(g[i].name, "--version") == 0)
				continue;
			fputs(".RB [ ", out);
			doc_roff_text(out, g[i].name);
			if (g[i].arg) {
				fputs("\n.IR ", out);
				doc_roff_text(out, g[i].arg);
				fputs(" ]\n", out);
			} else {
				fputs(" ]\n", out);
			}
			continue;
		}
		fputs(".TP\n.B ", out);
		doc_roff_text(out, g[i].name);
		if (g[i].arg) {
			fputs(" \\fI", out);
			doc_roff_text(out, g[i].arg);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		doc_roff_text(out, g[i].help);
		if (g[i].values && g[i].values[0] != '@') {
			fputs(", one of: ", out);
			for (const char *v = g[i].values; *v; v++)
				fputs(*v == ' ' ? ", " : (char[]){ *v, 0 }, out);
		}
		if (g[i].def) {
			fputs(" (default: ", out);
			doc_roff_text(out, g[i].def);
			fputc(')', out);
		}
		fputs(".\n", out);
	}
	if (synopsis)
		fputs(".RI [ COMMAND \" [\" ARGS ...]]\n", out);
}

void cli_doc_synopsis(FILE *out)
{
	size_t n;
	const CliCommand *const *cmds = cli_command_table(&n);
	const CliOptDoc *g = cli_global_docs();

	fputs("envctl", out);
	for (size_t i = 0; g[i].name; i++)
		if (strcmp(g[i].name, "--help") != 0 && strcmp(g[i].name, "--version") != 0)
			fprintf(out, " [%s%s%s]", g[i].name, g[i].arg ? " " : "", g[i].arg ? g[i].arg : "");
	fputs(" [COMMAND [ARGS...]]\nenvctl                                   # the console\n", out);

	for (size_t c = 0; c < n; c++) {
		const CliCommand *cmd = cmds[c];

		for (size_t i = 0; cmd->subs[i].name; i++) {
			Buf b = BUF_INIT;

			doc_synopsis(&b, cmd, &cmd->subs[i]);
			fprintf(out, "envctl %s\n", b.data ? b.data : cmd->name);
			buf_clear(&b);
		}
	}
	fprintf(out, "envctl %s\n", doc_help_synopsis);
}

/* ------------------------------------------------------------ completion */

static void doc_print_words(const char *words)
{
	for (const char *p = words; p && *p;) {
		size_t n = strcspn(p, " ");

		if (n)
			printf("%.*s\n", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
}

void cli_doc_subcommands(const CliCommand *cmd)
{
	for (size_t i = 0; cmd->subs && cmd->subs[i].name; i++)
		if (cmd->subs[i].name[0])
			printf("%s\n", cmd->subs[i].name);
}

void cli_doc_options(const CliCommand *cmd, const char *sub)
{
	Buf seen = BUF_INIT;

	buf_putc(&seen, ' ');
	for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
		const CliOptDoc *o = &cmd->opts[i];
		char key[64];

		if (!doc_applies(o, sub))
			continue;
		snprintf(key, sizeof key, " %s ", o->name);
		if (seen.data && strstr(seen.data, key))
			continue;
		buf_printf(&seen, "%s ", o->name);
		printf("%s\n", o->name);
	}
	buf_clear(&seen);
}

void cli_doc_print_values(const CliOptDoc *o)
{
	/* An option that takes free text says so, so the completion knows
	 * the next word is its value. */
	if (o->arg)
		doc_print_words(o->values ? o->values : "@text");
}

void cli_doc_values(const CliCommand *cmd, const char *sub, const char *opt)
{
	const CliOptDoc *o = cli_doc_opt(cmd, sub, opt);

	if (o)
		cli_doc_print_values(o);
}

void cli_doc_args(const CliCommand *cmd, const char *sub)
{
	const CliSubDoc *s = cli_doc_sub(cmd, sub);

	if (s)
		doc_print_words(s->complete);
}

void cli_doc_examples(const CliCommand *cmd)
{
	for (size_t i = 0; cmd->subs && cmd->subs[i].name; i++)
		if (cmd->subs[i].examples)
			printf("%s\n", cmd->subs[i].examples);
}
