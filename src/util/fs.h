/* Files and paths. */
#ifndef ENVCTL_UTIL_FS_H
#define ENVCTL_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/status.h"

/* Reads a whole file ("-" is stdin). Returns a NUL-terminated string. */
char *fs_read_file(const char *path, size_t *len_out, Error *err);
/* Creates path and its parents with mode for each created directory. */
Status fs_mkdir_p(const char *path, mode_t mode, Error *err);
bool fs_is_dir(const char *path);
bool fs_is_file(const char *path);
/* Joins two path parts; caller frees. */
char *fs_join(const char *a, const char *b);
/* Directory holding the running executable (from /proc/self/exe); caller frees. */
char *fs_exe_dir(void);
/* $XDG_DATA_HOME or ~/.local/share, plus "/envctl"; caller frees. */
char *fs_xdg_data_dir(void);
/* $XDG_CONFIG_HOME or ~/.config, plus "/envctl"; caller frees. */
char *fs_xdg_config_dir(void);
/* Finds a shipped resource directory (e.g. "forms"): next to the binary in a
 * build tree (../forms from build/), else $ENVCTL_SHARE_DIR/name, else the
 * installed share dir. Caller frees; NULL when not found. */
char *fs_find_resource_dir(const char *name);
/* Removes directory name of rootfd and everything in it through directory
 * descriptors only (never following a symlink, never crossing into
 * another device); what names it in errors. A missing name is success. */
Status fs_remove_tree_at(int rootfd, const char *name, const char *what, Error *err);

#endif
