-- Demo data for dev mode only (quarkus.flyway.locations in the %dev profile). Password of every
-- demo account: demo1234. Re-runnable: nothing is inserted twice.
INSERT INTO usuarios (email, nombre, apellido, nivel, hashed_password) VALUES
    ('admin@gad.local',      'Ana',   'Admin',      3, '$2a$10$m8VBEUV0pfj7CNzrV861yeCf9V4O6NYZCGdMFOx/CZ4kn6TrvJbCy'),
    ('supervisor@gad.local', 'Sergio','Supervisor', 2, '$2a$10$m8VBEUV0pfj7CNzrV861yeCf9V4O6NYZCGdMFOx/CZ4kn6TrvJbCy'),
    ('efectivo1@gad.local',  'Elena', 'Efectivo',   1, '$2a$10$m8VBEUV0pfj7CNzrV861yeCf9V4O6NYZCGdMFOx/CZ4kn6TrvJbCy'),
    ('efectivo2@gad.local',  'Emilio','Efectivo',   1, '$2a$10$m8VBEUV0pfj7CNzrV861yeCf9V4O6NYZCGdMFOx/CZ4kn6TrvJbCy')
ON CONFLICT (email) DO NOTHING;

-- 120 tasks per efectivo over the last 60 days, in every state.
INSERT INTO tareas (codigo, titulo, tipo, prioridad, estado, delegado_usuario_id, creado_por_usuario_id,
                    inicio_real, fin_real, created_at)
SELECT 'DEMO-' || u.id || '-' || g,
       'Tarea de demostración ' || g,
       (ARRAY['patrullaje','investigacion','vigilancia','intervencion','administrativa','entrenamiento'])[1 + g % 6],
       1 + g % 5,
       (ARRAY['finalizada','finalizada','en_curso','programada','cancelada','pausada'])[1 + g % 6],
       u.id,
       (SELECT id FROM usuarios WHERE email = 'supervisor@gad.local'),
       CASE WHEN g % 6 IN (0, 1, 2, 5) THEN now() - (g || ' hours')::interval - interval '3 hours' END,
       CASE WHEN g % 6 IN (0, 1) THEN now() - (g || ' hours')::interval - interval '3 hours' + ((1 + g % 4) || ' hours')::interval END,
       now() - ((g / 2.0) || ' days')::interval
  FROM usuarios u, generate_series(1, 120) g
 WHERE u.email IN ('efectivo1@gad.local', 'efectivo2@gad.local')
ON CONFLICT (codigo) DO NOTHING;
