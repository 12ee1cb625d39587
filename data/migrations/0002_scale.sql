-- envctl schema, version 2: indexes that fit the queries at 1M leases, and
-- lease counts kept up to date by triggers so the views never COUNT(*).

-- The reuse lookup (SPEC section 3) reads only candidates: released or
-- retained reuse_by_environment leases (active ones come through
-- leases_active_env). The old index carried no status, so every failed or
-- expired row newer than the match cost a table lookup.
DROP INDEX IF EXISTS leases_reuse;
CREATE INDEX leases_reuse_candidates ON leases (environment_id, last_used_at DESC, id DESC)
	WHERE lease_policy = 'reuse_by_environment' AND status IN ('released', 'retained');

-- The environments view's window in its default order (names compare
-- without case there, as the list always sorted them).
CREATE INDEX environments_name_nocase ON environments (name COLLATE NOCASE);

-- The leases view filtered by status and provider at once.
CREATE INDEX leases_status_provider ON leases (status, provider, acquired_at DESC, id DESC);

-- How many leases each (environment, provider, status) holds: the views'
-- totals are a sum over this small table, exact and cheap at any size.
CREATE TABLE lease_counts (
	environment_id TEXT NOT NULL,
	provider       TEXT NOT NULL,
	status         TEXT NOT NULL,
	n              INTEGER NOT NULL,
	PRIMARY KEY (environment_id, provider, status)
) WITHOUT ROWID;
CREATE INDEX lease_counts_status ON lease_counts (status, provider);

INSERT INTO lease_counts (environment_id, provider, status, n)
SELECT environment_id, provider, status, count(*) FROM leases
GROUP BY environment_id, provider, status;

-- sqlite:begin
CREATE TRIGGER leases_count_insert AFTER INSERT ON leases
BEGIN
	INSERT INTO lease_counts (environment_id, provider, status, n)
	VALUES (NEW.environment_id, NEW.provider, NEW.status, 1)
	ON CONFLICT (environment_id, provider, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER leases_count_delete AFTER DELETE ON leases
BEGIN
	UPDATE lease_counts SET n = n - 1
	WHERE environment_id = OLD.environment_id AND provider = OLD.provider
	  AND status = OLD.status;
END;

CREATE TRIGGER leases_count_update AFTER UPDATE OF environment_id, provider, status ON leases
WHEN OLD.environment_id IS NOT NEW.environment_id OR OLD.provider IS NOT NEW.provider
  OR OLD.status IS NOT NEW.status
BEGIN
	UPDATE lease_counts SET n = n - 1
	WHERE environment_id = OLD.environment_id AND provider = OLD.provider
	  AND status = OLD.status;
	INSERT INTO lease_counts (environment_id, provider, status, n)
	VALUES (NEW.environment_id, NEW.provider, NEW.status, 1)
	ON CONFLICT (environment_id, provider, status) DO UPDATE SET n = n + 1;
END;
-- sqlite:end
-- PostgreSQL: per statement, over its transition tables (a row trigger
-- would pile dead versions of one counts row into a bulk insert's
-- transaction: quadratic).
-- pg: CREATE FUNCTION leases_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
-- pg: BEGIN
-- pg:   INSERT INTO lease_counts (environment_id, provider, status, n)
-- pg:   SELECT environment_id, provider, status, count(*) FROM new_rows GROUP BY 1, 2, 3
-- pg:   ON CONFLICT (environment_id, provider, status) DO UPDATE SET n = lease_counts.n + EXCLUDED.n;
-- pg:   RETURN NULL;
-- pg: END $$;
-- pg: CREATE FUNCTION leases_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
-- pg: BEGIN
-- pg:   UPDATE lease_counts c SET n = c.n - d.k
-- pg:   FROM (SELECT environment_id, provider, status, count(*) AS k FROM old_rows GROUP BY 1, 2, 3) d
-- pg:   WHERE c.environment_id = d.environment_id AND c.provider = d.provider AND c.status = d.status;
-- pg:   RETURN NULL;
-- pg: END $$;
-- pg: CREATE FUNCTION leases_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
-- pg: BEGIN
-- pg:   UPDATE lease_counts c SET n = c.n - d.k
-- pg:   FROM (SELECT o.environment_id, o.provider, o.status, count(*) AS k
-- pg:         FROM old_rows o JOIN new_rows w ON w.id = o.id
-- pg:         WHERE (o.environment_id, o.provider, o.status)
-- pg:               IS DISTINCT FROM (w.environment_id, w.provider, w.status)
-- pg:         GROUP BY 1, 2, 3) d
-- pg:   WHERE c.environment_id = d.environment_id AND c.provider = d.provider AND c.status = d.status;
-- pg:   INSERT INTO lease_counts (environment_id, provider, status, n)
-- pg:   SELECT w.environment_id, w.provider, w.status, count(*)
-- pg:   FROM old_rows o JOIN new_rows w ON w.id = o.id
-- pg:   WHERE (o.environment_id, o.provider, o.status)
-- pg:         IS DISTINCT FROM (w.environment_id, w.provider, w.status)
-- pg:   GROUP BY 1, 2, 3
-- pg:   ON CONFLICT (environment_id, provider, status) DO UPDATE SET n = lease_counts.n + EXCLUDED.n;
-- pg:   RETURN NULL;
-- pg: END $$;
-- pg: CREATE TRIGGER leases_count_insert AFTER INSERT ON leases REFERENCING NEW TABLE AS new_rows
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION leases_count_insert();
-- pg: CREATE TRIGGER leases_count_delete AFTER DELETE ON leases REFERENCING OLD TABLE AS old_rows
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION leases_count_delete();
-- pg: CREATE TRIGGER leases_count_update AFTER UPDATE ON leases
-- pg:   REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION leases_count_update();

-- PostgreSQL: every write tells the listening consoles which table changed
-- (delivered at commit), so a view refreshes on another operator's change
-- instead of polling; store_change_counter counts these.
-- pg: CREATE FUNCTION envctl_notify() RETURNS trigger LANGUAGE plpgsql AS $$
-- pg: BEGIN PERFORM pg_notify('envctl_changes', TG_TABLE_NAME); RETURN NULL; END $$;
-- pg: CREATE TRIGGER environments_notify AFTER INSERT OR UPDATE OR DELETE ON environments
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER leases_notify AFTER INSERT OR UPDATE OR DELETE ON leases
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER secrets_notify AFTER INSERT OR UPDATE OR DELETE ON secrets
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER secret_versions_notify AFTER INSERT OR UPDATE OR DELETE ON secret_versions
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER secret_bindings_notify AFTER INSERT OR UPDATE OR DELETE ON secret_bindings
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER probes_notify AFTER INSERT OR UPDATE OR DELETE ON probes
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER activity_notify AFTER INSERT OR UPDATE OR DELETE ON activity
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
-- pg: CREATE TRIGGER meta_notify AFTER INSERT OR UPDATE OR DELETE ON meta
-- pg:   FOR EACH STATEMENT EXECUTE FUNCTION envctl_notify();
