/* Test plugins for the plugin suites: folders whose worker is the
 * misbehaving tests/helpers/test_worker, and hosts with short timeouts. */
#ifndef ENVCTL_TESTS_PLUGIN_FIXTURE_H
#define ENVCTL_TESTS_PLUGIN_FIXTURE_H

#include "plugin/lib.h"

/* build/tests/helpers/NAME next to the running unit-test binary. */
char *pf_helper_path(const char *name);
/* build/plugins (the bundled plugins of this build). */
char *pf_bundled_dir(void);
/* Writes ROOT/NAME/manifest.json for the test worker with plugin id ID and
 * one sandbox_provider driver DRIVER. extra is spliced into the manifest
 * object (e.g. "\"inheritEnv\":[\"X\"]," ) or NULL. Returns the folder. */
char *pf_make_plugin(const char *root, const char *name, const char *id, const char *driver,
		     const char *extra);
/* A host logging under logdir with the given default timeout. */
PluginHost *pf_host(const char *logdir, long timeout_ms);
/* Reads a whole file into a string ("" when missing). */
char *pf_read(const char *path);

#endif
