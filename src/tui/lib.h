/* The console layer's public headers. */
#ifndef ENVCTL_TUI_LIB_H
#define ENVCTL_TUI_LIB_H

#include "tui/tui.h"

#endif
