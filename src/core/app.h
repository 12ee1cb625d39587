/* The application state shared by the CLI and the TUI: the only mutable
 * state the program has. */
#ifndef ENVCTL_CORE_APP_H
#define ENVCTL_CORE_APP_H

#include <stdbool.h>

#include "core/registry.h"
#include "plugin/lib.h"
#include "store/lib.h"

/* Also defined by cli.h; the two must stay token-identical. */
#define ENVCTL_VERSION "0.1.0"

typedef struct App {
	Registry registry;
	char *forms_dir; /* shipped forms and the fake provider's schema */
	char *db_path;   /* --db, else $ENVCTL_DB, else the XDG default */
	bool readonly;
	bool no_color;
	Store *store;    /* opened on first use by app_store */
	char *actor;     /* "cli:alice", "tui:alice": who activity rows name */
	PluginCatalog plugins;   /* every plugin found, broken ones included */
	PluginHost *plugin_host; /* their workers: started on first use */
	/* ENVCTL_MASTER_KEY, moved out of the environment into locked memory
	 * (sodium_malloc) by app_init; NULL when it was not set. */
	char *master_key_text;
} App;

/* Finds the forms, registers the built-in providers and the plugins' (found
 * as plugin/discover.h says; their workers start on first use). A broken
 * plugin is a registry problem, not a failure. db_path may be NULL.
 * ENVCTL_MASTER_KEY is taken out of the process environment (its bytes
 * wiped where /proc/PID/environ shows them) into app->master_key_text. */
Status app_init(App *app, const char *db_path, Error *err);
/* Stops every plugin worker cleanly, then frees. */
void app_clear(App *app);

/* The store, opened on first use at app->db_path (so commands that need no
 * database, like `provider list`, never create one). The handle belongs to
 * the thread that calls this first; other threads open their own. */
Status app_store(App *app, Store **out, Error *err);
/* Names the front end in activity rows: "<frontend>:<login name>". */
Status app_set_actor(App *app, const char *frontend, Error *err);
/* "cli:alice" (or "envctl:<user>" when no front end said who it is). */
const char *app_actor(App *app);
/* ST_OK unless the console runs read-only; what names the refused action. */
Status app_check_writable(const App *app, const char *what, Error *err);

#endif
