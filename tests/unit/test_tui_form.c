/* The form renderer over real schemas (the schema engine's form tree):
 * what typing does to the value, coercion errors kept at the field,
 * arrays and maps, enum cycling, and the secret rules: typed characters
 * show as a fixed mask, a stored secret shows only its name and version, and
 * neither ever reaches the screen. */
#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tui/form.h"
#include "tui/input.h"
#include "util/fs.h"
#include "util/json.h"

static const char *const kitchen_schema =
	"{\"type\":\"object\",\"required\":[\"name\",\"port\"],\"properties\":{"
	"\"name\":{\"type\":\"string\",\"minLength\":3},"
	"\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,\"default\":8080},"
	"\"size\":{\"type\":\"integer\",\"enum\":[1,2,4],\"default\":2},"
	"\"on\":{\"type\":\"boolean\"},"
	"\"password\":{\"type\":\"string\",\"format\":\"secret-ref\",\"title\":\"Password\"},"
	"\"limits\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}},"
	"\"hosts\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"host\"],"
	"\"properties\":{\"host\":{\"type\":\"string\"}}}}},"
	"\"additionalProperties\":false}";

typedef struct Fixture {
	TuiScreen scr;
	TuiForm *form;
	cJSON *schema;
} Fixture;

static void fx_open_schema(Fixture *fx, const char *schema, const cJSON *initial,
			   const TuiFormHooks *hooks)
{
	Error err;

	setlocale(LC_ALL, "C.UTF-8");
	ck_assert_int_eq(tui_screen_open(&fx->scr, true, 100, 40, false, false, false, NULL, &err),
			 ST_OK);
	fx->schema = tu_json(schema);
	fx->form = tui_form_new(hooks);
	ck_assert_ptr_nonnull(fx->form);
	ck_assert_int_eq(tui_form_add_part(fx->form, NULL, fx->schema, initial, &err), ST_OK);
	tui_form_add_button(fx->form, "Save", TUI_FORM_BUTTON);
}

static void fx_open(Fixture *fx, const cJSON *initial, const TuiFormHooks *hooks)
{
	fx_open_schema(fx, kitchen_schema, initial, hooks);
}

static void fx_close(Fixture *fx)
{
	tui_form_free(fx->form);
	cJSON_Delete(fx->schema);
	tui_screen_close(&fx->scr);
}

static void type(Fixture *fx, const char *text)
{
	const char *p = text;

	while (*p)
		tui_form_key(fx->form, (int)tui_utf8_next(&p));
}

static void key(Fixture *fx, int k, int times)
{
	for (int i = 0; i < times; i++)
		tui_form_key(fx->form, k);
}

/* What the form draws, as the screen dump has it. */
static char *screen(Fixture *fx)
{
	char *dir = tu_tmpdir(), *path = fs_join(dir, "s.txt"), *text;
	int cy, cx;
	Error err;

	erase();
	tui_form_draw(fx->form, &fx->scr, 0, 0, 40, 100, &cy, &cx);
	wnoutrefresh(stdscr);
	doupdate();
	ck_assert_int_eq(tui_screen_dump(&fx->scr, path, &err), ST_OK);
	text = fs_read_file(path, NULL, &err);
	ck_assert_ptr_nonnull(text);
	free(path);
	free(dir);
	return text;
}

static char *value_text(Fixture *fx)
{
	return cJSON_PrintUnformatted(tui_form_value(fx->form, 0));
}

START_TEST(typing_builds_typed_values)
{
	Fixture fx;
	char *v;

	fx_open(&fx, NULL, NULL);
	v = value_text(&fx);
	/* Defaults first. */
	ck_assert_str_eq(v, "{\"port\":8080,\"size\":2}");
	free(v);
	type(&fx, "web");
	key(&fx, TUI_KEY_TAB, 1);
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "443");
	key(&fx, TUI_KEY_TAB, 1);
	key(&fx, TUI_FN(KEY_RIGHT), 1); /* size: 2 -> 4 */
	key(&fx, TUI_KEY_TAB, 1);
	key(&fx, ' ', 1); /* on: toggled */
	v = value_text(&fx);
	ck_assert_str_eq(v, "{\"port\":443,\"size\":4,\"name\":\"web\",\"on\":true}");
	free(v);
	ck_assert_uint_eq(tui_form_validate(fx.form), 0);
	fx_close(&fx);
}
END_TEST

START_TEST(bad_text_stays_with_its_error)
{
	Fixture fx;
	char *s;

	fx_open(&fx, NULL, NULL);
	key(&fx, TUI_KEY_TAB, 1);
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "80a");
	key(&fx, TUI_KEY_TAB, 1);
	/* The integer field keeps its old value; the text and its error show. */
	ck_assert_int_eq(cJSON_GetObjectItem(tui_form_value(fx.form, 0), "port")->valueint, 8080);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "80a"));
	ck_assert_ptr_nonnull(strstr(s, "must be an integer"));
	free(s);
	/* Validation adds the schema's problems to the summary. */
	ck_assert_uint_eq(tui_form_validate(fx.form), 2); /* the draft, and name required */
	s = screen(&fx);
	/* The summary names fields by label (#14); the focus went to the
	 * first field with a problem. */
	ck_assert_ptr_nonnull(strstr(s, "2 problems: Port: must be an integer"));
	ck_assert_ptr_nonnull(strstr(s, "Name: required"));
	ck_assert_ptr_null(strstr(s, "/name"));
	free(s);
	{
		int part;

		ck_assert_str_eq(tui_form_focus_pointer(fx.form, &part), "/name");
	}
	/* Fixing it clears both the draft and, live, the summary entry. */
	ck_assert(tui_form_focus(fx.form, 0, "/port"));
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "70000");
	key(&fx, TUI_KEY_TAB, 1);
	s = screen(&fx);
	ck_assert_ptr_null(strstr(s, "80a"));
	ck_assert_ptr_nonnull(strstr(s, "must be at most 65535"));
	free(s);
	fx_close(&fx);
}
END_TEST

START_TEST(typed_secret_never_shows)
{
	Fixture fx;
	char *s;

	fx_open(&fx, NULL, NULL);
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	type(&fx, "hunter2");
	s = screen(&fx);
	/* While typing: a fixed mask, never the text nor its length (#14). */
	ck_assert_ptr_nonnull(strstr(s, "●●●●●● typed"));
	ck_assert_ptr_null(strstr(s, "*******"));
	ck_assert_ptr_null(strstr(s, "hunter2"));
	free(s);
	key(&fx, TUI_KEY_TAB, 1);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "●●●●●● (new value)"));
	ck_assert_ptr_null(strstr(s, "hunter2"));
	free(s);
	/* The value goes to the save flow as typed. */
	ck_assert_str_eq(json_get_string(tui_form_value(fx.form, 0), "password"), "hunter2");
	/* Coming back starts empty: typing replaces, it never reveals. */
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	key(&fx, TUI_FN(KEY_BACKSPACE), 3);
	key(&fx, TUI_KEY_TAB, 1);
	ck_assert_str_eq(json_get_string(tui_form_value(fx.form, 0), "password"), "hunter2");
	fx_close(&fx);
}
END_TEST

static int label_calls;

static char *label_hook(void *ctx, const char *value)
{
	label_calls++;
	return !strcmp(value, "6f1c0e52-0000-4000-8000-000000000001") ? strdup("db-pass v3") : NULL;
}

static int verify_calls;

static Status verify_hook(void *ctx, const char *id, const char *plaintext, bool *match, Error *err)
{
	verify_calls++;
	*match = !strcmp(plaintext, "right");
	return ST_OK;
}

/* The secret picker's end (#15): a typed value is dropped for the chosen
 * secret's id, the field shows its name and version, and a host without
 * the picker is not offered one. */
START_TEST(picked_secret_replaces_typed_value)
{
	Fixture fx;
	TuiFormHooks hooks = { label_hook, verify_hook, NULL, true };
	cJSON *init = tu_json("{\"name\":\"web\",\"port\":1}");
	char *s;

	fx_open(&fx, init, &hooks);
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	ck_assert_str_eq(tui_form_focus_pickable(fx.form), "Password");
	type(&fx, "typed-plaintext");
	ck_assert_int_eq(tui_form_set_secret_ref(fx.form, "6f1c0e52-0000-4000-8000-000000000001"),
			 TUI_FORM_CONSUMED);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "(secret db-pass v3)"));
	free(s);
	ck_assert_ptr_nonnull(strstr(tui_form_hint(fx.form), "^P pick"));
	key(&fx, TUI_KEY_TAB, 1);
	ck_assert_str_eq(json_get_string(tui_form_value(fx.form, 0), "password"),
			 "6f1c0e52-0000-4000-8000-000000000001");
	/* Not a secret field: nothing to pick. */
	ck_assert(tui_form_focus(fx.form, 0, "/name"));
	ck_assert_ptr_null(tui_form_focus_pickable(fx.form));
	ck_assert_int_eq(tui_form_set_secret_ref(fx.form, "x"), TUI_FORM_IGNORED);
	cJSON_Delete(init);
	fx_close(&fx);
	hooks.can_pick = false;
	fx_open(&fx, NULL, &hooks);
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	ck_assert_ptr_null(tui_form_focus_pickable(fx.form));
	ck_assert_ptr_null(strstr(tui_form_hint(fx.form), "^P"));
	fx_close(&fx);
}
END_TEST

START_TEST(stored_secret_shows_name_and_version)
{
	Fixture fx;
	TuiFormHooks hooks = { label_hook, verify_hook, NULL, false };
	cJSON *init = tu_json("{\"name\":\"web\",\"port\":1,"
			      "\"password\":\"6f1c0e52-0000-4000-8000-000000000001\"}");
	char *s;

	fx_open(&fx, init, &hooks);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "●●●●●● (secret db-pass v3)"));
	ck_assert_ptr_null(strstr(s, "6f1c0e52"));
	free(s);
	/* ^T checks a typed value against it; what was typed is forgotten. */
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	type(&fx, "wrong");
	key(&fx, TUI_CTRL('t'), 1);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "does NOT match secret db-pass v3"));
	free(s);
	type(&fx, "right");
	key(&fx, TUI_CTRL('t'), 1);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "matches secret db-pass v3"));
	free(s);
	ck_assert_int_eq(verify_calls, 2);
	key(&fx, TUI_KEY_TAB, 1);
	/* Verifying replaced nothing: the reference stays. */
	ck_assert_str_eq(json_get_string(tui_form_value(fx.form, 0), "password"),
			 "6f1c0e52-0000-4000-8000-000000000001");
	cJSON_Delete(init);
	fx_close(&fx);
}
END_TEST

/* Regression: drawing a stored-secret field while typing into it asked
 * the hook for the label and returned early without freeing it (48 bytes
 * a frame under LSan). Now the typed stars are drawn without asking, and
 * every label asked for is drawn (and freed). */
START_TEST(typing_into_stored_secret_asks_no_label)
{
	Fixture fx;
	TuiFormHooks hooks = { label_hook, verify_hook, NULL, false };
	cJSON *init = tu_json("{\"name\":\"web\",\"port\":1,"
			      "\"password\":\"6f1c0e52-0000-4000-8000-000000000001\"}");
	char *s;
	int before;

	fx_open(&fx, init, &hooks);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "(secret db-pass v3)"));
	free(s);
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	type(&fx, "n");
	before = label_calls;
	for (int i = 0; i < 10; i++) {
		type(&fx, "x");
		s = screen(&fx);
		ck_assert_ptr_nonnull(strstr(s, "typed (^U clears)"));
		ck_assert_ptr_null(strstr(s, "nx"));
		free(s);
	}
	ck_assert_int_eq(label_calls, before);
	cJSON_Delete(init);
	fx_close(&fx);
}
END_TEST

/* Regression (found by fuzz_tui): adding an item rebuilt the rows, which
 * reallocates them, and then read the add row's part through the stale
 * pointer (heap-use-after-free under make asan / valgrind). Enough items
 * to move the rows, each landing focused. */
START_TEST(adding_many_items_keeps_focus)
{
	Fixture fx;
	char ptr[32];

	fx_open(&fx, NULL, NULL);
	for (int i = 0; i < 40; i++) {
		ck_assert(tui_form_focus(fx.form, 0, "/hosts"));
		key(&fx, TUI_KEY_ENTER, 1);
		type(&fx, "h");
	}
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(tui_form_value(fx.form, 0), "hosts")),
			 40);
	snprintf(ptr, sizeof ptr, "/hosts/%d/host", 39);
	ck_assert(tui_form_focus(fx.form, 0, ptr));
	fx_close(&fx);
}
END_TEST

START_TEST(maps_and_arrays)
{
	Fixture fx;
	char *v;

	fx_open(&fx, NULL, NULL);
	/* "+ add entry" under limits: a key row, then its value. */
	ck_assert(tui_form_focus(fx.form, 0, "/limits"));
	key(&fx, TUI_KEY_ENTER, 1);
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "cpu");
	key(&fx, TUI_KEY_TAB, 1);
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "4");
	key(&fx, TUI_KEY_TAB, 1);
	/* "+ add item" under hosts, twice; fill the second. */
	ck_assert(tui_form_focus(fx.form, 0, "/hosts"));
	key(&fx, TUI_KEY_ENTER, 1);
	ck_assert(tui_form_focus(fx.form, 0, "/hosts"));
	key(&fx, TUI_KEY_ENTER, 1);
	key(&fx, TUI_KEY_TAB, 1);
	type(&fx, "b.example");
	key(&fx, TUI_KEY_TAB, 1);
	v = value_text(&fx);
	ck_assert_ptr_nonnull(strstr(v, "\"limits\":{\"cpu\":4}"));
	ck_assert_ptr_nonnull(strstr(v, "\"hosts\":[{},{\"host\":\"b.example\"}]"));
	free(v);
	/* ^D on the first item removes it. */
	ck_assert(tui_form_focus(fx.form, 0, "/hosts/0"));
	key(&fx, TUI_CTRL('d'), 1);
	v = value_text(&fx);
	ck_assert_ptr_nonnull(strstr(v, "\"hosts\":[{\"host\":\"b.example\"}]"));
	free(v);
	/* ^D on a map key removes the entry. */
	ck_assert(tui_form_focus(fx.form, 0, "/limits/cpu"));
	key(&fx, TUI_CTRL('d'), 1);
	v = value_text(&fx);
	ck_assert_ptr_nonnull(strstr(v, "\"limits\":{}"));
	free(v);
	fx_close(&fx);
}
END_TEST

START_TEST(buttons_and_submit)
{
	Fixture fx;
	int r = 0;

	fx_open(&fx, NULL, NULL);
	ck_assert_int_eq(tui_form_key(fx.form, TUI_CTRL('s')), TUI_FORM_SUBMIT);
	/* Tab from the last field reaches the button; Enter presses it. */
	for (int i = 0; i < 30 && r != TUI_FORM_BUTTON; i++) {
		tui_form_key(fx.form, TUI_KEY_TAB);
		r = tui_form_key(fx.form, TUI_KEY_ENTER);
	}
	ck_assert_int_eq(r, TUI_FORM_BUTTON);
	fx_close(&fx);
}
END_TEST


/* The shape of Paperclip's kubernetes driver: either in-cluster
 * credentials (a const in one anyOf branch) or a pasted kubeconfig. */
static const char *const alt_schema =
	"{\"type\":\"object\",\"properties\":{"
	"\"inCluster\":{\"type\":\"boolean\",\"description\":\"Use the pod's ServiceAccount.\"},"
	"\"kubeconfig\":{\"type\":\"string\",\"format\":\"secret-ref\",\"pattern\":\"\\\\S\","
	"\"description\":\"Inline kubeconfig YAML. Paste a kubeconfig.\"},"
	"\"namespacePrefix\":{\"type\":\"string\",\"maxLength\":20}},"
	"\"anyOf\":[{\"properties\":{\"inCluster\":{\"const\":true}},\"required\":[\"inCluster\"]},"
	"{\"required\":[\"kubeconfig\"]}]}";

START_TEST(alternatives_are_a_choice)
{
	Fixture fx;
	char *scr, *v;

	fx_open_schema(&fx, alt_schema, NULL, NULL);
	scr = screen(&fx);
	/* a choice, not a fixed field; the branches' own fields wait for it */
	ck_assert_msg(strstr(scr, "( ) In Cluster   ( ) Kubeconfig") != NULL, "%s", scr);
	ck_assert_ptr_null(strstr(scr, "(fixed)"));
	ck_assert_ptr_null(strstr(scr, "Kubeconfig  "));
	ck_assert_ptr_nonnull(strstr(scr, "Namespace Prefix"));
	free(scr);
	/* choosing in-cluster submits inCluster: true */
	ck_assert(tui_form_focus(fx.form, 0, ""));
	key(&fx, ' ', 1);
	v = value_text(&fx);
	ck_assert_str_eq(v, "{\"inCluster\":true}");
	free(v);
	ck_assert_uint_eq(tui_form_validate(fx.form), 0);
	/* the other alternative: inCluster goes, the kubeconfig is a
	 * multi-line secret */
	key(&fx, TUI_FN(KEY_RIGHT), 1);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "( ) In Cluster   (•) Kubeconfig") != NULL, "%s", scr);
	free(scr);
	v = value_text(&fx);
	ck_assert_str_eq(v, "{}");
	free(v);
	ck_assert(tui_form_focus(fx.form, 0, "/kubeconfig"));
	type(&fx, "apiVersion: v1");
	key(&fx, TUI_KEY_ENTER, 1);
	type(&fx, "kind: Config");
	key(&fx, TUI_KEY_TAB, 1);
	v = value_text(&fx);
	ck_assert_str_eq(v, "{\"kubeconfig\":\"apiVersion: v1\\nkind: Config\"}");
	free(v);
	scr = screen(&fx);
	ck_assert_ptr_null(strstr(scr, "apiVersion"));
	free(scr);
	ck_assert_uint_eq(tui_form_validate(fx.form), 0);
	fx_close(&fx);
}
END_TEST

/* x-paperclip-advanced fields fold behind one toggle; inside it,
 * x-paperclip-group makes sub-sections. */
static const char *const hints_schema =
	"{\"type\":\"object\",\"required\":[\"vmName\"],\"properties\":{"
	"\"vmName\":{\"type\":\"string\"},"
	"\"host\":{\"type\":\"string\",\"x-paperclip-advanced\":true,"
	"\"x-paperclip-group\":\"SSH access\"},"
	"\"sshPort\":{\"type\":\"integer\",\"maximum\":65535,\"x-paperclip-advanced\":true,"
	"\"x-paperclip-group\":\"SSH access\"},"
	"\"image\":{\"type\":\"string\",\"x-paperclip-advanced\":true,"
	"\"x-paperclip-group\":\"VM resources\"},"
	"\"timeoutMs\":{\"type\":\"number\",\"x-paperclip-advanced\":true}}}";

START_TEST(advanced_fields_fold_and_group)
{
	Fixture fx;
	char *scr;

	fx_open_schema(&fx, hints_schema, NULL, NULL);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Advanced (4 fields)") != NULL, "%s", scr);
	ck_assert_ptr_nonnull(strstr(scr, "Vm Name"));
	ck_assert_ptr_null(strstr(scr, "Ssh Port"));
	ck_assert_ptr_null(strstr(scr, "SSH access"));
	free(scr);
	ck_assert(tui_form_focus(fx.form, 0, "/vmName"));
	type(&fx, "dev");
	key(&fx, TUI_KEY_TAB, 1); /* the toggle */
	key(&fx, TUI_KEY_ENTER, 1);
	scr = screen(&fx);
	{
		const char *t = strstr(scr, "Timeout Ms"), *g1 = strstr(scr, "SSH access"),
			   *h = strstr(scr, "Host"), *g2 = strstr(scr, "VM resources"),
			   *im = strstr(scr, "Image");

		ck_assert_msg(t && g1 && h && g2 && im, "%s", scr);
		/* ungrouped first, then each group under its heading */
		ck_assert(t < g1 && g1 < h && h < g2 && g2 < im);
	}
	free(scr);
	/* folded again, a problem in an advanced field unfolds it */
	ck_assert(tui_form_focus(fx.form, 0, "/sshPort"));
	type(&fx, "70000");
	key(&fx, TUI_KEY_TAB, 1);
	ck_assert(tui_form_focus(fx.form, 0, "")); /* the toggle */
	key(&fx, TUI_KEY_ENTER, 1);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Ssh Port") == NULL, "%s", scr);
	free(scr);
	ck_assert_uint_gt(tui_form_validate(fx.form), 0);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Ssh Port") != NULL, "%s", scr);
	ck_assert_msg(strstr(scr, "must be at most 65535") != NULL, "%s", scr);
	free(scr);
	fx_close(&fx);
}
END_TEST

/* #11: editing a stored config that leaves a defaulted field out shows the
 * default as a hint, and submits nothing for it. */
/* Leaving an edited field runs the save's checks on it at once (#14):
 * 70000 over maximum 65535 shows before any save; untouched required
 * fields stay quiet until one. */
START_TEST(leaving_a_field_checks_it)
{
	Fixture fx;
	char *s;

	fx_open(&fx, NULL, NULL);
	ck_assert(tui_form_focus(fx.form, 0, "/port"));
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "70000");
	s = screen(&fx);
	ck_assert_ptr_null(strstr(s, "must be at most 65535"));
	free(s);
	key(&fx, TUI_KEY_TAB, 1);
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "must be at most 65535"));
	ck_assert_msg(strstr(s, "1 problem: Port: must be at most 65535") != NULL, "%s", s);
	ck_assert_ptr_null(strstr(s, "required"));
	free(s);
	fx_close(&fx);
}
END_TEST

/* A bracketed paste is one block (#14): a multi-line key pasted into a
 * secret stays whole in that field and the focus does not move; a
 * one-line field drops only the trailing newline. */
START_TEST(paste_is_one_block)
{
	static const char key_text[] = "-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----\n";
	Fixture fx;
	int part;
	char *s;

	fx_open(&fx, NULL, NULL);
	ck_assert(tui_form_focus(fx.form, 0, "/password"));
	ck_assert_int_eq(tui_form_paste(fx.form, key_text, strlen(key_text)), TUI_FORM_CONSUMED);
	ck_assert_str_eq(tui_form_focus_pointer(fx.form, &part), "/password");
	s = screen(&fx);
	ck_assert_ptr_nonnull(strstr(s, "typed, 4 lines"));
	ck_assert_ptr_null(strstr(s, "AAAA"));
	free(s);
	ck_assert_uint_ge(tui_form_validate(fx.form), 1);
	ck_assert_str_eq(json_get_string(tui_form_value(fx.form, 0), "password"), key_text);
	ck_assert(tui_form_focus(fx.form, 0, "/name"));
	ck_assert_int_eq(tui_form_paste(fx.form, "web-1\n", 6), TUI_FORM_CONSUMED);
	ck_assert_str_eq(tui_form_focus_pointer(fx.form, &part), "/name");
	tui_form_validate(fx.form);
	ck_assert_str_eq(json_get_string(tui_form_value(fx.form, 0), "name"), "web-1");
	/* A boolean takes no text. */
	ck_assert(tui_form_focus(fx.form, 0, "/on"));
	ck_assert_int_eq(tui_form_paste(fx.form, "x", 1), TUI_FORM_IGNORED);
	fx_close(&fx);
}
END_TEST

START_TEST(default_shown_not_stored)
{
	Fixture fx;
	cJSON *initial = tu_json("{\"name\":\"web\"}");
	char *scr, *v;

	fx_open(&fx, initial, NULL);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "(default: 8080)") != NULL, "%s", scr);
	free(scr);
	v = value_text(&fx);
	ck_assert_str_eq(v, "{\"name\":\"web\"}");
	free(v);
	cJSON_Delete(initial);
	fx_close(&fx);
}
END_TEST

/* The 2020-12 applicators through the one renderer (#13): then/else
 * fields come and go with the condition, dependentRequired marks its
 * field as the trigger is filled, prefixItems positions are their own
 * fields, a patternProperties map refuses a name that does not match. */
static const char *const applicators_schema =
	"{\"type\":\"object\",\"properties\":{"
	"\"mode\":{\"enum\":[\"local\",\"ssh\"],\"default\":\"local\"},"
	"\"user\":{\"type\":\"string\"},\"password\":{\"type\":\"string\",\"format\":\"secret-ref\"},"
	"\"pair\":{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\",\"title\":\"Host name\"},"
	"{\"type\":\"integer\",\"title\":\"Port number\"}],\"items\":false},"
	"\"env\":{\"type\":\"object\",\"patternProperties\":{\"^[A-Z_]+$\":{\"type\":\"string\"}},"
	"\"additionalProperties\":false}},"
	"\"dependentRequired\":{\"user\":[\"password\"]},"
	"\"if\":{\"properties\":{\"mode\":{\"const\":\"ssh\"}},\"required\":[\"mode\"]},"
	"\"then\":{\"properties\":{\"sshHost\":{\"type\":\"string\"}},\"required\":[\"sshHost\"]},"
	"\"else\":{\"properties\":{\"workDir\":{\"type\":\"string\"}}}}";

START_TEST(applicators_render)
{
	Fixture fx;
	char *scr, *v;

	fx_open_schema(&fx, applicators_schema, NULL, NULL);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Work Dir") && !strstr(scr, "Ssh Host"), "%s", scr);
	ck_assert_msg(strstr(scr, "Password  ") && !strstr(scr, "Password *"), "%s", scr);
	free(scr);
	/* mode -> ssh: the then field shows, required; the else field goes */
	ck_assert(tui_form_focus(fx.form, 0, "/mode"));
	key(&fx, TUI_FN(KEY_RIGHT), 1);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Ssh Host *") && !strstr(scr, "Work Dir"), "%s", scr);
	free(scr);
	/* user filled: password is required now */
	ck_assert(tui_form_focus(fx.form, 0, "/user"));
	type(&fx, "ops");
	key(&fx, TUI_KEY_TAB, 1);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Password *") != NULL, "%s", scr);
	free(scr);
	/* the tuple: each position is its own typed field, then no more */
	ck_assert(tui_form_focus(fx.form, 0, "/pair"));
	key(&fx, TUI_KEY_ENTER, 1);
	type(&fx, "db");
	key(&fx, TUI_KEY_TAB, 1);
	ck_assert(tui_form_focus(fx.form, 0, "/pair"));
	key(&fx, TUI_KEY_ENTER, 1);
	ck_assert_str_eq(tui_form_focus_pointer(fx.form, NULL), "/pair/1");
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "5432");
	key(&fx, TUI_KEY_TAB, 1);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Host name") && strstr(scr, "Port number"), "%s", scr);
	free(scr);
	v = value_text(&fx);
	ck_assert_msg(strstr(v, "\"pair\":[\"db\",5432]") != NULL, "%s", v);
	free(v);
	fx_close(&fx);
}
END_TEST

/* uniqueItems: a repeated row says which earlier row it repeats. */
START_TEST(unique_items_row_marked)
{
	Fixture fx;
	cJSON *init = tu_json("{\"tags\":[\"a\",\"b\",\"a\"]}");
	char *scr;

	fx_open_schema(&fx, "{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\","
			   "\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"title\":\"Tag\"}}}}",
			   init, NULL);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Tag 3 (= 1)") && strstr(scr, "Tag 2 ") && !strstr(scr, "Tag 2 (="),
		      "%s", scr);
	free(scr);
	ck_assert(tui_form_focus(fx.form, 0, "/tags/2"));
	key(&fx, TUI_CTRL('u'), 1);
	type(&fx, "c");
	key(&fx, TUI_KEY_TAB, 1);
	scr = screen(&fx);
	ck_assert_msg(strstr(scr, "Tag 3 ") && !strstr(scr, "(= 1)"), "%s", scr);
	free(scr);
	cJSON_Delete(init);
	fx_close(&fx);
}
END_TEST

TEST_SUITE(tui_form)
{
	Suite *s = suite_create("tui_form");
	TCase *tc = tcase_create("form");

	tcase_add_test(tc, typing_builds_typed_values);
	tcase_add_test(tc, bad_text_stays_with_its_error);
	tcase_add_test(tc, typed_secret_never_shows);
	tcase_add_test(tc, stored_secret_shows_name_and_version);
	tcase_add_test(tc, picked_secret_replaces_typed_value);
	tcase_add_test(tc, typing_into_stored_secret_asks_no_label);
	tcase_add_test(tc, adding_many_items_keeps_focus);
	tcase_add_test(tc, maps_and_arrays);
	tcase_add_test(tc, buttons_and_submit);
	tcase_add_test(tc, alternatives_are_a_choice);
	tcase_add_test(tc, advanced_fields_fold_and_group);
	tcase_add_test(tc, default_shown_not_stored);
	tcase_add_test(tc, applicators_render);
	tcase_add_test(tc, unique_items_row_marked);
	tcase_add_test(tc, paste_is_one_block);
	tcase_add_test(tc, leaving_a_field_checks_it);
	suite_add_tcase(s, tc);
	return s;
}
