/* libpq, loaded when a postgresql:// database is opened. Linked in, it
 * cost every command 4 ms at start (GnuTLS, Kerberos and LDAP come with
 * it and run their initialisers) whether it used PostgreSQL or not; most
 * consoles never do. Private to the store's PostgreSQL driver. */
#ifndef ENVCTL_STORE_PQ_H
#define ENVCTL_STORE_PQ_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Every libpq function the driver calls, and nothing else. */
#define PQ_FUNCS(X)                                                                        \
	X(PQclear) X(PQresultStatus) X(PQerrorMessage) X(PQexec) X(PQstatus) X(PQgetResult) \
	X(PQresultErrorField) X(PQsendQueryParams) X(PQgetvalue) X(PQtransactionStatus)     \
	X(PQsendQueryPrepared) X(PQntuples) X(PQftype) X(PQfreemem) X(PQexitPipelineMode)   \
	X(PQunescapeBytea) X(PQsocket) X(PQsetSingleRowMode) X(PQsetNoticeProcessor)        \
	X(PQsendPrepare) X(PQresultErrorMessage) X(PQreset) X(PQprepare) X(PQpipelineSync)  \
	X(PQparameterStatus) X(PQnotifies) X(PQnfields) X(PQgetlength) X(PQgetisnull)       \
	X(PQfinish) X(PQenterPipelineMode) X(PQconsumeInput) X(PQconnectionNeedsPassword)   \
	X(PQconnectdb) X(PQcmdTuples) X(PQcmdStatus)

typedef struct PqApi {
	void *handle; /* dlopen's, one per connection (dlopen counts them) */
#define PQ_MEMBER(f) __typeof__(f) *f;
	PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
} PqApi;

/* Loads libpq.so.5 into api; false with a sentence in msg that names the
 * package to install. */
bool pq_load(PqApi *api, char *msg, size_t n);
void pq_unload(PqApi *api);

#endif
