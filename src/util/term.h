/* Text that reaches a terminal. Names, descriptions, provider summaries
 * and plugin logs come from operators, plugins and sandboxes: printed raw,
 * an escape sequence in them can retitle the window, clear the screen,
 * rewrite earlier lines or worse. Every human-readable line the CLI
 * prints goes through term_escape; JSON output stays exact. */
#ifndef ENVCTL_UTIL_TERM_H
#define ENVCTL_UTIL_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Appends text to out with everything a terminal would interpret made
 * visible: C0 controls other than \n and \t (ESC, BEL, \r, ...) and DEL as
 * \xNN, C1 controls (U+0080..U+009F) as \u0080, and bytes that are not
 * valid UTF-8 as \xNN. With more, an incomplete UTF-8 sequence at the end
 * is left unconsumed, for the next call (a stream cut mid-character).
 * Returns the bytes consumed. */
size_t term_escape(Buf *out, const char *text, size_t n, bool more);
/* A heap copy of s escaped as above (NULL: out of memory). */
char *term_escaped(const char *s);
/* True when the n bytes at s are valid UTF-8 (controls allowed). */
bool term_utf8_valid(const char *s, size_t n);
/* True when s is valid UTF-8 with no control character at all (names). */
bool term_text_clean(const char *s);

#endif
