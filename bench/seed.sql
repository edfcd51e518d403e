-- Benchmark data set for gad-stats, generated in PostgreSQL with generate_series.
--
-- psql variables (bench/run.sh sets them):
--   users  number of usuarios                  (default run: 10000)
--   tasks  number of tareas, exactly            (default run: 1000000)
--   days   tasks are created over the last N days before the seed hour (default run: 400)
--   zipf_s, zipf_q  tasks per user follow a Zipf-Mandelbrot law: user of rank r gets a share
--          proportional to 1 / (r + q)^s (s = 1, q = 10: the busiest user has ~13k of 1M tasks,
--          the median user ~30, the top 1 % of users hold ~34 % of the tasks)
--
-- Deterministic: every "random" figure is a slice of md5() of the row's identity, so the same
-- parameters give the same rows whatever the plan; only the anchor (the hour of the seed) moves,
-- because the statistics windows are relative to now().
--
-- The schema is the one Flyway created (the service migrates the empty database first).
\set ON_ERROR_STOP on
\timing off
SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '256MB';

BEGIN;
TRUNCATE tareas, usuarios RESTART IDENTITY CASCADE;

-- Users: id 1 is an administrator, ids 51, 101, ... are supervisors, the rest efectivos.
-- The hash is a syntactically valid bcrypt string that matches no password: the benchmark mints
-- its tokens and never logs in.
INSERT INTO usuarios (email, nombre, apellido, nivel, hashed_password, activo, created_at)
SELECT 'bench' || g || '@bench.gad.local',
       'Usuario' || g,
       'Bench',
       CASE WHEN g = 1 THEN 3 WHEN g % 50 = 1 THEN 2 ELSE 1 END,
       '$2a$10$benchbenchbenchbenchbeuZ1mB0Jr3Zq8gQ6oJpQ6o1k7yq9wHyG',
       true,
       date_trunc('hour', now()) - make_interval(days => :days + 30)
  FROM generate_series(1, :users) AS g;

-- Tasks per user: Zipf-Mandelbrot shares, floored, the remainder spread over the top ranks so
-- the total is exactly :tasks. Ranks are a fixed shuffle of the ids (md5), so heavy users are
-- spread over the id range instead of being ids 1, 2, 3.
CREATE TEMP TABLE bench_load ON COMMIT DROP AS
WITH ranked AS (
    SELECT id, row_number() OVER (ORDER BY md5('rank:' || id), id) AS r FROM usuarios
), weighted AS (
    SELECT id, r, 1.0 / power(r + :zipf_q, :zipf_s) AS w FROM ranked
), floored AS (
    SELECT id, r, floor(:tasks * w / sum(w) OVER ())::int AS n FROM weighted
)
SELECT id, r, n + CASE WHEN r <= :tasks - sum(n) OVER () THEN 1 ELSE 0 END AS n FROM floored;

INSERT INTO tareas (codigo, titulo, descripcion, tipo, prioridad, estado, delegado_usuario_id,
                    creado_por_usuario_id, inicio_programado, fin_programado, inicio_real, fin_real,
                    created_at, updated_at, deleted_at)
SELECT 'B-' || uid || '-' || k,
       initcap(tipo) || ' ' || k,
       CASE WHEN u5 < 0.25 THEN 'Tarea de ' || tipo || ' asignada al usuario ' || uid END,
       tipo,
       prioridad,
       estado,
       uid,
       uid - ((uid - 1) % 50),                                  -- the user's supervisor (or the admin)
       inicio_prog,
       inicio_prog + make_interval(secs => 3600 * plan_h),
       inicio_real,
       fin_real,
       created_at,
       coalesce(fin_real, inicio_real, created_at),
       CASE WHEN u5 >= 0.98 THEN least(anchor, created_at + interval '1 day') END  -- 2 % soft-deleted
  FROM (
  SELECT i.*,
         CASE WHEN estado = 'finalizada'                          -- actual duration 0.6-1.4 x planned
              THEN least(anchor, inicio_real + make_interval(secs => 3600 * plan_h * (0.6 + 0.8 * u1b))) END
           AS fin_real
    FROM (
    SELECT s.*,
           CASE WHEN estado IN ('en_curso', 'pausada', 'finalizada')
                  OR (estado = 'cancelada' AND u3 < 0.3)
                THEN created_at + make_interval(secs => u4 * least(age_s, 172800)) END AS inicio_real
      FROM (
        SELECT r.*,
               anchor - make_interval(secs => age_s) AS created_at,
               anchor - make_interval(secs => age_s) + make_interval(secs => 172800 * u4) AS inicio_prog,
               0.5 + 7.5 * u3 * u3 AS plan_h,
               CASE
                 WHEN age_s < 2 * 86400 THEN                    -- the last two days: mostly open
                   CASE WHEN u2 < 0.45 THEN 'programada' WHEN u2 < 0.70 THEN 'en_curso'
                        WHEN u2 < 0.75 THEN 'pausada' WHEN u2 < 0.95 THEN 'finalizada' ELSE 'cancelada' END
                 WHEN age_s < 14 * 86400 THEN                   -- the last two weeks
                   CASE WHEN u2 < 0.10 THEN 'programada' WHEN u2 < 0.22 THEN 'en_curso'
                        WHEN u2 < 0.27 THEN 'pausada' WHEN u2 < 0.92 THEN 'finalizada' ELSE 'cancelada' END
                 ELSE                                           -- older: settled
                   CASE WHEN u2 < 0.01 THEN 'programada' WHEN u2 < 0.02 THEN 'en_curso'
                        WHEN u2 < 0.03 THEN 'pausada' WHEN u2 < 0.90 THEN 'finalizada' ELSE 'cancelada' END
               END AS estado,
               CASE WHEN u1b < 0.35 THEN 'patrullaje' WHEN u1b < 0.55 THEN 'vigilancia'
                    WHEN u1b < 0.70 THEN 'investigacion' WHEN u1b < 0.82 THEN 'intervencion'
                    WHEN u1b < 0.94 THEN 'administrativa' ELSE 'entrenamiento' END AS tipo,
               CASE WHEN u3b < 0.05 THEN 1 WHEN u3b < 0.20 THEN 2 WHEN u3b < 0.70 THEN 3
                    WHEN u3b < 0.90 THEN 4 ELSE 5 END AS prioridad
          FROM (
            SELECT h.*,
                   u1 * :days * 86400 AS age_s,
                   (u1 * 1e6) - floor(u1 * 1e6) AS u1b,             -- lower digits: independent enough
                   (u3 * 1e4) - floor(u3 * 1e4) AS u3b
              FROM (
                SELECT l.id AS uid, k,
                       date_trunc('hour', now()) AS anchor,
                       ('x' || substr(m, 1, 8))::bit(32)::bigint / 4294967296.0 AS u1,
                       ('x' || substr(m, 9, 8))::bit(32)::bigint / 4294967296.0 AS u2,
                       ('x' || substr(m, 17, 8))::bit(32)::bigint / 4294967296.0 AS u3,
                       ('x' || substr(m, 25, 8))::bit(32)::bigint / 4294967296.0 AS u4,
                       ('x' || substr(md5(m), 1, 8))::bit(32)::bigint / 4294967296.0 AS u5
                  FROM bench_load l
                  CROSS JOIN LATERAL generate_series(1, l.n) AS k
                  CROSS JOIN LATERAL md5(l.id || ':' || k) AS m
              ) h
          ) r
      ) s
    ) i
  ) t
 ORDER BY created_at, uid, k;                                   -- heap in time order, like a real table
COMMIT;

-- Index-only scans need the visibility map: vacuum, then fresh statistics.
VACUUM (ANALYZE) usuarios, tareas;
