/* Operator key files, for the store's own .c files (opkey.c, operator.c). */
#ifndef ENVCTL_STORE_OPKEY_H
#define ENVCTL_STORE_OPKEY_H

#include "store/private.h"

/* One operator's key pair, in sodium_malloc'd memory; free with
 * store_opkey_free, which wipes it. */
typedef struct StoreOpKey {
	char name[STORE_OPERATOR_NAME_MAX + 1];
	unsigned char pk[STORE_KEY_BYTES];
	unsigned char sk[STORE_KEY_BYTES];
} StoreOpKey;

/* ST_E_NOT_FOUND when the file does not exist. */
Status store_opkey_load(const char *path, StoreOpKey **out, Error *err);
/* Loads the file, or creates it for name (NULL: the login name). */
Status store_opkey_load_or_create(const char *path, const char *name, StoreOpKey **out,
				  bool *created, Error *err);
void store_opkey_free(StoreOpKey *k);
void store_opkey_public_text(const unsigned char pk[STORE_KEY_BYTES],
			     char out[STORE_PUBKEY_TEXT_LEN]);
void store_opkey_fingerprint(const unsigned char pk[STORE_KEY_BYTES], char out[STORE_KEY_FP_LEN]);

#endif
