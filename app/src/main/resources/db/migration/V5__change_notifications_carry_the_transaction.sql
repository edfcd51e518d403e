-- The change notifications of V3 name the transaction that made the change, so that a change is
-- applied to the cache once, whoever hears of it first (docs/database-invalidation.md, "One
-- invalidation per write"): the API, right after its commit, or any instance's listener.
--
-- Payload: '<ms>:<txid>:<id>,<id>,...', or '<ms>:<txid>:*' after a TRUNCATE, where <txid> is
-- txid_current() (the 64-bit transaction id, never reused; pg_current_xact_id() from PostgreSQL 13
-- is the same number, txid_current() keeps PostgreSQL 11 and 12 working). Everything else is as in
-- V3: the triggers, the chunks of at most 7,000 bytes of ids, delivery at commit only.
--
-- Idempotent (CREATE OR REPLACE), so it may also be run by hand, before or after Flyway runs it.

CREATE OR REPLACE FUNCTION gad_stats_notify_users(users bigint[]) RETURNS void
    LANGUAGE sql AS $$
    SELECT pg_notify('gad_stats_invalidate',
                     floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint || ':' || txid_current() || ':'
                         || string_agg(id::text, ',' ORDER BY id))
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
        PERFORM pg_notify('gad_stats_invalidate',
                          floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint || ':' || txid_current() || ':*');
    END IF;
    RETURN NULL;
END;
$$;
