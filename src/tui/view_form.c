/* Placeholder until the form renderer lands. */
#include "tui/tui.h"

static Status form_view_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	return error_set(err, ST_E_UNSUPPORTED, "forms are not built yet");
}

const TuiViewOps tui_view_form = {
	.name = "form",
	.open = form_view_open,
};
