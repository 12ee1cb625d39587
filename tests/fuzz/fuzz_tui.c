/* libFuzzer target for the console's keystroke-script mode: every input
 * byte picks a token (keys of every view and form, letters and digits for
 * typing into fields, Esc and ^C storms, resizes down to 1x1, mouse clicks
 * and wheel at fuzzed places, <Idle> to let jobs finish) and the console
 * runs them headless on a copy of a demo database (the fake and the test
 * provider, secrets included), then quits at the script's end.
 * Invariants: no crash, no sanitizer report, no leak; the console exits
 * without an error; db check stays clean. */
#include <stdlib.h>
#include <sys/stat.h>

#include "../helpers/testprov.h"
#include "core/demo.h"
#include "core/environment.h"
#include "fuzz_util.h"
#include "store/store.h"
#include "tui/lib.h"
#include "util/buf.h"
#include "util/fs.h"

static char *fz_forms;
static char fz_template[600], fz_db[600];

/* ncurses keeps a few allocations per terminal for the life of the process. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libncursesw.so\nleak:libtinfo.so\n";
}

static void fz_app(App *app, const char *db)
{
	Error err;

	memset(app, 0, sizeof *app);
	FUZZ_ASSERT(registry_init(&app->registry, fz_forms, &err) == ST_OK);
	FUZZ_ASSERT(testprov_register(&app->registry, &err) == ST_OK);
	app->forms_dir = strdup(fz_forms);
	app->db_path = strdup(db);
	FUZZ_ASSERT(app->forms_dir && app->db_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char cfg[600], demo[700], *root;
	App app;
	DemoReport rep;
	Error err;
	EnvSaveInput in = { .name = "vault", .provider = TESTPROV_KEY };
	cJSON *config;

	fz_forms = fs_find_resource_dir("forms");
	FUZZ_ASSERT(fz_forms);
	snprintf(cfg, sizeof cfg, "%s/config", fuzz_tmpdir());
	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("ENVCTL_MASTER_KEY");
	setenv("ENVCTL_TUI_NOW", "2026-01-01T00:00:00Z", 1);
	unsetenv("ENVCTL_TUI_STATS");
	snprintf(fz_template, sizeof fz_template, "%s/template.db", fuzz_tmpdir());
	snprintf(fz_db, sizeof fz_db, "%s/envctl.db", fuzz_tmpdir());
	root = fs_join(fz_forms, "..");
	FUZZ_ASSERT(root);
	snprintf(demo, sizeof demo, "%s/data/demo/demo.json", root);
	free(root);
	fz_app(&app, fz_template);
	FUZZ_ASSERT(app_set_actor(&app, "fuzz", &err) == ST_OK);
	if (demo_load(&app, demo, &rep, &err) != ST_OK) {
		fprintf(stderr, "fuzz_tui: demo: %s\n", err.msg);
		abort();
	}
	config = cJSON_Parse("{\"apiKey\":\"k\",\"bridge\":{\"authToken\":\"t\"},"
			     "\"hosts\":[{\"name\":\"h\",\"password\":\"p\"}]}");
	in.config = config;
	FUZZ_ASSERT(env_save(&app, &in, NULL, NULL, &err) == ST_OK);
	json_wipe(config);
	app_clear(&app);
	return 0;
}

static const char *const fz_tokens[] = {
	"<Enter>", "<Esc>", "<Tab>", "<S-Tab>", "<Up>", "<Down>", "<Left>", "<Right>",
	"<PgUp>", "<PgDn>", "<Home>", "<End>", "<BS>", "<Del>", "<Space>", "<Lt>",
	"<C-r>", "<C-l>", "<C-u>", "<C-s>", "<C-d>", "<C-t>", "<C-c>", "<F1>",
	":", "/", "?", "q", "j", "k", "g", "G",
	"S", ">", "n", "e", "a", "p", "P", "r",
	"d", "x", "y", "1", "2", "3", "4", "5",
	"-", "0", "9", ".", "é", "世", "<Gt>", "<Idle>",
	"<Esc><Esc><Esc><Esc>", "<C-c><C-c>", "<Resize 1x1>", "<Resize 80x24>",
	"<Resize 20x5>", "<Resize 200x60>", ":leases<Enter>", ":secrets<Enter>",
};
#define FZ_NTOK (sizeof fz_tokens / sizeof fz_tokens[0])

static void copy_file(const char *from, const char *to)
{
	Error err;
	size_t len = 0;
	char *data = fs_read_file(from, &len, &err);

	FUZZ_ASSERT(data);
	fuzz_write_file(to, data, len);
	free(data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const mouse[] = { "click", "double", "wheelup", "wheeldown" };
	Buf script = BUF_INIT;
	TuiOptions opts = { .width = 80, .height = 24, .config_path = "/nonexistent" };
	App app;
	Error err;
	Status st;
	Store *s;
	StoreCheckReport rep;
	char tok[64];

	if (size > 600)
		size = 600;
	for (size_t i = 0; i < size; i++) {
		unsigned b = data[i];

		if (b >= 0xf0 && i + 2 < size) { /* a mouse event at (x, y) */
			snprintf(tok, sizeof tok, "<Mouse %s %u %u>", mouse[b & 3], data[i + 1] % 210,
				 data[i + 2] % 70);
			i += 2;
		} else if (b >= 0xe0 && i + 2 < size) { /* a resize to any size */
			snprintf(tok, sizeof tok, "<Resize %ux%u>", data[i + 1] % 200 + 1,
				 data[i + 2] % 60 + 1);
			i += 2;
		} else if (b >= 0xa0) { /* plain typing */
			snprintf(tok, sizeof tok, "%c", "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]);
		} else {
			snprintf(tok, sizeof tok, "%s", fz_tokens[b % FZ_NTOK]);
		}
		FUZZ_ASSERT(buf_puts(&script, tok) && buf_putc(&script, '\n'));
	}
	FUZZ_ASSERT(buf_puts(&script, "<Resize 80x24>\n<Idle>\n"));
	{
		char side[700];

		snprintf(side, sizeof side, "%s-wal", fz_db);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", fz_db);
		unlink(side);
	}
	copy_file(fz_template, fz_db);
	fz_app(&app, fz_db);
	opts.script_text = script.data;
	error_clear(&err);
	st = tui_run(&app, &opts, &err);
	if (st != ST_OK)
		fprintf(stderr, "fuzz_tui: %s\n", err.msg);
	FUZZ_ASSERT(st == ST_OK);
	FUZZ_ASSERT(app_store(&app, &s, &err) == ST_OK);
	FUZZ_ASSERT(store_check(s, &rep, &err) == ST_OK);
	for (size_t k = 0; k < rep.count; k++)
		fprintf(stderr, "db check: %s\n", rep.problems[k]);
	FUZZ_ASSERT(rep.count == 0);
	store_check_report_clear(&rep);
	app_clear(&app);
	buf_clear(&script);
	return 0;
}
