#include "plugin/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/lib.h"

struct PluginLog {
	pthread_mutex_t mu;
	char *dir;
	char *path;
	char *rotated; /* path + ".1" */
	int fd;
	size_t size;
	size_t max_bytes;
	char problem[512];
};

char *plugin_log_default_dir(void)
{
	char *data = fs_xdg_data_dir();
	char *dir;

	if (!data)
		return NULL;
	dir = fs_join(data, "logs");
	free(data);
	return dir;
}

char *plugin_log_path(const char *dir, const char *plugin_id)
{
	Buf b = BUF_INIT;

	if (!buf_puts(&b, dir) || (b.len && b.data[b.len - 1] != '/' && !buf_putc(&b, '/'))) {
		buf_clear(&b);
		return NULL;
	}
	/* Plugin ids come from manifests: keep the name inside dir. */
	for (const char *p = plugin_id; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || (c == '.' && p != plugin_id)))
			c = '_';
		if (!buf_putc(&b, c)) {
			buf_clear(&b);
			return NULL;
		}
	}
	if (!buf_puts(&b, ".log")) {
		buf_clear(&b);
		return NULL;
	}
	return buf_take(&b);
}

static void plugin_log_reopen_locked(PluginLog *log)
{
	struct stat st;
	Error err;

	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
	error_clear(&err);
	if (fs_mkdir_p(log->dir, 0700, &err) != ST_OK) {
		snprintf(log->problem, sizeof log->problem, "%s", err.msg);
		return;
	}
	log->fd = open(log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log->fd < 0) {
		snprintf(log->problem, sizeof log->problem, "cannot write %s: %s", log->path,
			 strerror(errno));
		return;
	}
	log->problem[0] = '\0';
	log->size = fstat(log->fd, &st) == 0 ? (size_t)st.st_size : 0;
}

PluginLog *plugin_log_open(const char *dir, const char *plugin_id, size_t max_bytes)
{
	PluginLog *log = calloc(1, sizeof *log);

	if (!log)
		return NULL;
	pthread_mutex_init(&log->mu, NULL);
	log->fd = -1;
	log->max_bytes = max_bytes ? max_bytes : PLUGIN_LOG_DEFAULT_MAX_BYTES;
	log->dir = strdup(dir);
	log->path = plugin_log_path(dir, plugin_id);
	if (!log->dir || !log->path || asprintf(&log->rotated, "%s.1", log->path) < 0) {
		log->rotated = NULL;
		plugin_log_close(log);
		return NULL;
	}
	/* The file appears with the first line: plugins never used leave none. */
	return log;
}

void plugin_log_close(PluginLog *log)
{
	if (!log)
		return;
	if (log->fd >= 0)
		close(log->fd);
	pthread_mutex_destroy(&log->mu);
	free(log->dir);
	free(log->path);
	free(log->rotated);
	free(log);
}

const char *plugin_log_problem(const PluginLog *log)
{
	return log && log->problem[0] ? log->problem : NULL;
}

const char *plugin_log_file(const PluginLog *log)
{
	return log ? log->path : NULL;
}

void plugin_log_write(PluginLog *log, const char *source, const char *text, size_t len)
{
	char stamp[TIME_STR_LEN];
	Buf line = BUF_INIT;
	size_t keep = len > PLUGIN_LOG_MAX_LINE ? PLUGIN_LOG_MAX_LINE : len;

	if (!log)
		return;
	time_now_iso(stamp);
	if (!buf_printf(&line, "%s [%s] ", stamp, source) || !buf_reserve(&line, keep + 64))
		goto out;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)text[i];

		line.data[line.len++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	line.data[line.len] = '\0';
	if (keep < len && !buf_printf(&line, " [cut: %zu more bytes]", len - keep))
		goto out;
	if (!buf_putc(&line, '\n'))
		goto out;
	pthread_mutex_lock(&log->mu);
	if (log->fd < 0 && !log->problem[0])
		plugin_log_reopen_locked(log);
	if (log->fd >= 0 && log->size + line.len > log->max_bytes) {
		/* Another envctl may have rotated already; either way start afresh. */
		if (rename(log->path, log->rotated) != 0 && errno != ENOENT)
			snprintf(log->problem, sizeof log->problem, "cannot rotate %s: %s",
				 log->path, strerror(errno));
		plugin_log_reopen_locked(log);
	}
	if (log->fd >= 0) {
		ssize_t n = write(log->fd, line.data, line.len);

		if (n > 0)
			log->size += (size_t)n;
	}
	pthread_mutex_unlock(&log->mu);
out:
	buf_clear(&line);
}

void plugin_log_printf(PluginLog *log, const char *source, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	int n;

	if (!log)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	plugin_log_write(log, source, text, strnlen(text, sizeof text));
}

/* Appends the last max_lines lines of text (len bytes) to out. */
static bool plugin_log_append_tail(Buf *out, const char *text, size_t len, size_t max_lines)
{
	size_t start = len, lines = 0;

	if (len && text[len - 1] == '\n')
		start--;
	while (start > 0) {
		if (text[start - 1] == '\n' && ++lines >= max_lines)
			break;
		start--;
	}
	return buf_append(out, text + start, len - start);
}

char *plugin_log_tail(const char *dir, const char *plugin_id, size_t max_lines, Error *err)
{
	char *path = plugin_log_path(dir, plugin_id);
	char *rotated = NULL, *cur = NULL, *old = NULL;
	size_t cur_len = 0, old_len = 0, cur_lines = 0;
	Buf out = BUF_INIT;
	Error ignore;

	if (!path || asprintf(&rotated, "%s.1", path) < 0) {
		free(path);
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	cur = fs_read_file(path, &cur_len, &ignore);
	for (size_t i = 0; cur && i < cur_len; i++)
		cur_lines += cur[i] == '\n';
	if (cur_lines < max_lines)
		old = fs_read_file(rotated, &old_len, &ignore);
	if ((old && !plugin_log_append_tail(&out, old, old_len, max_lines - cur_lines)) ||
	    (cur && !plugin_log_append_tail(&out, cur, cur_len, max_lines)) ||
	    !buf_append(&out, "", 0)) {
		buf_clear(&out);
		error_set(err, ST_E_NOMEM, "out of memory");
	}
	free(cur);
	free(old);
	free(path);
	free(rotated);
	return out.data ? buf_take(&out) : NULL;
}
