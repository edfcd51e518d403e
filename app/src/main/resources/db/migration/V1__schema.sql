-- Schema of gad-stats. Column names and value sets are an interface: other GAD tools
-- insert rows directly, so they stay plain columns with CHECK constraints (no enum types).

CREATE TABLE usuarios (
    id                BIGSERIAL PRIMARY KEY,
    email             VARCHAR(255) NOT NULL UNIQUE,
    nombre            VARCHAR(100) NOT NULL,
    apellido          VARCHAR(100) NOT NULL DEFAULT '',
    nivel             SMALLINT     NOT NULL DEFAULT 1 CHECK (nivel IN (1, 2, 3)), -- 1 efectivo, 2 supervisor, 3 administrador
    hashed_password   VARCHAR(100) NOT NULL,                                      -- standard bcrypt ($2a$/$2b$/$2y$)
    activo            BOOLEAN      NOT NULL DEFAULT TRUE,
    intentos_fallidos INTEGER      NOT NULL DEFAULT 0 CHECK (intentos_fallidos >= 0),
    bloqueado_hasta   TIMESTAMPTZ,
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE tareas (
    id                    BIGSERIAL PRIMARY KEY,
    codigo                VARCHAR(50)  NOT NULL UNIQUE,
    titulo                VARCHAR(200) NOT NULL,
    descripcion           TEXT,
    tipo                  VARCHAR(20)  NOT NULL CHECK (tipo IN ('patrullaje', 'investigacion', 'vigilancia',
                                                               'intervencion', 'administrativa', 'entrenamiento')),
    prioridad             SMALLINT     NOT NULL DEFAULT 3 CHECK (prioridad BETWEEN 1 AND 5),
    estado                VARCHAR(20)  NOT NULL DEFAULT 'programada'
                          CHECK (estado IN ('programada', 'en_curso', 'finalizada', 'cancelada', 'pausada')),
    delegado_usuario_id   BIGINT       NOT NULL REFERENCES usuarios (id),
    creado_por_usuario_id BIGINT       NOT NULL REFERENCES usuarios (id),
    inicio_programado     TIMESTAMPTZ,
    fin_programado        TIMESTAMPTZ,
    inicio_real           TIMESTAMPTZ,
    fin_real              TIMESTAMPTZ,
    created_at            TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ  NOT NULL DEFAULT now(),
    deleted_at            TIMESTAMPTZ,
    CONSTRAINT tareas_fin_real_after_inicio CHECK (fin_real IS NULL OR inicio_real IS NULL OR fin_real >= inicio_real),
    CONSTRAINT tareas_fin_programado_after_inicio
        CHECK (fin_programado IS NULL OR inicio_programado IS NULL OR fin_programado >= inicio_programado)
);

-- The per-user window aggregation (stats) is an index-only range scan on this index:
-- equality on delegado, range on created_at, and every column the aggregate reads INCLUDEd.
-- Partial on live rows, so soft-deleted tasks cost nothing.
CREATE INDEX ix_tareas_delegado_created_live
    ON tareas (delegado_usuario_id, created_at)
    INCLUDE (estado, inicio_real, fin_real)
    WHERE deleted_at IS NULL;

CREATE INDEX ix_tareas_creado_por ON tareas (creado_por_usuario_id);
