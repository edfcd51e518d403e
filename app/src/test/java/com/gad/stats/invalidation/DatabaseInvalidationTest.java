package com.gad.stats.invalidation;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * Changes made straight in PostgreSQL, from a JDBC connection of their own and never through the
 * API, as other GAD tools make them. Each is followed by reads through the cache until the fresh
 * figures appear, within a bound; without the triggers and the listener the cached figures would
 * stay for their whole TTL (300 s).
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class DatabaseInvalidationTest {

    /** A heard change: notification, then one Redis SET; generous for a busy machine. */
    static final Duration HEARD = Duration.ofSeconds(5);
    /**
     * A change that could not be heard: the listener's check interval (5 s) plus its time limit
     * (2 s), or the reconnect interval (1 s), plus the sweep of every user, on a busy machine.
     */
    static final Duration UNHEARD = Duration.ofSeconds(20);

    static final String INVALIDATED = "gad_invalidation_invalidations_total{result=\"ok\"}";
    static final String INVALIDATION_FAILED = "gad_invalidation_invalidations_total{result=\"failed\"}";

    /** A new efectivo reading their own statistics through the cache. */
    record Reader(long id, String token) {

        static Reader newUser() {
            long id = TestData.user(1);
            return new Reader(id, Tokens.forUser(id, Roles.EFECTIVO));
        }

        ValidatableResponse stats() {
            return getStats(token, id, null).statusCode(200);
        }

        /** Reads until the statistics are a cache hit with this total, so the next change must invalidate them. */
        void cached(int total) {
            stats().body("total", is(total));
            await().atMost(HEARD).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> stats().body("total", is(total)).body("_cache.hit", is(true)));
        }

        /** Reads through the cache until the total is this one. */
        void awaitTotal(int total, Duration bound) {
            await().atMost(bound).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> stats().body("total", is(total)));
        }

        /** The cached value is still served, unchanged. */
        void servedFromCache(int total) {
            stats().body("total", is(total)).body("_cache.hit", is(true));
        }

        long task(String estado) {
            return TestData.task(id, estado, Duration.ofHours(1));
        }
    }

    @AfterEach
    void heal() {
        Api.healBackends();
    }

    @Test
    void anInsertIsSeen() {
        Reader user = Reader.newUser();
        user.cached(0);

        user.task("programada");

        user.awaitTotal(1, HEARD);
    }

    @Test
    void anUpdateOfEstadoIsSeen() {
        Reader user = Reader.newUser();
        long task = TestData.task(user.id(), "en_curso", Duration.ofHours(3), Duration.ofMinutes(1), null, false);
        user.cached(1);

        sql("UPDATE tareas SET estado = 'finalizada', fin_real = inicio_real + interval '90 minutes' WHERE id = ?", task);

        await().atMost(HEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> user.stats()
                .body("completadas", is(1))
                .body("en_progreso", is(0))
                .body("promedio_duracion_horas", is(1.5f)));
    }

    /** A soft delete (an UPDATE) and a hard one: the user's other task stays counted. */
    @ParameterizedTest
    @ValueSource(strings = { "UPDATE tareas SET deleted_at = now() WHERE id = ?", "DELETE FROM tareas WHERE id = ?" })
    void aDeleteIsSeen(String delete) {
        Reader user = Reader.newUser();
        long task = user.task("cancelada");
        user.task("programada");
        user.cached(2);

        sql(delete, task);

        user.awaitTotal(1, HEARD);
    }

    @Test
    void aReassignmentRefreshesBothUsers() {
        Reader from = Reader.newUser();
        Reader to = Reader.newUser();
        long task = from.task("programada");
        from.cached(1);
        to.cached(0);

        sql("UPDATE tareas SET delegado_usuario_id = ? WHERE id = ?", to.id(), task);

        from.awaitTotal(0, HEARD);
        to.awaitTotal(1, HEARD);
    }

    @Test
    void cachedTaskListsAreRefreshedToo() {
        Reader user = Reader.newUser();
        user.task("programada");
        Api.awaitChangesApplied();
        given().auth().oauth2(user.token()).when().get("/api/v1/tasks").then().statusCode(200).body("count", is(1));
        await().atMost(HEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> given().auth().oauth2(user.token())
                .when().get("/api/v1/tasks").then().statusCode(200).body("count", is(1)).body("_cache.hit", is(true)));

        user.task("programada");

        await().atMost(HEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> given().auth().oauth2(user.token())
                .when().get("/api/v1/tasks").then().statusCode(200).body("count", is(2)));
    }

    @Test
    void aRolledBackChangeSendsNothing() throws SQLException {
        Reader rolledBack = Reader.newUser();
        Reader committed = Reader.newUser();
        rolledBack.task("programada");
        rolledBack.cached(1);
        committed.cached(0);
        double before = attemptedInvalidations();

        try (Connection c = LocalServicesResource.postgres().connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE tareas SET deleted_at = now() WHERE delegado_usuario_id = ?")) {
                ps.setLong(1, rolledBack.id());
                ps.executeUpdate();
            }
            c.rollback();
        }
        // notifications are delivered in commit order: once this one is applied, the other would have been
        committed.task("programada");
        committed.awaitTotal(1, HEARD);

        assertEquals(before + 1, attemptedInvalidations());
        rolledBack.servedFromCache(1);
    }

    /** The figure: one statement over 100,000 tasks of 1,000 users costs 1,000 invalidations. */
    @Test
    void aBulkStatementCostsOneInvalidationPerUser() throws Exception {
        List<Long> users = bulkUsers(1000);
        long first = users.get(0);
        long last = users.get(users.size() - 1);
        try {
            bulkStatement(users, first, last);
        } finally {
            // other tests fingerprint every row of tareas after each request: leave none of these behind
            sql("DELETE FROM tareas WHERE delegado_usuario_id BETWEEN ? AND ?", first, last);
            sql("DELETE FROM usuarios WHERE id BETWEEN ? AND ?", first, last);
            TestData.execute("VACUUM tareas");
        }
    }

    /** Invalidations made from notifications so far, those that could not reach Redis included. */
    static double attemptedInvalidations() {
        return metric(INVALIDATED) + metric(INVALIDATION_FAILED);
    }

    private void bulkStatement(List<Long> users, long first, long last) throws Exception {
        double beforeInsert = attemptedInvalidations();
        sql("""
                INSERT INTO tareas (codigo, titulo, tipo, estado, delegado_usuario_id, creado_por_usuario_id, created_at)
                SELECT 'bulk-' || u.id || '-' || g, 'Tarea masiva', 'patrullaje', 'programada', u.id, u.id, now() - interval '1 hour'
                  FROM usuarios u, generate_series(1, 100) g
                 WHERE u.id BETWEEN ? AND ?
                """, first, last);
        await().atMost(UNHEARD).until(() -> attemptedInvalidations() >= beforeInsert + 1000);

        List<Reader> readers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long id = users.get(i * 199);
            readers.add(new Reader(id, Tokens.forUser(id, Roles.EFECTIVO)));
            readers.get(i).cached(100);
        }
        double invalidations = attemptedInvalidations();
        double failedBefore = metric(INVALIDATION_FAILED);
        double failedFullBefore = metric("gad_invalidation_full_requested_total{reason=\"failed_invalidation\"}");
        double notifications = metric("gad_invalidation_notifications_total{kind=\"users\"}");
        double lagCount = metric("gad_invalidation_lag_seconds_count");

        // meanwhile, the event loop keeps answering
        AtomicBoolean measuring = new AtomicBoolean(true);
        AtomicLong slowestProbe = new AtomicLong();
        Thread probes = new Thread(() -> {
            while (measuring.get()) {
                long start = System.nanoTime();
                given().when().get("/q/health/live").then().statusCode(200);
                slowestProbe.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
            }
        });
        probes.start();
        long start = System.nanoTime();
        sql("UPDATE tareas SET estado = 'cancelada' WHERE delegado_usuario_id BETWEEN ? AND ?", first, last);
        long committedMillis = (System.nanoTime() - start) / 1_000_000;
        await().atMost(UNHEARD).pollInterval(Duration.ofMillis(10)).until(() -> attemptedInvalidations() >= invalidations + 1000);
        long appliedMillis = (System.nanoTime() - start) / 1_000_000;
        measuring.set(false);
        probes.join();

        // exactly one per user, and it stays so; one that missed its Redis deadline (a busy machine)
        // made every cached value stale instead, which keeps the answers right
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> attemptedInvalidations() == invalidations + 1000);
        double failed = metric(INVALIDATION_FAILED) - failedBefore;
        assertTrue(failed == 0 || metric("gad_invalidation_full_requested_total{reason=\"failed_invalidation\"}") > failedFullBefore,
                failed + " invalidations failed without a full invalidation");
        double sent = metric("gad_invalidation_notifications_total{kind=\"users\"}") - notifications;
        assertTrue(sent >= 1 && sent <= 2, sent + " notifications for 1,000 ids (each at most 7,000 bytes)");
        assertEquals(lagCount + sent, metric("gad_invalidation_lag_seconds_count"));
        for (Reader reader : readers) {
            reader.stats().body("total", is(100)).body("canceladas", is(100)).body("programadas", is(0));
        }
        System.out.printf("bulk: UPDATE of 100,000 tasks of 1,000 users: statement %d ms, all 1,000 invalidated %d ms after it"
                + " started (%.0f failed, %.0f notification(s), lag max %.3f s), slowest /q/health/live meanwhile %d ms%n",
                committedMillis, appliedMillis, failed, sent, metric("gad_invalidation_lag_seconds_max"), slowestProbe.get());
    }

    /** The trigger function's TRUNCATE branch, on a scratch copy of tareas (truncating tareas would empty every test). */
    @Test
    void aTruncateMakesEveryCachedValueStale() {
        Reader user = Reader.newUser();
        user.cached(0);
        double truncates = metric("gad_invalidation_notifications_total{kind=\"all_users\"}");
        double fullRuns = metric("gad_invalidation_full_total{result=\"ok\"}");
        String scratch = "tareas_truncate_" + user.id();
        TestData.execute("CREATE TABLE " + scratch + " (LIKE tareas)");
        try {
            TestData.execute("CREATE TRIGGER gad_stats_truncate AFTER TRUNCATE ON " + scratch
                    + " FOR EACH STATEMENT EXECUTE FUNCTION gad_stats_tareas_changed()");
            // a change nobody hears about, then the TRUNCATE: only a full invalidation can bring it in
            unheardInsert(user);
            user.servedFromCache(0);
            TestData.execute("TRUNCATE " + scratch);

            user.awaitTotal(1, UNHEARD);
            assertEquals(truncates + 1, metric("gad_invalidation_notifications_total{kind=\"all_users\"}"));
            assertTrue(metric("gad_invalidation_full_total{result=\"ok\"}") > fullRuns);
        } finally {
            TestData.execute("DROP TABLE " + scratch);
        }
    }

    @Test
    void anUnreadableNotificationMakesEveryCachedValueStale() {
        Reader user = Reader.newUser();
        user.cached(0);
        unheardInsert(user);
        double unreadable = metric("gad_invalidation_notifications_total{kind=\"unreadable\"}");

        TestData.execute("SELECT pg_notify('gad_stats_invalidate', 'not the trigger''s format')");

        user.awaitTotal(1, UNHEARD);
        assertEquals(unreadable + 1, metric("gad_invalidation_notifications_total{kind=\"unreadable\"}"));
    }

    /** The listener's backend killed and a write committed before it could be back: missed, then covered. */
    @Test
    void aChangeMadeWhileTheListenerIsKilledIsNotServedOnceItIsBack() throws SQLException {
        Reader user = Reader.newUser();
        user.cached(0);
        double subscribes = metric("gad_invalidation_listener_subscribes_total");
        double invalidated = attemptedInvalidations();

        try (Connection c = LocalServicesResource.postgres().connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement kill = c.prepareStatement("""
                    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))
                      FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()
                    """)) {
                kill.setString(1, DatabaseChangeListener.APPLICATION_NAME);
                try (ResultSet rs = kill.executeQuery()) {
                    rs.next();
                    assertTrue(rs.getInt(1) >= 1, "the listener's backend was terminated");
                }
            }
            // committed while no backend listens (the listener reconnects only after 1 s)
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO tareas (codigo, titulo, tipo, delegado_usuario_id, creado_por_usuario_id)
                    VALUES ('killed-' || ?, 'Tarea', 'patrullaje', ?, ?)
                    """)) {
                insert.setLong(1, user.id());
                insert.setLong(2, user.id());
                insert.setLong(3, user.id());
                insert.executeUpdate();
            }
            c.commit();
        }

        // fresh once listening again (or earlier, if a check finds the listener down before it is back)
        user.awaitTotal(1, UNHEARD);
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_listener_subscribes_total") > subscribes);
        assertEquals(invalidated, attemptedInvalidations(), "the change was not notified: the fresh figures come from the full invalidation");
    }

    /** Only the listening connection is cut (a network fault): PostgreSQL answers, so nothing older than the check interval is served. */
    @Test
    void whileTheListenerIsCutAndTheDatabaseAnswersStaleValuesAreBounded() {
        Reader user = Reader.newUser();
        user.cached(0);
        double downRuns = metric("gad_invalidation_full_requested_total{reason=\"listener_down\"}");

        LocalServicesResource.listenerProxy().cut();
        long start = System.nanoTime();
        user.task("programada");

        user.awaitTotal(1, UNHEARD);
        System.out.printf("listener cut: a change made meanwhile was served fresh after %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        assertTrue(metric("gad_invalidation_full_requested_total{reason=\"listener_down\"}") > downRuns,
                "made fresh by the periodic full invalidation, the change itself was not heard");
        assertEquals("down", listenerState());
        assertEquals(0.0, metric("gad_invalidation_listener_up"));

        LocalServicesResource.listenerProxy().restore();
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_listener_up") == 1.0);
    }

    /**
     * PostgreSQL unreachable (as during a restart or a network drop): cached answers keep being served,
     * as SPEC wants while PostgreSQL is down; once it is back, nothing written meanwhile is served stale.
     */
    @Test
    void afterTheDatabaseComesBackNothingWrittenMeanwhileIsServedStale() {
        Reader user = Reader.newUser();
        user.cached(0);

        LocalServicesResource.postgresProxy().cut();
        LocalServicesResource.listenerProxy().cut();
        user.task("programada"); // another tool, still able to reach PostgreSQL
        user.servedFromCache(0);
        // not listening, but PostgreSQL does not answer the pool either: nothing is changing that this
        // instance could read, so the cached value is still served (docs/database-invalidation.md)
        await().atMost(UNHEARD).until(() -> "down".equals(listenerState()));
        user.servedFromCache(0);

        LocalServicesResource.postgresProxy().restore();
        LocalServicesResource.listenerProxy().restore();
        user.awaitTotal(1, UNHEARD);
    }

    /** An invalidation that cannot reach Redis must not let the old value back once Redis is reachable again. */
    @Test
    void anInvalidationThatCouldNotReachRedisIsMadeUpForOnceRedisIsBack() {
        Reader user = Reader.newUser();
        user.cached(0);
        double failed = metric("gad_invalidation_invalidations_total{result=\"failed\"}");
        double fullRequests = metric("gad_invalidation_full_requested_total{reason=\"failed_invalidation\"}");

        LocalServicesResource.redisProxy().cut();
        user.task("programada");
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_invalidations_total{result=\"failed\"}") > failed);
        assertTrue(metric("gad_invalidation_full_requested_total{reason=\"failed_invalidation\"}") > fullRequests);

        LocalServicesResource.redisProxy().restore();
        await().atMost(UNHEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> user.stats()
                .body("total", is(1)).body("_cache.reason", is(not("cache_unavailable"))));
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_listener_up") == 1.0);
    }

    // --- helpers ------------------------------------------------------------------------------

    static String listenerState() {
        return given().when().get("/q/health/ready").then().extract().jsonPath()
                .getString("checks.find { it.name == 'database-invalidation' }.data.listener");
    }

    /** An insert the listener cannot hear about. */
    static void unheardInsert(Reader user) {
        TestData.unnotified(() -> user.task("programada"));
    }

    static void sql(String statement, Object... args) {
        try (Connection c = LocalServicesResource.postgres().connect(); PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code count} users with consecutive ids, made by one statement. */
    static List<Long> bulkUsers(int count) throws SQLException {
        List<Long> ids = new ArrayList<>(count);
        try (Connection c = LocalServicesResource.postgres().connect(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO usuarios (email, nombre, apellido, nivel, hashed_password)
                SELECT 'bulk-' || g || '-' || md5(random()::text) || '@gad.test', 'Bulk', 'User', 1, 'not-a-login'
                  FROM generate_series(1, ?) g
                RETURNING id
                """)) {
            ps.setInt(1, count);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        ids.sort(Long::compare);
        assertEquals(count - 1, ids.get(count - 1) - ids.get(0), "consecutive ids");
        return ids;
    }
}
