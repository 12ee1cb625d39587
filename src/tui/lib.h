/* tui: the operators' console, as the CLI starts it. What the views
 * share (struct Tui, the view ops, the worker) is in tui/private.h. */
#ifndef ENVCTL_TUI_LIB_H
#define ENVCTL_TUI_LIB_H

#include <stdbool.h>

#include "core/lib.h"

typedef struct TuiOptions {
	bool readonly;
	bool no_color;
	bool no_mouse;
	bool ascii;
	/* Test mode: a keystroke script (file, or inline text) runs the console
	 * headless at width x height (default 80x24) and quits at its end. */
	const char *script_path;
	const char *script_text;
	int width, height;
	const char *config_path; /* NULL: $XDG_CONFIG_HOME/envctl/tui.conf */
	const char *start_view;  /* open on this view (a `:` name) instead of environments */
} TuiOptions;

/* Runs the console until the operator quits. Returns ST_OK, or an error
 * when the console could not start (no terminal, bad script). */
Status tui_run(App *app, const TuiOptions *opts, Error *err);

#endif
