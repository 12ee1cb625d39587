/* Secrets at rest (DESIGN §Protection): the master key, its check value, the
 * XChaCha20-Poly1305 material of each version and the keyed fingerprint.
 *
 * The master key (32 bytes) comes from ENVCTL_MASTER_KEY (hex or base64)
 * or from a 0600 key file, generated on first use and never overwritten.
 * It is used only to derive three subkeys (crypto_kdf): encryption,
 * fingerprints and the check value stored in the database. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/private.h"
#include "util/lib.h"

#define STORE_KDF_CONTEXT "envctlk1"
#define STORE_SUBKEY_ENC 1
#define STORE_SUBKEY_FP 2
#define STORE_SUBKEY_CHECK 3
#define STORE_MATERIAL_FORMAT 0x01
#define STORE_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define STORE_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define STORE_MATERIAL_MIN (1 + STORE_NONCE_BYTES + STORE_TAG_BYTES)
#define STORE_KEY_TEXT_MAX 256

/* Trims ASCII whitespace in place; returns the new length. */
static size_t store_key_trim(char *t, size_t len)
{
	size_t start = 0;

	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r' || t[len - 1] == ' ' ||
			   t[len - 1] == '\t'))
		len--;
	while (start < len && (t[start] == ' ' || t[start] == '\t'))
		start++;
	memmove(t, t + start, len - start);
	len -= start;
	t[len] = '\0';
	return len;
}

/* 64 hex digits or base64 (standard or URL-safe, padded or not) of
 * exactly 32 bytes. */
bool store_crypto_key_decode(const char *text, size_t len, unsigned char key[STORE_KEY_BYTES])
{
	static const int variants[] = {
		sodium_base64_VARIANT_ORIGINAL,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING,
	};
	size_t n = 0;
	const char *end = NULL;

	if (len == 2 * STORE_KEY_BYTES &&
	    sodium_hex2bin(key, STORE_KEY_BYTES, text, len, NULL, &n, &end) == 0 &&
	    n == STORE_KEY_BYTES && end == text + len)
		return true;
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		n = 0;
		end = NULL;
		if (sodium_base642bin(key, STORE_KEY_BYTES, text, len, NULL, &n, &end,
				      variants[i]) == 0 &&
		    n == STORE_KEY_BYTES && end == text + len)
			return true;
	}
	sodium_memzero(key, STORE_KEY_BYTES);
	return false;
}

static char *store_default_key_file(void)
{
	char *dir = fs_xdg_config_dir();
	char *path;

	if (!dir)
		return NULL;
	path = fs_join(dir, "master.key");
	free(dir);
	return path;
}

static Status store_key_read_file(const char *path, unsigned char key[STORE_KEY_BYTES],
				  Error *err)
{
	char text[STORE_KEY_TEXT_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, ST_E_NOT_FOUND, "master key file %s does not exist",
					 path);
		return error_set(err, ST_E_CRYPTO, "cannot read master key file %s: %s", path,
				 strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, ST_E_CRYPTO, "master key file %s is not a regular file",
				 path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return error_set(err, ST_E_CRYPTO,
				 "master key file %s has mode %04o, readable by others; run "
				 "`chmod 600 %s`",
				 path, (unsigned)(st.st_mode & 07777), path);
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return error_set(err, ST_E_CRYPTO,
				 "master key file %s belongs to another user (uid %u)", path,
				 (unsigned)st.st_uid);
	}
	n = read(fd, text, sizeof text);
	close(fd);
	if (n < 0)
		return error_set(err, ST_E_CRYPTO, "cannot read master key file %s: %s", path,
				 strerror(errno));
	len = (size_t)n;
	if (len == STORE_KEY_BYTES) {
		/* 32 raw bytes: no text form has that length. */
		memcpy(key, text, STORE_KEY_BYTES);
		sodium_memzero(text, sizeof text);
		return ST_OK;
	}
	if (len > STORE_KEY_TEXT_MAX) {
		sodium_memzero(text, sizeof text);
		return error_set(err, ST_E_CRYPTO,
				 "master key file %s is too large for a 32-byte key", path);
	}
	text[len] = '\0';
	len = store_key_trim(text, len);
	if (!store_crypto_key_decode(text, len, key)) {
		sodium_memzero(text, sizeof text);
		return error_set(err, ST_E_CRYPTO,
				 "master key file %s does not hold a 32-byte key (64 hex digits, "
				 "base64 or 32 raw bytes)",
				 path);
	}
	sodium_memzero(text, sizeof text);
	return ST_OK;
}

Status store_key_file_write(const char *path, const char *what, const char *text, size_t len,
			    bool *raced, Error *err)
{
	char tmp[PATH_MAX];
	char *dir, *slash;
	int fd;
	Status st = ST_OK;

	*raced = false;
	dir = strdup(path);
	if (!dir)
		return error_set(err, ST_E_NOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (!fs_is_dir(dir) && fs_mkdir_p(dir, 0700, err) != ST_OK) {
			free(dir);
			return error_prefix(err, "creating the %s directory: ", what);
		}
	}
	free(dir);
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%08x", path, (long)getpid(), randombytes_random());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set(err, ST_E_CRYPTO, "cannot create %s file %s: %s", what, path,
				 strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		st = error_set(err, ST_E_CRYPTO, "cannot write %s file %s: %s", what, path,
			       strerror(errno));
	close(fd);
	if (st == ST_OK && link(tmp, path) != 0) {
		if (errno == EEXIST)
			*raced = true;
		else
			st = error_set(err, ST_E_CRYPTO, "cannot create %s file %s: %s", what, path,
				       strerror(errno));
	}
	unlink(tmp);
	return st;
}

/* A new random master key, written as base64. */
static Status store_key_generate(const char *path, unsigned char key[STORE_KEY_BYTES],
				 bool *raced, Error *err)
{
	char text[sodium_base64_ENCODED_LEN(STORE_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL) + 1];
	size_t len;
	Status st;

	randombytes_buf(key, STORE_KEY_BYTES);
	sodium_bin2base64(text, sizeof text, key, STORE_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	len = strlen(text);
	text[len++] = '\n';
	st = store_key_file_write(path, "master key", text, len, raced, err);
	sodium_memzero(text, sizeof text);
	if (st != ST_OK || *raced)
		sodium_memzero(key, STORE_KEY_BYTES);
	return st;
}

/* The data key is kept beside its subkeys: admitting an operator seals
 * it to their public key. */
static Status store_crypto_derive_into(StoreKeys *keys, const unsigned char *data, Error *err)
{
	memcpy(keys->data, data, STORE_KEY_BYTES);
	if (crypto_kdf_derive_from_key(keys->enc, sizeof keys->enc, STORE_SUBKEY_ENC,
				       STORE_KDF_CONTEXT, data) != 0 ||
	    crypto_kdf_derive_from_key(keys->fp, sizeof keys->fp, STORE_SUBKEY_FP,
				       STORE_KDF_CONTEXT, data) != 0 ||
	    crypto_kdf_derive_from_key(keys->check, sizeof keys->check, STORE_SUBKEY_CHECK,
				       STORE_KDF_CONTEXT, data) != 0)
		return error_set(err, ST_E_CRYPTO, "cannot derive keys from the data key");
	sodium_mprotect_readonly(keys);
	return ST_OK;
}

Status store_crypto_from_data_key(const unsigned char data[STORE_KEY_BYTES], StoreKeys **out,
				  Error *err)
{
	StoreKeys *keys = sodium_malloc(sizeof *keys);

	*out = NULL;
	if (!keys)
		return error_set(err, ST_E_NOMEM, "out of memory for the data key");
	if (store_crypto_derive_into(keys, data, err) != ST_OK) {
		sodium_free(keys);
		return err->status;
	}
	*out = keys;
	return ST_OK;
}

Status store_crypto_new_data_key(StoreKeys **out, Error *err)
{
	unsigned char *data = sodium_malloc(STORE_KEY_BYTES);
	Status st;

	*out = NULL;
	if (!data)
		return error_set(err, ST_E_NOMEM, "out of memory for the data key");
	randombytes_buf(data, STORE_KEY_BYTES);
	st = store_crypto_from_data_key(data, out, err);
	sodium_free(data);
	return st;
}

Status store_crypto_load(const char *key_file, const char *key_text, bool may_generate,
			 StoreKeys **out, char *source, size_t source_len, Error *err)
{
	const char *env = key_text ? key_text : getenv("ENVCTL_MASTER_KEY");
	unsigned char *master = NULL;
	char *path = NULL;
	StoreKeys *keys = NULL;
	Status st = ST_OK;

	*out = NULL;
	master = sodium_malloc(STORE_KEY_BYTES);
	keys = sodium_malloc(sizeof *keys);
	if (!master || !keys) {
		st = error_set(err, ST_E_NOMEM, "out of memory for the master key");
		goto done;
	}
	if (env && env[0]) {
		char *text = sodium_malloc(STORE_KEY_TEXT_MAX + 1);
		size_t len = strlen(env);

		if (!text) {
			st = error_set(err, ST_E_NOMEM, "out of memory for the master key");
			goto done;
		}
		if (len > STORE_KEY_TEXT_MAX)
			len = STORE_KEY_TEXT_MAX;
		memcpy(text, env, len);
		text[len] = '\0';
		len = store_key_trim(text, len);
		if (!store_crypto_key_decode(text, len, master))
			st = error_set(err, ST_E_CRYPTO,
				       "ENVCTL_MASTER_KEY must hold a 32-byte key as 64 hex digits or "
				       "base64 (e.g. from `head -c 32 /dev/urandom | base64`)");
		sodium_free(text);
		snprintf(source, source_len, "ENVCTL_MASTER_KEY");
		if (st != ST_OK)
			goto done;
	} else {
		path = key_file ? strdup(key_file) : store_default_key_file();
		if (!path) {
			st = error_set(err, ST_E_NOMEM, "out of memory");
			goto done;
		}
		snprintf(source, source_len, "%s", path);
		st = store_key_read_file(path, master, err);
		if (st == ST_E_NOT_FOUND && may_generate) {
			bool raced;

			error_clear(err);
			st = store_key_generate(path, master, &raced, err);
			if (st == ST_OK && raced)
				st = store_key_read_file(path, master, err);
		}
		if (st != ST_OK)
			goto done;
	}
	if (store_crypto_derive_into(keys, master, err) != ST_OK) {
		st = err->status;
		goto done;
	}
	*out = keys;
	keys = NULL;
done:
	if (master)
		sodium_free(master); /* sodium_free zeroes before freeing */
	if (keys)
		sodium_free(keys);
	free(path);
	return st;
}

void store_crypto_free(StoreKeys *keys)
{
	if (keys)
		sodium_free(keys);
}

void store_crypto_check_value(const StoreKeys *keys, char hex[2 * STORE_FP_BYTES + 1])
{
	static const char label[] = "envctl master key check v1";
	unsigned char h[STORE_FP_BYTES];

	crypto_generichash(h, sizeof h, (const unsigned char *)label, sizeof label - 1, keys->check,
			   sizeof keys->check);
	sodium_bin2hex(hex, 2 * STORE_FP_BYTES + 1, h, sizeof h);
}

void store_crypto_fingerprint(const StoreKeys *keys, const char *secret_id,
			      const unsigned char *value, size_t len,
			      unsigned char out[STORE_FP_BYTES])
{
	crypto_generichash_state state;

	/* Keyed by a subkey the database does not hold, so a stolen database
	 * gives no offline oracle for short values; the secret id is mixed in
	 * so equal values in two secrets do not show as equal. */
	crypto_generichash_init(&state, keys->fp, sizeof keys->fp, STORE_FP_BYTES);
	crypto_generichash_update(&state, (const unsigned char *)secret_id, strlen(secret_id) + 1);
	crypto_generichash_update(&state, value, len);
	crypto_generichash_final(&state, out, STORE_FP_BYTES);
	sodium_memzero(&state, sizeof state);
}

static void store_crypto_ad(char *ad, size_t n, const char *secret_id, long version)
{
	snprintf(ad, n, "%s:%ld", secret_id, version);
}

Status store_crypto_encrypt(const StoreKeys *keys, const char *secret_id, long version,
			    const unsigned char *value, size_t len, unsigned char **blob,
			    size_t *blob_len, Error *err)
{
	char ad[UUID_STR_LEN + 32];
	size_t total = STORE_MATERIAL_MIN + len;
	unsigned char *b = malloc(total);
	unsigned long long clen = 0;

	*blob = NULL;
	if (!b)
		return error_set(err, ST_E_NOMEM, "out of memory");
	store_crypto_ad(ad, sizeof ad, secret_id, version);
	b[0] = STORE_MATERIAL_FORMAT;
	randombytes_buf(b + 1, STORE_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + 1 + STORE_NONCE_BYTES, &clen, value, len,
						   (const unsigned char *)ad, strlen(ad), NULL,
						   b + 1, keys->enc);
	*blob = b;
	*blob_len = 1 + STORE_NONCE_BYTES + (size_t)clen;
	return ST_OK;
}

Status store_crypto_decrypt(const StoreKeys *keys, const char *secret_name, const char *secret_id,
			    long version, const unsigned char *blob, size_t blob_len, char **value,
			    size_t *len, Error *err)
{
	char ad[UUID_STR_LEN + 32];
	unsigned char *out;
	unsigned long long mlen = 0;
	size_t clen;

	*value = NULL;
	*len = 0;
	if (!blob || blob_len < STORE_MATERIAL_MIN)
		return error_set(err, ST_E_CRYPTO,
				 "secret %s version %ld: the stored ciphertext is truncated (%zu "
				 "bytes); it was not decrypted — rotate the secret to a new value",
				 secret_name, version, blob ? blob_len : 0);
	if (blob[0] != STORE_MATERIAL_FORMAT)
		return error_set(err, ST_E_CRYPTO,
				 "secret %s version %ld: unknown ciphertext format %u", secret_name,
				 version, (unsigned)blob[0]);
	clen = blob_len - 1 - STORE_NONCE_BYTES;
	out = malloc(clen - STORE_TAG_BYTES + 1);
	if (!out)
		return error_set(err, ST_E_NOMEM, "out of memory");
	store_crypto_ad(ad, sizeof ad, secret_id, version);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL,
						       blob + 1 + STORE_NONCE_BYTES, clen,
						       (const unsigned char *)ad, strlen(ad),
						       blob + 1, keys->enc) != 0) {
		sodium_memzero(out, clen - STORE_TAG_BYTES + 1);
		free(out);
		return error_set(err, ST_E_CRYPTO,
				 "secret %s version %ld: the stored ciphertext does not "
				 "authenticate (truncated, altered, or copied from another secret "
				 "or version); it was not decrypted — rotate the secret to a new "
				 "value",
				 secret_name, version);
	}
	out[mlen] = '\0';
	*value = (char *)out;
	*len = (size_t)mlen;
	return ST_OK;
}
