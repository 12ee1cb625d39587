#include "tui/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/lib.h"

static const char *const conf_tone_names[TONE__COUNT] = {
	[TONE_NORMAL] = "normal", [TONE_HEADER] = "header", [TONE_FOOTER] = "footer",
	[TONE_TITLE] = "title", [TONE_COLHEAD] = "colhead", [TONE_SELECTED] = "selected",
	[TONE_DIM] = "dim", [TONE_OK] = "ok", [TONE_WARN] = "warn", [TONE_ERROR] = "error",
	[TONE_BORDER] = "border", [TONE_KEY] = "key", [TONE_INPUT] = "input",
};

static const char *const conf_color_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

void tui_conf_defaults(TuiConf *c)
{
	memset(c, 0, sizeof *c);
	c->refresh_ms = 2000;
	c->mouse = true;
	c->color = true;
	tui_screen_default_theme(c->theme);
}

static void conf_problem(TuiConf *c, const char *origin, int line, const char *what,
			 const char *detail)
{
	if (c->problem_count++ == 0)
		snprintf(c->problem, sizeof c->problem, "%s line %d: %s \"%s\"", origin, line,
			 what, detail);
}

static bool conf_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
	    !strcmp(v, "0")) {
		*out = false;
		return true;
	}
	return false;
}

static bool conf_color(const char *v, short *out)
{
	char *end;
	long n;

	if (!strcasecmp(v, "default") || !strcmp(v, "-1")) {
		*out = -1;
		return true;
	}
	for (size_t i = 0; i < sizeof conf_color_names / sizeof conf_color_names[0]; i++) {
		if (!strcasecmp(v, conf_color_names[i])) {
			*out = (short)i;
			return true;
		}
	}
	n = strtol(v, &end, 10);
	if (*v && !*end && n >= 0 && n <= 255) {
		*out = (short)n;
		return true;
	}
	return false;
}

/* "fg,bg[,bold]" */
static bool conf_color_spec(const char *v, TuiColorSpec *out)
{
	char buf[128], *parts[3] = { NULL, NULL, NULL }, *save = NULL, *tok;
	int n = 0;
	TuiColorSpec spec = { -1, -1, false };

	snprintf(buf, sizeof buf, "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok && n < 3; tok = strtok_r(NULL, ",", &save))
		parts[n++] = tok;
	if (n < 1 || tok)
		return false;
	for (int i = 0; i < n; i++) {
		while (isspace((unsigned char)*parts[i]))
			parts[i]++;
		for (char *e = parts[i] + strlen(parts[i]); e > parts[i] && isspace((unsigned char)e[-1]);)
			*--e = 0;
	}
	if (!conf_color(parts[0], &spec.fg))
		return false;
	if (n >= 2 && !conf_color(parts[1], &spec.bg))
		return false;
	if (n == 3) {
		if (strcasecmp(parts[2], "bold"))
			return false;
		spec.bold = true;
	}
	*out = spec;
	return true;
}

static char *conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static bool conf_set_columns(TuiConf *c, const char *view, const char *list)
{
	int i;

	for (i = 0; i < c->columns_count && strcmp(c->columns[i].view, view); i++)
		;
	if (i == c->columns_count) {
		if (c->columns_count == TUI_CONF_COLUMNS_MAX)
			return false;
		c->columns_count++;
	}
	snprintf(c->columns[i].view, sizeof c->columns[i].view, "%s", view);
	snprintf(c->columns[i].list, sizeof c->columns[i].list, "%s", list);
	return true;
}

const char *tui_conf_columns(const TuiConf *c, const char *view)
{
	for (int i = 0; i < c->columns_count; i++)
		if (!strcmp(c->columns[i].view, view))
			return c->columns[i].list;
	return NULL;
}

Status tui_conf_set_columns(TuiConf *c, const char *path, const char *view, const char *list,
			    Error *err)
{
	char *old = NULL, *tmp = NULL, *slash;
	size_t klen = strlen("columns.") + strlen(view);
	bool done = false;
	const char *p;
	FILE *f;
	int fd;

	if (strlen(view) >= sizeof c->columns[0].view || strlen(list) >= sizeof c->columns[0].list ||
	    strchr(list, '\n') || strchr(list, '#'))
		return error_set(err, ST_E_INVALID, "column list too long");
	if (!conf_set_columns(c, view, list))
		return error_set(err, ST_E_INVALID, "too many views with chosen columns");
	if (!path)
		return ST_OK;
	if (fs_is_file(path) && !(old = fs_read_file(path, NULL, err)))
		return err->status;
	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0) {
		free(old);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	slash = strrchr(tmp, '/');
	if (slash) {
		*slash = 0;
		fs_mkdir_p(tmp, 0700, err);
		*slash = '/';
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		error_set(err, ST_E_IO, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		free(old);
		return ST_E_IO;
	}
	for (p = old; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *q = p;

		while (q < p + len && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(p + len - q) > klen && !strncmp(q, "columns.", 8) &&
		    !strncmp(q + 8, view, strlen(view)) &&
		    (q[klen] == ' ' || q[klen] == '=' || q[klen] == '\t')) {
			if (!done)
				fprintf(f, "columns.%s = %s\n", view, list);
			done = true;
		} else {
			fprintf(f, "%.*s\n", (int)len, p);
		}
		p += len;
		if (*p)
			p++;
	}
	if (!done)
		fprintf(f, "columns.%s = %s\n", view, list);
	free(old);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		error_set(err, ST_E_IO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return ST_E_IO;
	}
	free(tmp);
	return ST_OK;
}

static void conf_line(TuiConf *c, char *line, const char *origin, int lineno)
{
	char *hash = strchr(line, '#'), *eq, *key, *val;
	bool b;

	if (hash)
		*hash = 0;
	line = conf_trim(line);
	if (!*line)
		return;
	eq = strchr(line, '=');
	if (!eq) {
		conf_problem(c, origin, lineno, "expected key = value, got", line);
		return;
	}
	*eq = 0;
	key = conf_trim(line);
	val = conf_trim(eq + 1);
	if (!strcmp(key, "refresh")) {
		char *end;
		double secs = strtod(val, &end);

		/* Written so that NaN ("refresh = nan") is refused: casting it is UB. */
		if (!*val || *end || !(secs >= 0 && secs <= 3600))
			conf_problem(c, origin, lineno, "refresh wants seconds (0-3600), got", val);
		else
			c->refresh_ms = (int)(secs * 1000 + 0.5);
	} else if (!strcmp(key, "mouse") || !strcmp(key, "ascii") || !strcmp(key, "color")) {
		if (!conf_bool(val, &b))
			conf_problem(c, origin, lineno, "wants true or false, got", val);
		else if (!strcmp(key, "mouse"))
			c->mouse = b;
		else if (!strcmp(key, "ascii"))
			c->ascii = b;
		else
			c->color = b;
	} else if (!strncmp(key, "color.", 6)) {
		int tone = -1;

		for (int i = 0; i < TONE__COUNT; i++)
			if (!strcmp(key + 6, conf_tone_names[i]))
				tone = i;
		if (tone < 0)
			conf_problem(c, origin, lineno, "unknown colour class", key + 6);
		else if (!conf_color_spec(val, &c->theme[tone]))
			conf_problem(c, origin, lineno, "colour wants fg,bg[,bold], got", val);
	} else if (!strncmp(key, "columns.", 8) && key[8] && strlen(key + 8) < sizeof c->columns[0].view &&
		   strlen(val) < sizeof c->columns[0].list) {
		conf_set_columns(c, key + 8, val);
	} else {
		conf_problem(c, origin, lineno, "unknown setting", key);
	}
}

void tui_conf_parse(TuiConf *c, const char *text, const char *origin)
{
	const char *p = text;
	int lineno = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];

		lineno++;
		if (len >= sizeof line) {
			conf_problem(c, origin, lineno, "line too long", "...");
		} else {
			memcpy(line, p, len);
			line[len] = 0;
			conf_line(c, line, origin, lineno);
		}
		p += len;
		if (*p)
			p++;
	}
}

void tui_conf_load(TuiConf *c, const char *path)
{
	Error err;
	char *text;

	if (!path || !fs_is_file(path))
		return;
	text = fs_read_file(path, NULL, &err);
	if (!text) {
		conf_problem(c, path, 0, "cannot read", error_text(&err));
		return;
	}
	tui_conf_parse(c, text, path);
	free(text);
}

char *tui_conf_default_path(void)
{
	char *dir = fs_xdg_config_dir(), *path;

	if (!dir)
		return NULL;
	path = fs_join(dir, "tui.conf");
	free(dir);
	return path;
}
