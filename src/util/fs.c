#include "util/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

#ifndef ENVCTL_SHARE_DIR
#define ENVCTL_SHARE_DIR "/usr/local/share/envctl"
#endif

char *fs_read_file(const char *path, size_t *len_out, Error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	Buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f) {
		error_set(err, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
			  "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (!buf_append(&b, chunk, n)) {
			if (f != stdin)
				fclose(f);
			buf_free(&b);
			error_set(err, ST_E_NOMEM, "out of memory reading %s", path);
			return NULL;
		}
	}
	if (ferror(f)) {
		error_set(err, ST_E_IO, "cannot read %s: %s", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		buf_free(&b);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	if (len_out)
		*len_out = b.len;
	return buf_take(&b);
}

Status fs_mkdir_p(const char *path, mode_t mode, Error *err)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof tmp)
		return error_set(err, ST_E_INVALID, "path is empty or too long: %s", path);
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return error_set(err, ST_E_IO, "cannot create directory %s: %s", tmp,
					 strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return error_set(err, ST_E_IO, "cannot create directory %s: %s", tmp,
				 strerror(errno));
	return ST_OK;
}

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool fs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *fs_join(const char *a, const char *b)
{
	Buf out = BUF_INIT;

	if (!buf_puts(&out, a) ||
	    (out.len && out.data[out.len - 1] != '/' && !buf_putc(&out, '/')) ||
	    !buf_puts(&out, b)) {
		buf_free(&out);
		return NULL;
	}
	return buf_take(&out);
}

char *fs_exe_dir(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return strdup(path[0] ? path : "/");
}

static char *fs_xdg_dir(const char *var, const char *fallback)
{
	const char *base = getenv(var);
	const char *home = getenv("HOME");
	char *root, *dir;

	if (base && base[0] == '/')
		return fs_join(base, "envctl");
	if (!home || !home[0])
		home = "/tmp";
	root = fs_join(home, fallback);
	if (!root)
		return NULL;
	dir = fs_join(root, "envctl");
	free(root);
	return dir;
}

char *fs_xdg_data_dir(void)
{
	return fs_xdg_dir("XDG_DATA_HOME", ".local/share");
}

char *fs_xdg_config_dir(void)
{
	return fs_xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *fs_find_resource_dir(const char *name)
{
	const char *env = getenv("ENVCTL_SHARE_DIR");
	char *exe = fs_exe_dir();
	char *cand;

	/* Build tree: build/envctl (or build/asan/envctl) next to ../forms. */
	if (exe) {
		static const char *const ups[] = { "..", "../..", "../../..", "../share/envctl" };

		for (size_t i = 0; i < sizeof ups / sizeof ups[0]; i++) {
			char *base = fs_join(exe, ups[i]);

			cand = base ? fs_join(base, name) : NULL;
			free(base);
			if (cand && fs_is_dir(cand)) {
				free(exe);
				return cand;
			}
			free(cand);
		}
		free(exe);
	}
	if (env && env[0]) {
		cand = fs_join(env, name);
		if (cand && fs_is_dir(cand))
			return cand;
		free(cand);
	}
	cand = fs_join(ENVCTL_SHARE_DIR, name);
	if (cand && fs_is_dir(cand))
		return cand;
	free(cand);
	return NULL;
}
