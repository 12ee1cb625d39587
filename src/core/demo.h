/* `envctl demo`: fills an empty database with environments, probes and
 * leases in every status (data/demo/demo.json), through the same core
 * actions an operator uses, so a newcomer sees every view populated. */
#ifndef ENVCTL_CORE_DEMO_H
#define ENVCTL_CORE_DEMO_H

#include "core/app.h"

typedef struct DemoReport {
	int environments;
	int probes;
	int leases;
	int skipped; /* environments whose provider is not installed */
} DemoReport;

/* Refuses a database that already holds environments. */
Status demo_load(App *app, const char *demo_file, DemoReport *out, Error *err);

#endif
