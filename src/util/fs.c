#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
			buf_clear(&b);
			error_set(err, ST_E_NOMEM, "out of memory reading %s", path);
			return NULL;
		}
	}
	if (ferror(f)) {
		error_set(err, ST_E_IO, "cannot read %s: %s", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		buf_clear(&b);
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
		buf_clear(&out);
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

/* ---------------------------------------------------- removing a tree
 *
 * Only directory descriptors below the tree's parent: every entry is
 * looked at with fstatat(AT_SYMLINK_NOFOLLOW) relative to its parent's
 * descriptor, opened with O_NOFOLLOW, checked to be the inode just looked
 * at, and removed with unlinkat on the parent. A symlink swapped in by a
 * hostile process is then removed as a link, never followed. Mount points
 * (another device) are refused, not crossed. */

#define FS_RM_MAX_DEPTH 64

typedef struct FsRemoval {
	int topfd;          /* the tree being removed */
	dev_t dev;
	unsigned long moved; /* directories moved up to the top (too deep) */
	bool again;          /* the top needs another pass */
	const char *what;
	Error *err;
} FsRemoval;

static Status fs_rm_entries(FsRemoval *rm, int dfd, int depth);

static Status fs_rm_fail(FsRemoval *rm, const char *name, const char *why)
{
	return error_set(rm->err, ST_E_IO, "cannot remove %s: %s: %s", rm->what, name,
			 why);
}

/* Opens directory name of pfd for reading without following links; a
 * mode-000 directory is made 0700 first through an O_PATH descriptor. */
static int fs_open_dir_at(int pfd, const char *name, const struct stat *want)
{
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == EACCES) {
		int pathfd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char proc[64];

		if (pathfd < 0)
			return -1;
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", pathfd);
		if (fstat(pathfd, &st) == 0 && st.st_dev == want->st_dev &&
		    st.st_ino == want->st_ino && chmod(proc, 0700) == 0)
			fd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(pathfd);
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	if ((st.st_mode & 0700) != 0700)
		fchmod(fd, 0700); /* a command may have left it read-only */
	return fd;
}

static Status fs_rm_at(FsRemoval *rm, int pfd, const char *name, int depth)
{
	struct stat st;
	Status st_rm;
	int fd;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? ST_OK : fs_rm_fail(rm, name, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return unlinkat(pfd, name, 0) == 0 || errno == ENOENT
			       ? ST_OK
			       : fs_rm_fail(rm, name, strerror(errno));
	if (st.st_dev != rm->dev)
		return fs_rm_fail(rm, name,
				  "a mount point (another device) is not crossed; unmount it and "
				  "try again");
	if (depth >= FS_RM_MAX_DEPTH) {
		/* Not one more descriptor per level: the subtree moves up to the
		 * top and is removed in the next pass. */
		char up[64];

		snprintf(up, sizeof up, ".deep-%lu", rm->moved++);
		if (renameat(pfd, name, rm->topfd, up) != 0)
			return fs_rm_fail(rm, name, strerror(errno));
		rm->again = true;
		return ST_OK;
	}
	fd = fs_open_dir_at(pfd, name, &st);
	if (fd < 0)
		return fs_rm_fail(rm, name, strerror(errno));
	st_rm = fs_rm_entries(rm, fd, depth + 1);
	close(fd);
	if (st_rm != ST_OK)
		return st_rm;
	if (unlinkat(pfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		return fs_rm_fail(rm, name, strerror(errno));
	return ST_OK;
}

static Status fs_rm_entries(FsRemoval *rm, int dfd, int depth)
{
	int copy = dup(dfd);
	DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
	struct dirent *e;
	Status st = ST_OK;

	if (!d) {
		if (copy >= 0)
			close(copy);
		return fs_rm_fail(rm, ".", strerror(errno));
	}
	rewinddir(d); /* the copy shares the position a previous pass left at the end */
	while (st == ST_OK && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			st = fs_rm_at(rm, dfd, e->d_name, depth);
	closedir(d);
	return st;
}

Status fs_remove_tree_at(int rootfd, const char *name, const char *what, Error *err)
{
	FsRemoval rm = { .what = what, .err = err };
	struct stat st;
	Status s = ST_OK;

	if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? ST_OK
				       : error_set(err, ST_E_IO, "cannot remove %s: %s",
						   what, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ST_E_IO, "cannot remove %s: not a directory", what);
	rm.dev = st.st_dev;
	rm.topfd = fs_open_dir_at(rootfd, name, &st);
	if (rm.topfd < 0)
		return error_set(err, ST_E_IO, "cannot remove %s: %s", what,
				 strerror(errno));
	do {
		rm.again = false;
		s = fs_rm_entries(&rm, rm.topfd, 0);
	} while (s == ST_OK && rm.again);
	close(rm.topfd);
	if (s == ST_OK && unlinkat(rootfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		s = error_set(err, ST_E_IO, "cannot remove %s: %s", what,
			      strerror(errno));
	return s;
}
