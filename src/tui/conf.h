/* conf: the console's settings file, $XDG_CONFIG_HOME/envctl/tui.conf,
 * simple `key = value` lines:
 *
 *   refresh = 2         # live refresh, seconds (0 = off; fractions ok)
 *   mouse = true
 *   ascii = false       # ASCII box drawing even in a UTF-8 locale
 *   color = true        # false = as NO_COLOR
 *   color.header = black,cyan,bold    # fg,bg[,bold]; names or 0-255
 *   columns.leases = environment,status,lease-id,run-id  # :columns (#15)
 *
 * A bad line never keeps the console from starting: it is reported on
 * the flash line and the default stays. */
#ifndef ENVCTL_TUI_CONF_H
#define ENVCTL_TUI_CONF_H

#include <stdbool.h>

#include "tui/screen.h"
#include "util/lib.h"

#define TUI_CONF_COLUMNS_MAX 16

typedef struct TuiConf {
	int refresh_ms;
	bool mouse;
	bool ascii;
	bool color;
	TuiColorSpec theme[TONE__COUNT];
	char problem[256]; /* the first problem found, or "" */
	int problem_count;
	/* The columns each view shows (`columns.VIEW`), as :columns wrote them;
	 * the view checks the names when it opens. */
	struct {
		char view[32];
		char list[256];
	} columns[TUI_CONF_COLUMNS_MAX];
	int columns_count;
} TuiConf;

void tui_conf_defaults(TuiConf *c);
/* Reads path over the defaults; a missing file is not an error. */
void tui_conf_load(TuiConf *c, const char *path);
/* Parses text (the file's content) over c; origin names it in problems. */
void tui_conf_parse(TuiConf *c, const char *text, const char *origin);
/* The columns.VIEW list, or NULL. */
const char *tui_conf_columns(const TuiConf *c, const char *view);
/* Sets columns.VIEW in c and in the file at path (NULL: only in c): that
 * one line is replaced or added, every other line kept as written. */
Status tui_conf_set_columns(TuiConf *c, const char *path, const char *view, const char *list,
			    Error *err);
/* $XDG_CONFIG_HOME/envctl/tui.conf; caller frees. */
char *tui_conf_default_path(void);

#endif
