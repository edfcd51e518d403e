-- The consistency checker's history, installed in ITS OWN database only (never a product
-- migration): every committed change to tareas appends, per affected user, that user's statistics
-- right after the change, computed with the service's own aggregation (USER_STATS_SQL of
-- StatsRepository, with $1 the user and $2 the days; the
-- checker substitutes both), and the database's clock at commit time.
--
-- A deferred constraint trigger runs at COMMIT, after every statement of the transaction. It takes
-- a per-user advisory lock held until the commit ends, so changes of one user are logged in the
-- order they become visible, and each statement of this VOLATILE function takes a new snapshot
-- (READ COMMITTED), so the figures include every change of that user committed before it.
CREATE TABLE IF NOT EXISTS consistency_log (
    seq      BIGSERIAL PRIMARY KEY,
    uid      BIGINT      NOT NULL,
    txid     BIGINT      NOT NULL,
    codigo   TEXT,                      -- the task changed (NULL for the initial states)
    at       TIMESTAMPTZ NOT NULL,      -- clock_timestamp() at commit, under the user's lock
    total BIGINT, completadas BIGINT, en_progreso BIGINT, programadas BIGINT, canceladas BIGINT,
    pausadas BIGINT, promedio_duracion_horas NUMERIC, productividad_diaria NUMERIC
);

CREATE OR REPLACE FUNCTION consistency_log_user(p_uid BIGINT, p_codigo TEXT) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(727272, p_uid::int);
    INSERT INTO consistency_log (uid, txid, codigo, at, total, completadas, en_progreso, programadas,
                                 canceladas, pausadas, promedio_duracion_horas, productividad_diaria)
    SELECT p_uid, txid_current(), p_codigo, clock_timestamp(), s.*
      FROM (/*STATS_SQL*/) s;
END
$$;

CREATE OR REPLACE FUNCTION consistency_tareas_changed() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM consistency_log_user(OLD.delegado_usuario_id, OLD.codigo);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.delegado_usuario_id <> OLD.delegado_usuario_id) THEN
        PERFORM consistency_log_user(NEW.delegado_usuario_id, NEW.codigo);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS consistency_tareas_log ON tareas;
CREATE CONSTRAINT TRIGGER consistency_tareas_log
    AFTER INSERT OR UPDATE OR DELETE ON tareas
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION consistency_tareas_changed();
