/* The application state shared by the CLI and the TUI: the only mutable
 * state the program has. */
#ifndef ENVCTL_CORE_APP_H
#define ENVCTL_CORE_APP_H

#include <stdbool.h>

#include "core/registry.h"

typedef struct App {
	Registry registry;
	char *forms_dir; /* shipped forms and the fake provider's schema */
	char *db_path;   /* --db, else $ENVCTL_DB, else the XDG default */
	bool readonly;
	bool no_color;
	char actor[96];  /* who acts, for the activity table: "cli:alice" */
	void *store;     /* opened on first use by the store layer */
} App;

/* Finds the forms, registers the built-in providers. db_path may be NULL. */
Status app_init(App *app, const char *db_path, Error *err);
void app_free(App *app);
/* Sets the actor to "<frontend>:<login name>". */
void app_set_actor(App *app, const char *frontend);

#endif
