package com.gad.stats.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import at.favre.lib.crypto.bcrypt.BCrypt;

/** Test rows written straight into the test database with SQL, as other GAD tools do. */
public final class TestData {

    public static final String PASSWORD = "s3cret-Passw0rd";
    private static final String PASSWORD_HASH = BCrypt.withDefaults().hashToString(4, PASSWORD.toCharArray());
    private static final AtomicLong SEQ = new AtomicLong();

    private TestData() {
    }

    /** A user with a unique email and the test password; returns its id. */
    public static long user(int nivel) {
        return user("user" + SEQ.incrementAndGet() + "-" + UUID.randomUUID() + "@gad.test", nivel, PASSWORD_HASH);
    }

    public static long user(String email, int nivel, String hashedPassword) {
        try (Connection c = LocalServicesResource.postgres().connect();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO usuarios (email, nombre, apellido, nivel, hashed_password) VALUES (?, 'Test', 'User', ?, ?) RETURNING id")) {
            ps.setString(1, email);
            ps.setInt(2, nivel);
            ps.setString(3, hashedPassword);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String email(long userId) {
        return queryString("SELECT email FROM usuarios WHERE id = " + userId);
    }

    /** A task of the delegado created {@code age} ago; inicio/fin real given as offsets from creation (null = absent). */
    public static long task(long delegado, String estado, Duration age, Duration startAfterCreation,
            Duration durationReal, boolean deleted) {
        Instant created = Instant.now().minus(age);
        Instant inicio = startAfterCreation == null ? null : created.plus(startAfterCreation);
        Instant fin = inicio == null || durationReal == null ? null : inicio.plus(durationReal);
        try (Connection c = LocalServicesResource.postgres().connect();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO tareas (codigo, titulo, tipo, prioridad, estado, delegado_usuario_id,
                                            creado_por_usuario_id, inicio_real, fin_real, created_at, updated_at, deleted_at)
                        VALUES (?, 'Tarea de prueba', 'patrullaje', 3, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                        """)) {
            ps.setString(1, "T-" + UUID.randomUUID());
            ps.setString(2, estado);
            ps.setLong(3, delegado);
            ps.setLong(4, delegado);
            ps.setTimestamp(5, inicio == null ? null : Timestamp.from(inicio));
            ps.setTimestamp(6, fin == null ? null : Timestamp.from(fin));
            ps.setTimestamp(7, Timestamp.from(created));
            ps.setTimestamp(8, Timestamp.from(created));
            ps.setTimestamp(9, deleted ? Timestamp.from(Instant.now()) : null);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long task(long delegado, String estado, Duration age) {
        return task(delegado, estado, age, null, null, false);
    }

    /**
     * Runs {@code change} with the {@code tareas} change triggers off, so the service is not told:
     * for tests of what happens to changes it never hears about.
     */
    public static void unnotified(Runnable change) {
        execute("ALTER TABLE tareas DISABLE TRIGGER gad_stats_tareas_insert, DISABLE TRIGGER gad_stats_tareas_update,"
                + " DISABLE TRIGGER gad_stats_tareas_delete");
        try {
            change.run();
        } finally {
            execute("ALTER TABLE tareas ENABLE TRIGGER gad_stats_tareas_insert, ENABLE TRIGGER gad_stats_tareas_update,"
                    + " ENABLE TRIGGER gad_stats_tareas_delete");
        }
    }

    public static void execute(String sql) {
        try (Connection c = LocalServicesResource.postgres().connect(); var s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String queryString(String sql) {
        try (Connection c = LocalServicesResource.postgres().connect(); var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
