-- envctl schema, version 1: every table of SPEC section 2.
-- Times are UTC ISO-8601 text with milliseconds ("2026-11-26T03:55:21.123Z"),
-- which sorts as it reads; ids are UUIDv4 text.
--
-- Written for SQLite; PostgreSQL runs the same file with the dialect rules
-- of src/store/migrate.c: "-- pg: " lines are its SQL, "-- sqlite:begin" to
-- "-- sqlite:end" blocks are SQLite's alone, BLOB reads BYTEA and
-- INTEGER PRIMARY KEY an identity column.

-- PostgreSQL lacks three functions SQLite has built in: json_valid for the
-- JSON columns' checks, instr for the filters, and NOCASE for sorting names.
-- pg: CREATE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
-- pg: BEGIN PERFORM t::json; RETURN true; EXCEPTION WHEN others THEN RETURN false; END $$;
-- pg: CREATE FUNCTION instr(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE
-- pg:   AS $$ SELECT strpos(a, b) $$;
-- pg: CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- Facts about the database itself: the master-key check value, who made it.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
);

CREATE TABLE environments (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
	description TEXT NOT NULL DEFAULT '',
	driver      TEXT NOT NULL DEFAULT 'sandbox',
	status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
	provider    TEXT NOT NULL,
	-- Secret fields hold secret ids, never values.
	config      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
	metadata    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
	-- Bumped by every update: a save that read revision N refuses to
	-- write over N+1 (two consoles editing one environment).
	revision    INTEGER NOT NULL DEFAULT 1,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX environments_status_name ON environments (status, name);
CREATE INDEX environments_provider ON environments (provider, name);

CREATE TABLE leases (
	id                TEXT PRIMARY KEY,
	environment_id    TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
	heartbeat_run_id  TEXT,
	issue_id          TEXT,
	status            TEXT NOT NULL
	                  CHECK (status IN ('active', 'released', 'expired', 'failed', 'retained')),
	lease_policy      TEXT NOT NULL
	                  CHECK (lease_policy IN ('ephemeral', 'reuse_by_environment', 'retain_on_failure')),
	provider          TEXT NOT NULL,
	provider_lease_id TEXT,
	acquired_at       TEXT NOT NULL,
	last_used_at      TEXT NOT NULL,
	expires_at        TEXT,
	released_at       TEXT,
	failure_reason    TEXT,
	cleanup_status    TEXT CHECK (cleanup_status IN ('pending', 'success', 'failed')),
	metadata          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
	-- Crash-safe orchestration: the intent ("acquiring", "releasing", ...)
	-- is written before the provider is called and cleared with the outcome,
	-- so a lease caught mid-call after a crash is found and finished.
	phase             TEXT,
	cleanup_attempts  INTEGER NOT NULL DEFAULT 0,
	next_cleanup_at   TEXT,
	updated_at        TEXT NOT NULL
);
-- The default list order, and the same filtered by status, environment, provider.
CREATE INDEX leases_acquired ON leases (acquired_at DESC, id DESC);
CREATE INDEX leases_status ON leases (status, acquired_at DESC, id DESC);
CREATE INDEX leases_env ON leases (environment_id, acquired_at DESC, id DESC);
CREATE INDEX leases_provider ON leases (provider, acquired_at DESC, id DESC);
-- The reuse lookup (SPEC section 3): an environment's most recently used
-- reuse_by_environment lease.
CREATE INDEX leases_reuse ON leases (environment_id, lease_policy, last_used_at DESC);
-- Active leases per environment (environment list, delete guard) and the expiry sweep.
CREATE INDEX leases_active_env ON leases (environment_id) WHERE status = 'active';
CREATE INDEX leases_active_expiry ON leases (expires_at) WHERE status = 'active';
-- Cleanup retries with backoff.
CREATE INDEX leases_cleanup_due ON leases (next_cleanup_at)
	WHERE cleanup_status IN ('pending', 'failed');

CREATE TABLE secrets (
	id               TEXT PRIMARY KEY,
	name             TEXT NOT NULL CHECK (length(trim(name)) > 0),
	description      TEXT NOT NULL DEFAULT '',
	provider         TEXT NOT NULL DEFAULT 'local_encrypted',
	status           TEXT NOT NULL DEFAULT 'active'
	                 CHECK (status IN ('active', 'disabled', 'deleted')),
	latest_version   INTEGER NOT NULL DEFAULT 0,
	-- 'environment' when the save flow created it for a config field (and
	-- so deletes it once nothing binds it); 'operator' for `secret create`.
	origin           TEXT NOT NULL DEFAULT 'operator' CHECK (origin IN ('operator', 'environment')),
	created_by_environment_id TEXT REFERENCES environments (id) ON DELETE SET NULL,
	created_by_path  TEXT,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	last_resolved_at TEXT,
	last_rotated_at  TEXT
);
-- A deleted secret keeps its row for the audit trail but frees its name.
CREATE UNIQUE INDEX secrets_live_name ON secrets (name) WHERE status <> 'deleted';
CREATE INDEX secrets_status_name ON secrets (status, name);
CREATE INDEX secrets_created_by ON secrets (created_by_environment_id, created_by_path);

CREATE TABLE secret_versions (
	secret_id   TEXT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
	version     INTEGER NOT NULL CHECK (version >= 1),
	-- format byte, 24-byte nonce, XChaCha20-Poly1305 ciphertext and tag;
	-- NULL once destroyed.
	material    BLOB,
	-- keyed BLAKE2b of the value; NULL once destroyed.
	fingerprint BLOB,
	status      TEXT NOT NULL CHECK (status IN ('current', 'previous', 'destroyed')),
	created_at  TEXT NOT NULL,
	PRIMARY KEY (secret_id, version)
) WITHOUT ROWID;
CREATE UNIQUE INDEX secret_versions_one_current ON secret_versions (secret_id)
	WHERE status = 'current';

CREATE TABLE secret_bindings (
	id          TEXT PRIMARY KEY,
	secret_id   TEXT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
	target_type TEXT NOT NULL CHECK (target_type IN ('environment')),
	target_id   TEXT NOT NULL,
	config_path TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	UNIQUE (target_type, target_id, config_path)
);
CREATE INDEX secret_bindings_secret ON secret_bindings (secret_id);

-- Bindings point at their target by type and id, which a foreign key cannot
-- express; the trigger keeps them from dangling when an environment goes.
-- sqlite:begin
CREATE TRIGGER environments_unbind AFTER DELETE ON environments
BEGIN
	DELETE FROM secret_bindings WHERE target_type = 'environment' AND target_id = OLD.id;
END;
-- sqlite:end
-- pg: CREATE FUNCTION environments_unbind() RETURNS trigger LANGUAGE plpgsql AS $$
-- pg: BEGIN
-- pg:   DELETE FROM secret_bindings WHERE target_type = 'environment' AND target_id = OLD.id;
-- pg:   RETURN NULL;
-- pg: END $$;
-- pg: CREATE TRIGGER environments_unbind AFTER DELETE ON environments
-- pg:   FOR EACH ROW EXECUTE FUNCTION environments_unbind();

-- Every resolution attempt, successful or not. No foreign key: an attempt
-- on an unknown id is recorded too, and events outlive their secret.
CREATE TABLE secret_access_events (
	id             INTEGER PRIMARY KEY,
	secret_id      TEXT NOT NULL,
	version        INTEGER,
	consumer       TEXT NOT NULL,
	environment_id TEXT,
	config_path    TEXT,
	lease_id       TEXT,
	run_id         TEXT,
	outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
	error          TEXT,
	created_at     TEXT NOT NULL
);
CREATE INDEX secret_access_events_secret ON secret_access_events (secret_id, created_at DESC);

CREATE TABLE probes (
	id             TEXT PRIMARY KEY,
	-- NULL for a draft probe of an unsaved form.
	environment_id TEXT REFERENCES environments (id) ON DELETE CASCADE,
	provider       TEXT NOT NULL,
	ok             INTEGER NOT NULL CHECK (ok IN (0, 1)),
	summary        TEXT NOT NULL DEFAULT '',
	details        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
	duration_ms    INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL
);
CREATE INDEX probes_env_created ON probes (environment_id, created_at DESC);
-- SQLite's rowid orders probes made in the same millisecond; PostgreSQL
-- has none, so it gets a column of that name.
-- pg: ALTER TABLE probes ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;

-- Who changed what: action, actor and changed field names, never values.
CREATE TABLE activity (
	id             INTEGER PRIMARY KEY,
	created_at     TEXT NOT NULL,
	actor          TEXT NOT NULL,
	action         TEXT NOT NULL,
	entity_type    TEXT NOT NULL,
	entity_id      TEXT,
	entity_name    TEXT,
	changed_fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(changed_fields)),
	details        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
);
CREATE INDEX activity_created ON activity (created_at DESC, id DESC);
CREATE INDEX activity_entity ON activity (entity_type, entity_id, created_at DESC);
