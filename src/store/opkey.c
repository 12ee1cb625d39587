/* Operator key files (issue #17): an X25519 key pair per operator, the
 * private half in $XDG_CONFIG_HOME/envctl/operator.key (0600, directory
 * 0700), never in the database, argv, the environment or any output.
 *
 * The file is text so a person can see whose it is:
 *   # envctl operator key ...
 *   name alice
 *   secret <base64url of the 32-byte X25519 secret key>
 * The public key is derived from the secret one, never stored beside it,
 * so the two cannot disagree. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/private.h"
#include "store/opkey.h"
#include "util/lib.h"

#define OPKEY_FILE_MAX 1024
#define OPKEY_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

bool store_operator_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > STORE_OPERATOR_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

char *store_operator_key_default_path(void)
{
	char *dir = fs_xdg_config_dir();
	char *path;

	if (!dir)
		return NULL;
	path = fs_join(dir, "operator.key");
	free(dir);
	return path;
}


void store_opkey_public_text(const unsigned char pk[STORE_KEY_BYTES],
			     char out[STORE_PUBKEY_TEXT_LEN])
{
	sodium_bin2base64(out, STORE_PUBKEY_TEXT_LEN, pk, STORE_KEY_BYTES, OPKEY_B64);
}

void store_opkey_fingerprint(const unsigned char pk[STORE_KEY_BYTES], char out[STORE_KEY_FP_LEN])
{
	static const char label[] = "envctl operator key fingerprint v1";
	unsigned char h[8];
	char hex[17];

	crypto_generichash(h, sizeof h, pk, STORE_KEY_BYTES, (const unsigned char *)label,
			   sizeof label - 1);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(out, STORE_KEY_FP_LEN, "%.4s:%.4s:%.4s:%.4s", hex, hex + 4, hex + 8, hex + 12);
}

Status store_public_key_parse(const char *text, char canon[STORE_PUBKEY_TEXT_LEN],
			      char fp[STORE_KEY_FP_LEN], Error *err)
{
	unsigned char pk[STORE_KEY_BYTES];
	size_t len = text ? strlen(text) : 0;

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if (!text || !store_crypto_key_decode(text, len, pk))
		/* Not echoed: what was pasted may be the private half. */
		return error_set(err, ST_E_INVALID,
				 "the public key given (%zu characters) is not an operator public key "
				 "(base64 of 32 bytes, as `envctl operator init` prints it)",
				 len);
	store_opkey_public_text(pk, canon);
	if (fp)
		store_opkey_fingerprint(pk, fp);
	return ST_OK;
}

static void opkey_fill_info(const StoreOpKey *k, const char *path, StoreOperatorKeyInfo *out)
{
	snprintf(out->name, sizeof out->name, "%s", k->name);
	store_opkey_public_text(k->pk, out->public_key);
	store_opkey_fingerprint(k->pk, out->fingerprint);
	snprintf(out->path, sizeof out->path, "%s", path);
}

void store_opkey_free(StoreOpKey *k)
{
	if (k)
		sodium_free(k);
}

/* Parses the file's text into k; text is wiped by the caller. */
static Status opkey_parse(const char *path, char *text, StoreOpKey *k, Error *err)
{
	bool have_name = false, have_secret = false;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (line[0] == '#' || n == 0)
			continue;
		if (strncmp(line, "name ", 5) == 0 && store_operator_name_valid(line + 5)) {
			snprintf(k->name, sizeof k->name, "%s", line + 5);
			have_name = true;
		} else if (strncmp(line, "secret ", 7) == 0 &&
			   store_crypto_key_decode(line + 7, n - 7, k->sk)) {
			have_secret = true;
		} else {
			return error_set(err, ST_E_CRYPTO,
					 "operator key file %s is damaged (a line is neither \"name "
					 "NAME\" nor \"secret KEY\"); restore it from your backup",
					 path);
		}
	}
	if (!have_name || !have_secret)
		return error_set(err, ST_E_CRYPTO,
				 "operator key file %s is damaged (no %s line); restore it from "
				 "your backup",
				 path, have_name ? "secret" : "name");
	if (crypto_scalarmult_base(k->pk, k->sk) != 0)
		return error_set(err, ST_E_CRYPTO, "operator key file %s holds an unusable key",
				 path);
	return ST_OK;
}

Status store_opkey_load(const char *path, StoreOpKey **out, Error *err)
{
	StoreOpKey *k = NULL;
	char *text = NULL;
	struct stat st;
	ssize_t n;
	Status res = ST_OK;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, ST_E_NOT_FOUND, "operator key file %s does not exist",
					 path);
		return error_set(err, ST_E_CRYPTO, "cannot read operator key file %s: %s", path,
				 strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		res = error_set(err, ST_E_CRYPTO, "operator key file %s is not a regular file",
				path);
	else if (st.st_mode & 077)
		res = error_set(err, ST_E_CRYPTO,
				"operator key file %s has mode %04o, readable by others; run "
				"`chmod 600 %s`",
				path, (unsigned)(st.st_mode & 07777), path);
	else if (st.st_uid != geteuid())
		res = error_set(err, ST_E_CRYPTO,
				"operator key file %s belongs to another user (uid %u)", path,
				(unsigned)st.st_uid);
	if (res != ST_OK) {
		close(fd);
		return res;
	}
	text = sodium_malloc(OPKEY_FILE_MAX + 1);
	k = sodium_malloc(sizeof *k);
	if (!text || !k) {
		close(fd);
		res = error_set(err, ST_E_NOMEM, "out of memory for the operator key");
		goto done;
	}
	memset(k, 0, sizeof *k);
	n = read(fd, text, OPKEY_FILE_MAX + 1);
	close(fd);
	if (n < 0)
		res = error_set(err, ST_E_CRYPTO, "cannot read operator key file %s: %s", path,
				strerror(errno));
	else if (n > OPKEY_FILE_MAX)
		res = error_set(err, ST_E_CRYPTO, "operator key file %s is too large to be one",
				path);
	if (res != ST_OK)
		goto done;
	text[n] = '\0';
	res = opkey_parse(path, text, k, err);
	if (res == ST_OK) {
		*out = k;
		k = NULL;
	}
done:
	if (text)
		sodium_free(text);
	store_opkey_free(k);
	return res;
}

static const char *opkey_login(void)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = getenv("USER");

	if (pw && pw->pw_name && store_operator_name_valid(pw->pw_name))
		return pw->pw_name;
	return user && store_operator_name_valid(user) ? user : "operator";
}

/* The key file, written the way the master key is (store_key_file_write):
 * never over an existing one, never seen half-written. */
static Status opkey_write(const char *path, const StoreOpKey *k, bool *raced, Error *err)
{
	char *text;
	size_t len;
	Status res;

	*raced = false;
	text = sodium_malloc(OPKEY_FILE_MAX);
	if (!text)
		return error_set(err, ST_E_NOMEM, "out of memory for the operator key");
	{
		char b64[STORE_PUBKEY_TEXT_LEN];

		sodium_bin2base64(b64, sizeof b64, k->sk, STORE_KEY_BYTES, OPKEY_B64);
		len = (size_t)snprintf(text, OPKEY_FILE_MAX,
				       "# envctl operator key: your private access to envctl "
				       "databases. Keep it 0600 and back it up;\n"
				       "# never share it. Others admit you by its public key "
				       "(`envctl operator init` prints it).\n"
				       "name %s\nsecret %s\n",
				       k->name, b64);
		sodium_memzero(b64, sizeof b64);
	}
	res = store_key_file_write(path, "operator key", text, len, raced, err);
	sodium_free(text);
	return res;
}

Status store_opkey_load_or_create(const char *path, const char *name, StoreOpKey **out,
				  bool *created, Error *err)
{
	StoreOpKey *k;
	bool raced = false;
	Status res;

	*created = false;
	res = store_opkey_load(path, out, err);
	if (res != ST_E_NOT_FOUND)
		return res;
	error_clear(err);
	if (name && !store_operator_name_valid(name))
		return error_set(err, ST_E_INVALID,
				 "operator name \"%.80s\" must be 1-%d of A-Z a-z 0-9 . _ @ -", name,
				 STORE_OPERATOR_NAME_MAX);
	k = sodium_malloc(sizeof *k);
	if (!k)
		return error_set(err, ST_E_NOMEM, "out of memory for the operator key");
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name ? name : opkey_login());
	/* A public key whose text starts with "-" (URL-safe base64 of a first
	 * byte 0xf8-0xfb) reads as an option in `envctl operator add NAME
	 * PUBKEY`: draw again, 1 time in 64. */
	do
		crypto_box_keypair(k->pk, k->sk);
	while ((k->pk[0] >> 2) == 62);
	if (opkey_write(path, k, &raced, err) != ST_OK) {
		store_opkey_free(k);
		return err->status;
	}
	if (raced) {
		store_opkey_free(k);
		return store_opkey_load(path, out, err);
	}
	*out = k;
	*created = true;
	return ST_OK;
}

/* path, or when NULL the default key file's (allocated into *own, which
 * the caller frees); NULL when that found no memory. */
static const char *opkey_path(const char *path, char **own)
{
	*own = path ? NULL : store_operator_key_default_path();
	return path ? path : *own;
}

Status store_operator_key_init(const char *path, const char *name, StoreOperatorKeyInfo *out,
			       Error *err)
{
	char *own;
	StoreOpKey *k = NULL;
	bool created = false;
	Status res;

	memset(out, 0, sizeof *out);
	path = opkey_path(path, &own);
	if (!path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	res = store_opkey_load_or_create(path, name, &k, &created, err);
	if (res == ST_OK && !created && name && strcmp(name, k->name) != 0)
		res = error_set(err, ST_E_CONFLICT,
				"operator key file %s already exists for \"%s\"; use that name, or "
				"move the file away to make a new key (a database that admitted it "
				"then needs `envctl operator add` again)",
				path, k->name);
	if (res == ST_OK) {
		opkey_fill_info(k, path, out);
		out->created = created;
	}
	store_opkey_free(k);
	free(own);
	return res;
}

Status store_operator_key_info(const char *path, StoreOperatorKeyInfo *out, Error *err)
{
	char *own;
	StoreOpKey *k = NULL;
	Status res;

	memset(out, 0, sizeof *out);
	path = opkey_path(path, &own);
	if (!path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	res = store_opkey_load(path, &k, err);
	if (res == ST_OK)
		opkey_fill_info(k, path, out);
	store_opkey_free(k);
	free(own);
	return res;
}
