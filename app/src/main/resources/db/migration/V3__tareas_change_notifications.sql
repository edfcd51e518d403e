-- Any committed change to tareas, by any client, reaches gad-stats' cache: statement-level triggers
-- send the affected delegados on the channel gad_stats_invalidate (docs/database-invalidation.md).
--
-- Payload: '<ms>:<id>,<id>,...' where <ms> is clock_timestamp() in Unix epoch milliseconds at the
-- end of the statement and the ids are the distinct delegado_usuario_id values of the old and new
-- rows (a reassignment names both; a soft delete is an UPDATE). A TRUNCATE sends '<ms>:*' (every
-- user). Ids are split over several notifications so that none exceeds 7,000 bytes (NOTIFY's limit
-- is 8,000). PostgreSQL delivers notifications only when the transaction commits, and drops them
-- when it rolls back.
--
-- Idempotent (CREATE OR REPLACE, DROP IF EXISTS), so it may also be run by hand, before or after
-- Flyway runs it, on PostgreSQL 11 or later (EXECUTE FUNCTION).

CREATE OR REPLACE FUNCTION gad_stats_notify_users(users bigint[]) RETURNS void
    LANGUAGE sql AS $$
    SELECT pg_notify('gad_stats_invalidate',
                     floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint || ':' || string_agg(id::text, ',' ORDER BY id))
      FROM (SELECT id, sum(length(id::text) + 1) OVER (ORDER BY id) / 7000 AS chunk
              FROM (SELECT DISTINCT unnest(users) AS id) AS distinct_users
             WHERE id IS NOT NULL) AS numbered
     GROUP BY chunk;
$$;

CREATE OR REPLACE FUNCTION gad_stats_tareas_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM gad_stats_notify_users(ARRAY(SELECT DISTINCT delegado_usuario_id FROM gad_new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM gad_stats_notify_users(ARRAY(SELECT delegado_usuario_id FROM gad_old_rows
                                             UNION
                                             SELECT delegado_usuario_id FROM gad_new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM gad_stats_notify_users(ARRAY(SELECT DISTINCT delegado_usuario_id FROM gad_old_rows));
    ELSIF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('gad_stats_invalidate', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint || ':*');
    END IF;
    RETURN NULL;
END;
$$;

-- One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
DROP TRIGGER IF EXISTS gad_stats_tareas_insert ON tareas;
DROP TRIGGER IF EXISTS gad_stats_tareas_update ON tareas;
DROP TRIGGER IF EXISTS gad_stats_tareas_delete ON tareas;
DROP TRIGGER IF EXISTS gad_stats_tareas_truncate ON tareas;

CREATE TRIGGER gad_stats_tareas_insert
    AFTER INSERT ON tareas REFERENCING NEW TABLE AS gad_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gad_stats_tareas_changed();

CREATE TRIGGER gad_stats_tareas_update
    AFTER UPDATE ON tareas REFERENCING OLD TABLE AS gad_old_rows NEW TABLE AS gad_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gad_stats_tareas_changed();

CREATE TRIGGER gad_stats_tareas_delete
    AFTER DELETE ON tareas REFERENCING OLD TABLE AS gad_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gad_stats_tareas_changed();

CREATE TRIGGER gad_stats_tareas_truncate
    AFTER TRUNCATE ON tareas
    FOR EACH STATEMENT EXECUTE FUNCTION gad_stats_tareas_changed();
