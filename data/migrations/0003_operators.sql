-- envctl schema, version 3: a key per operator (issue #17).
-- The secrets are encrypted with one random data key; the database holds
-- that key sealed (libsodium crypto_box_seal) to each operator's X25519
-- public key, so only an admitted operator's private key file can open it.
-- Portable SQL only (TEXT, INTEGER, BLOB): the same file runs on PostgreSQL.

CREATE TABLE operators (
	name        TEXT PRIMARY KEY,
	-- base64 of the 32-byte X25519 public key
	public_key  TEXT NOT NULL UNIQUE,
	-- the data key sealed to public_key (32 + 48 bytes)
	sealed_key  BLOB NOT NULL,
	added_at    TEXT NOT NULL,
	-- the operator who admitted this one (itself for the first)
	added_by    TEXT NOT NULL
);

-- Which operator's console resolved or verified the secret.
ALTER TABLE secret_access_events ADD COLUMN operator_name TEXT;
