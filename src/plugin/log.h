/* A bounded per-plugin log: the worker's stderr, its `log` notifications
 * and the host's own notes about it (started, killed, why). One file per
 * plugin under the log directory; when it outgrows its bound it is rotated
 * to NAME.log.1, so a worker flooding stderr costs at most twice the bound
 * on disk and never blocks the worker or the console. */
#ifndef ENVCTL_PLUGIN_LOG_H
#define ENVCTL_PLUGIN_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/lib.h"

#define PLUGIN_LOG_DEFAULT_MAX_BYTES (256u * 1024u)
/* Longer lines are cut and marked, so one huge line cannot evict the rest. */
#define PLUGIN_LOG_MAX_LINE 4096u

typedef struct PluginLog PluginLog;

/* The default log directory: $XDG_DATA_HOME/envctl/logs. Caller frees. */
char *plugin_log_default_dir(void);
/* The log file of a plugin id inside dir (the id is made file-safe).
 * Caller frees. */
char *plugin_log_path(const char *dir, const char *plugin_id);

/* The log of plugin_id; dir and file are created with the first line.
 * Never fails for I/O: a log that cannot be written drops its lines and
 * says why in plugin_log_problem(). NULL only when out of memory. */
PluginLog *plugin_log_open(const char *dir, const char *plugin_id, size_t max_bytes);
void plugin_log_close(PluginLog *log);
/* Why the log cannot be written, or NULL. */
const char *plugin_log_problem(const PluginLog *log);
const char *plugin_log_file(const PluginLog *log);

/* Appends one line "TIME [source] text". Control characters are replaced
 * and over-long text is cut. Thread-safe. */
void plugin_log_write(PluginLog *log, const char *source, const char *text, size_t len);
void plugin_log_printf(PluginLog *log, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last max_lines lines of a plugin's log (rotated part first).
 * Returns "" when there is no log yet. Caller frees. */
char *plugin_log_tail(const char *dir, const char *plugin_id, size_t max_lines, Error *err);

#endif
