/* tui: the operators' console (DESIGN §1). One App-owned state (Tui), a
 * stack of views (tig's approach: each view is a TuiViewOps table), a
 * main loop that never blocks on anything but input with a timeout, and
 * the shared chrome: header, flash line, `:` command mode, `/` filter,
 * `?` help, footer, the too-small screen. */
#ifndef ENVCTL_TUI_PRIVATE_H
#define ENVCTL_TUI_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/lib.h"
#include "tui/lib.h"
#include "tui/conf.h"
#include "tui/input.h"
#include "tui/keymap.h"
#include "tui/lineedit.h"
#include "tui/screen.h"
#include "tui/table.h"
#include "util/lib.h"

/* ------------------------------------------------------------ views */

typedef struct Tui Tui;
typedef struct TuiView TuiView;

typedef struct TuiViewOps {
	const char *name;           /* the `:` command that opens it, the help title */
	const char *alias;          /* a second command name, or NULL */
	const TuiKey *keys;         /* the view's own actions (ends with key 0) */
	bool top_level;             /* reachable from `:` */
	bool overlay;               /* drawn over the view beneath (dialogs) */
	bool filterable;            /* `/` filters it */
	int min_w, min_h;           /* below this the too-small screen shows */
	Status (*open)(Tui *t, TuiView *v, const void *arg, Error *err);
	void (*close)(Tui *t, TuiView *v);
	void (*draw)(Tui *t, TuiView *v, int y, int x, int h, int w);
	/* A key-table action; returns true when handled. */
	bool (*action)(Tui *t, TuiView *v, int action);
	/* Raw keys, before any table (text entry); true when consumed. */
	bool (*key)(Tui *t, TuiView *v, int key);
	bool (*mouse)(Tui *t, TuiView *v, const TuiEvent *ev);
	/* A bracketed paste, as one block (it may hold a secret: never keep
	 * or show it); true when taken. NULL: the view takes no text. */
	bool (*paste)(Tui *t, TuiView *v, const char *text, size_t len);
	/* Reload the data; live is the periodic refresh. */
	void (*reload)(Tui *t, TuiView *v, bool live);
	/* Whether an action makes sense now (hides it from the footer). */
	bool (*enabled)(Tui *t, TuiView *v, int action);
	/* Keys that matter for what is focused now (forms), shown first in
	 * the footer. */
	const char *(*hint)(Tui *t, TuiView *v);
	/* Where the "12/345" position comes from, when not the table. */
	const char *(*status)(Tui *t, TuiView *v);
	/* Whether quitting now would lose the operator's work (a form with
	 * unsaved changes); NULL: never. */
	bool (*unsaved)(Tui *t, TuiView *v);
	/* The selected row's full JSON for `y` (#15): the object the CLI's
	 * `show --json` prints, from core/describe.h or lease_to_json, never a
	 * second serialisation; secrets masked. NULL op: the rows have none.
	 * Returns NULL with err set (or no row selected: err clear). */
	cJSON *(*describe)(Tui *t, TuiView *v, Error *err);
	/* Detail views: the id of the item they show, which `y` and `c` act
	 * on instead of the selected row. NULL: the selected row's id. */
	const char *(*self_id)(Tui *t, TuiView *v);
	/* The key table of this view as opened, when it depends on what it
	 * shows (one per form kind, #15); NULL op: keys. The same table then
	 * drives the keys, the footer and `?`. */
	const TuiKey *(*keys_for)(Tui *t, const TuiView *v);
} TuiViewOps;

#define TUI_FILTER_MAX 128

struct TuiView {
	const TuiViewOps *ops;
	unsigned serial; /* unique per push: how a finished job finds its view */
	void *state;
	TuiTable *table; /* set by table views: navigation, sort, mouse come free */
	char title[160];
	char filter[TUI_FILTER_MAX];
};

/* ------------------------------------------------------------ jobs */

typedef struct TuiJob TuiJob;
typedef void (*TuiJobRun)(TuiJob *job);          /* on the worker thread */
typedef void (*TuiJobDone)(Tui *t, TuiJob *job); /* on the UI thread, after */

#define TUI_JOB_LINES 6

/* One long call (a probe, probing every environment, an acquire) run on
 * a worker thread while the console keeps drawing. The worker reports
 * progress under mu; the UI polls it every tick. */
struct TuiJob {
	pthread_t thread;
	pthread_mutex_t mu;
	char title[128];
	TuiJobRun run;
	TuiJobDone done;
	void *arg;
	void (*free_arg)(void *arg);
	/* The worker's own App (core/query.h: query_worker_init): it reads
	 * the console's registry and settings, and owns only its store handle
	 * (a handle belongs to the thread that opened it) and its actor,
	 * both let go when the work ends. */
	App *app;
	App worker_app;
	/* shared, under mu */
	size_t total, count;
	char lines[TUI_JOB_LINES][200]; /* the latest per-item results */
	int line_count;
	bool finished;
	bool cancel; /* asked to stop early (checked between items) */
	Status status;
	Error err;
	char summary[512];
	/* UI thread only */
	bool waiting; /* the progress box is up; Esc puts it in the background */
	int64_t started_ms;
	/* Per-call cancellation (#15): bound to the job's thread, fired by
	 * `x` in :jobs; the provider call in flight is abandoned. */
	RuntimeCancel *token;
	bool cancelled;
};

/* A finished job, as :jobs lists it. */
typedef struct TuiJobDoneRec {
	char title[128];
	char outcome[200];
	int level; /* TuiFlashLevel */
	int64_t started_ms, elapsed_ms;
	size_t count, total;
} TuiJobDoneRec;
#define TUI_JOBS_KEPT 20

/* Starts run(job) on a worker thread; refuses (busy) while another runs. */
Status tui_job_start(Tui *t, const char *title, TuiJobRun run, TuiJobDone done, void *arg,
		     void (*free_arg)(void *), Error *err);
/* Worker side: progress and one result line. */
void tui_job_progress(TuiJob *job, size_t count, size_t total, const char *line);
void tui_job_finish(TuiJob *job, Status st, const Error *err, const char *summary);
bool tui_job_cancelled(TuiJob *job);
/* `x` in :jobs: fires the running job's token and asks it to stop. */
bool tui_job_cancel(Tui *t);
/* UI side: collects a finished job (runs its done), draws the progress box. */
void tui_job_poll(Tui *t);
void tui_job_draw(Tui *t);
/* Waits for a running job before the console exits. */
void tui_job_shutdown(Tui *t);

/* ------------------------------------------------------------ state */

#define TUI_STACK_MAX 16

typedef enum TuiPromptKind { TUI_PROMPT_NONE, TUI_PROMPT_COMMAND, TUI_PROMPT_FILTER } TuiPromptKind;
typedef enum TuiFlashLevel { TUI_FLASH_INFO, TUI_FLASH_OK, TUI_FLASH_WARN, TUI_FLASH_ERROR } TuiFlashLevel;

#define TUI_MESSAGES_MAX 200
#define TUI_HISTORY_MAX 50

typedef struct TuiMessage {
	int64_t at_ms;
	TuiFlashLevel level;
	int repeats; /* the same text again straight after: counted, not repeated */
	char text[512];
} TuiMessage;

typedef struct TuiFooterHit {
	int x0, x1, key;
} TuiFooterHit;

struct Tui {
	App *app;
	TuiScreen scr;
	TuiConf conf;
	TuiScript script;
	bool scripted;
	bool readonly;
	bool quit;
	bool quit_armed; /* ^C was refused once for unsaved work: the next one quits */
	TuiView *stack[TUI_STACK_MAX];
	int depth;
	unsigned next_serial;
	/* the `:` / `/` prompt */
	TuiPromptKind prompt;
	TuiLineEdit prompt_ed; /* lineedit.h, the one editor forms use too */
	char prompt_saved[TUI_FILTER_MAX]; /* the filter before `/`, restored by Esc */
	char completions[256];             /* what Tab found, shown while typing */
	/* the flash line */
	char flash[512];
	TuiFlashLevel flash_level;
	int64_t flash_until;
	int64_t next_refresh;
	TuiJob *job;
	/* Finished jobs for :jobs (a ring, newest last). */
	TuiJobDoneRec jobs_done[TUI_JOBS_KEPT];
	size_t jobs_done_count; /* ever finished; the ring holds the last KEPT */
	TuiFooterHit footer_hits[24];
	int footer_hit_count;
	bool too_small;
	int cur_y, cur_x;    /* where a view wants the cursor this frame, or -1 */
	int64_t fixed_now;   /* $ENVCTL_TUI_NOW: a fixed clock for golden tests */
	Error script_err;    /* why a script stopped (a failed <Dump>) */
	int frames;          /* frames drawn (bench, tests) */
	int64_t first_frame_ms;
	/* $ENVCTL_TUI_STATS: what `make bench` reads — start to first frame,
	 * and each key's time from arrival to its frame on screen, kept only
	 * when it is set (stats_path, else NULL). */
	char *stats_path;
	int64_t start_us;
	int64_t first_frame_us;
	int64_t *key_us;
	size_t key_count, key_cap;
	/* Every flash of the session, for :messages (a ring, newest last). */
	TuiMessage messages[TUI_MESSAGES_MAX];
	size_t message_count; /* ever recorded; the ring holds the last MAX */
	/* The sort each kind of list view had when it closed, so `:leases`
	 * and back keeps it (#14). */
	struct {
		const TuiViewOps *ops;
		int col;
		bool desc;
	} sorts[16];
	int sort_count;
	char clipboard[512]; /* headless: the last OSC 52 payload (base64), for tests */
	/* `:` history (#15), newest last, kept in tui.history beside tui.conf
	 * (not by scripts: a golden must not depend on the runs before it). */
	char history[TUI_HISTORY_MAX][256];
	int history_count;
	int history_pos; /* where Up/Down is now; history_count: the line being typed */
	char *history_path;
	/* tui.conf, where :columns keeps each view's columns (#15); NULL in
	 * scripts, which read it but never write it. */
	char *conf_path;
};

/* The key table of v (keys_for, else ops->keys). */
const TuiKey *tui_view_keys(Tui *t, const TuiView *v);

/* View stack. push takes arg for the view's open. */
Status tui_push(Tui *t, const TuiViewOps *ops, const void *arg, Error *err);
void tui_pop(Tui *t);
TuiView *tui_top(Tui *t);
/* The open view with this serial, or NULL when it was closed. */
TuiView *tui_find_serial(Tui *t, unsigned serial);
/* Replaces the whole stack with one view (what `:leases` does). */
Status tui_switch(Tui *t, const TuiViewOps *ops, Error *err);

void tui_flash(Tui *t, TuiFlashLevel level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tui_flash_error(Tui *t, const Error *err);
/* Runs a `:` command line ("leases", "dump /tmp/x", "q"). */
void tui_command(Tui *t, const char *line);
/* Draws one frame now. */
void tui_draw(Tui *t);
/* The clock views show ages against. */
int64_t tui_now(const Tui *t);
/* Draws the body frame of a view: its title with the row count and the
 * filter, and the position on the bottom edge. The inside is
 * (y+1, x+1, h-2, w-2). */
void tui_frame(Tui *t, TuiView *v, int y, int x, int h, int w, const char *title);
/* The one-object views (detail.c): an environment, a lease, a provider or
 * a secret as a fixed FIELD | VALUE table whose rows load fills (again on
 * a reload, keeping the selection). The view's state is the TuiDetail. */
typedef struct TuiDetail TuiDetail;
typedef void (*TuiDetailLoad)(Tui *t, TuiDetail *d);
struct TuiDetail {
	TuiTable table;
	TuiRowSet all;
	char id[256];   /* what it shows: an id, or a provider's key */
	char name[256]; /* for the frame's title once loaded ("" for none) */
	TuiDetailLoad load;
};
Status tui_detail_open(Tui *t, TuiView *v, const TuiColumn *cols, const char *id,
		       TuiDetailLoad load, Error *err);
void tui_detail_close(Tui *t, TuiView *v);
/* The frame's title is kind and the name ("Environment prod-eu"). */
void tui_detail_draw(Tui *t, TuiView *v, const char *kind, int y, int x, int h, int w);
void tui_detail_reload(Tui *t, TuiView *v, bool live);
const char *tui_detail_self_id(Tui *t, TuiView *v);

/* Refuses a changing action in --readonly with a flash; true when refused. */
bool tui_readonly_refuse(Tui *t, const char *what);

/* A destructive action's confirmation (DESIGN §1): a dialog naming what
 * will be destroyed, with the focus on Cancel; only a deliberate move to
 * the action button and Enter runs on_yes. */
typedef struct TuiConfirm {
	const char *title;   /* "Delete environment" */
	const char *message; /* what goes, by name */
	const char *yes;     /* the button: "Delete" */
	void (*on_yes)(Tui *t, void *arg);
	void *arg;
	void (*free_arg)(void *arg);
} TuiConfirm;

/* Takes arg (frees it with free_arg) whatever the outcome. */
Status tui_confirm(Tui *t, const TuiConfirm *c, Error *err);
/* The same with a third button, alt, between Cancel and yes ("Reload"). */
Status tui_confirm_alt(Tui *t, const TuiConfirm *c, const char *alt,
		       void (*on_alt)(Tui *t, void *arg), Error *err);

/* The text pane (view_text.c): text read whole, wrapped and scrollable;
 * at_end opens it at the bottom. */
typedef struct TuiTextArg {
	const char *title;
	const char *text;
	bool at_end;
} TuiTextArg;
Status tui_text_pane(Tui *t, const char *title, const char *text, bool at_end, Error *err);
/* The log pane: a provider's plugin log, live, following (f), wrapping
 * (w), / keeps matching lines (#15). */
Status tui_log_pane(Tui *t, const char *provider_key, Error *err);
/* The same pane over a lease's exec history (lease log), following. */
Status tui_lease_log_pane(Tui *t, const char *lease_id, Error *err);

/* The secret picker (#15): a secret field's choice among the stored
 * secrets (name, version, bound environments); Enter hands the chosen
 * secret's id to chosen, Esc goes back to type a new value instead. */
typedef struct TuiSecretPick {
	unsigned serial;    /* the form view asking */
	const char *field;  /* its label, for the title */
	void (*chosen)(Tui *t, unsigned serial, const char *secret_id, const char *label);
} TuiSecretPick;

/* After a change, every open view reloads its data. */
void tui_reload_all(Tui *t);

/* ------------------------------------------------------------ batches
 * Work over a list's marked rows (batch.c): one question naming them,
 * then one job (run, over ids) that works through them in turn. */
typedef struct TuiBatch {
	int op;        /* which action, for a run that does several */
	unsigned view; /* the list whose marks go once the work starts */
	size_t count;
	char (*ids)[UUID_STR_LEN];
	TuiJobRun run;  /* job->arg is this batch */
	char title[100]; /* the job's */
} TuiBatch;

/* The question: its first line, one line per marked row (the first
 * eight; line appends it to msg), the last sentence, the buttons. */
typedef struct TuiBatchAsk {
	const char *title;    /* "Probe environments" */
	const char *yes;      /* "Probe all" */
	const char *question; /* "Probe these 3 environments?" */
	void (*line)(Tui *t, const char *id, Buf *msg);
	const char *closing;
} TuiBatchAsk;

/* spec gives op, run and title; ids, count and view come from v's marks. */
void tui_batch_confirm(Tui *t, TuiView *v, const TuiBatch *spec, const TuiBatchAsk *ask);
void tui_batch_free(void *arg);

/* ------------------------------------------------------------ list and detail
 * What a list view and its detail view (one file each) share: the action
 * ids of their key tables and the actions both offer on one item. */

/* The environments list's and detail's actions (view_envs.c). */
enum {
	ENV_ACT_NEW = TUI_ACT_VIEW,
	ENV_ACT_EDIT,
	ENV_ACT_ARCHIVE,
	ENV_ACT_DELETE,
	ENV_ACT_PROBE,
	ENV_ACT_PROBE_ALL,
	ENV_ACT_ACQUIRE,
	ENV_ACT_LEASES,
	ENV_ACT_VIEW,
	ENV_ACT_MARK,
};

/* The leases list's and detail's actions (view_leases.c). */
enum {
	LEASE_ACT_RELEASE = TUI_ACT_VIEW,
	LEASE_ACT_RESUME,
	LEASE_ACT_DESTROY,
	LEASE_ACT_SWEEP,
	LEASE_ACT_MARK,
	LEASE_ACT_SHELL,
	LEASE_ACT_LOG,
};

/* The providers list's and detail's actions (view_providers.c). */
enum {
	PROV_ACT_FORM = TUI_ACT_VIEW,
	PROV_ACT_RESTART,
	PROV_ACT_LOG,
};

/* The secrets list's and detail's actions (view_secrets.c). */
enum {
	SEC_ACT_NEW = TUI_ACT_VIEW,
	SEC_ACT_ROTATE,
	SEC_ACT_VERIFY,
	SEC_ACT_DISABLE,
	SEC_ACT_DELETE,
};

/* The key rows the leases list and a lease's detail both have. */
#define TUI_LEASE_CHANGE_KEYS \
	{ 'r', 0, LEASE_ACT_RELEASE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "release", \
	  "Release the lease (the provider cleans up)" }, \
	{ 'R', 0, LEASE_ACT_RESUME, TUI_KEY_CHANGES, "resume", \
	  "Resume the lease: the provider confirms the sandbox still exists" }, \
	{ 'D', TUI_FN(KEY_DC), LEASE_ACT_DESTROY, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "destroy", \
	  "Destroy the sandbox at the provider (asks first)" },
#define TUI_LEASE_SHELL_KEY \
	{ 's', 0, LEASE_ACT_SHELL, TUI_KEY_CHANGES, "shell", \
	  "Shell into the active lease: a PTY where the provider has one, else line mode" },

/* The actions both the list and the detail offer on one item (the id);
 * true when the action was one of them. */
bool tui_env_action(Tui *t, int action, const char *id);
bool tui_lease_action(Tui *t, int action, const char *id);
bool tui_secret_action(Tui *t, int action, const char *id);
/* The item's JSON for `y`: the object `show --json` prints (secrets masked). */
cJSON *tui_lease_json(Tui *t, const char *id, Error *err);
cJSON *tui_env_json(Tui *t, const char *id, Error *err);
cJSON *tui_secret_json(Tui *t, const char *id, Error *err);
/* A provider's capabilities ("execute workspace"), its status line
 * (allocated) and the tone that status is drawn in. */
void tui_provider_caps(const Provider *p, char *out, size_t n);
char *tui_provider_status(Provider *p);
TuiTone tui_provider_status_tone(const char *status);
/* The secrets list's and the picker's reload: empties the rows, reads the
 * secrets; false, with error set, when that failed. */
bool tui_secrets_fetch(Tui *t, TuiTable *table, TuiRowSet *all, StoreSecretList *list,
		       char *error, size_t n);

/* ------------------------------------------------------------ text and log panes
 * The log pane (view_log.c) is the text pane (view_text.c) re-read on
 * every refresh: the same state, keys and drawing. */

enum { TEXT_ACT_UP = TUI_ACT_VIEW, TEXT_ACT_DOWN, TEXT_ACT_PGUP, TEXT_ACT_PGDN, TEXT_ACT_HOME,
       TEXT_ACT_END, TEXT_ACT_FOLLOW, TEXT_ACT_WRAP };

typedef struct TextState {
	char *title;
	char *text;
	int scroll;
	int lines;   /* wrapped lines at the last draw */
	int page;    /* lines shown at the last draw */
	bool at_end; /* opened at the bottom (messages: the newest last) */
	char pos[48];
	/* the log pane */
	char *log_key; /* the provider whose plugin log this is, or NULL */
	char *lease_id; /* or the lease whose exec history this is */
	bool follow;
	bool nowrap;
} TextState;

/* The scrolling keys both panes' tables start with. */
#define TUI_TEXT_SCROLL_KEYS \
	{ 'k', TUI_FN(KEY_UP), TEXT_ACT_UP, 0, NULL, "Scroll up a line" }, \
	{ 'j', TUI_FN(KEY_DOWN), TEXT_ACT_DOWN, 0, NULL, "Scroll down a line" }, \
	{ TUI_FN(KEY_PPAGE), TUI_CTRL('b'), TEXT_ACT_PGUP, 0, NULL, "Page up" }, \
	{ TUI_FN(KEY_NPAGE), ' ', TEXT_ACT_PGDN, 0, NULL, "Page down" }, \
	{ 'g', TUI_FN(KEY_HOME), TEXT_ACT_HOME, 0, NULL, "Top" }, \
	{ 'G', TUI_FN(KEY_END), TEXT_ACT_END, 0, NULL, "Bottom" },

char *tui_text_prepare(const char *src, const char *filter);
Status tui_text_open(Tui *t, TuiView *v, const void *arg, Error *err);
void tui_text_close(Tui *t, TuiView *v);
void tui_text_draw(Tui *t, TuiView *v, int y, int x, int h, int w);
bool tui_text_action(Tui *t, TuiView *v, int action);
bool tui_text_mouse(Tui *t, TuiView *v, const TuiEvent *ev);
const char *tui_text_status(Tui *t, TuiView *v);
/* Both panes' ops but for name, keys and reload. */
#define TUI_TEXT_PANE_OPS                                                                      \
	.min_w = 30, .min_h = 8, .open = tui_text_open, .close = tui_text_close,               \
	.draw = tui_text_draw, .action = tui_text_action, .mouse = tui_text_mouse,             \
	.status = tui_text_status

/* The views (view_*.c). */
extern const TuiViewOps tui_view_confirm;
extern const TuiViewOps tui_view_envs;
extern const TuiViewOps tui_view_env;
extern const TuiViewOps tui_view_secrets;
extern const TuiViewOps tui_view_secret;
extern const TuiViewOps tui_view_activity;
extern const TuiViewOps tui_view_jobs;
extern const TuiViewOps tui_view_secret_pick;
extern const TuiViewOps tui_view_leases;
extern const TuiViewOps tui_view_lease;
extern const TuiViewOps tui_view_providers;
extern const TuiViewOps tui_view_provider;
extern const TuiViewOps tui_view_help;
extern const TuiViewOps tui_view_form;
extern const TuiViewOps tui_view_text;
extern const TuiViewOps tui_view_log;

#endif
