package com.gad.stats.invalidation;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
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

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

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

    @AfterEach
    void heal() {
        Api.healBackends();
    }

    @Test
    void anInsertIsSeen() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);

        TestData.task(user, "programada", Duration.ofHours(1));

        awaitTotal(token, user, 1, HEARD);
    }

    @Test
    void anUpdateOfEstadoIsSeen() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        long task = TestData.task(user, "en_curso", Duration.ofHours(3), Duration.ofMinutes(1), null, false);
        cachedTotal(token, user, 1);

        sql("UPDATE tareas SET estado = 'finalizada', fin_real = inicio_real + interval '90 minutes' WHERE id = ?", task);

        await().atMost(HEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> getStats(token, user, null)
                .statusCode(200)
                .body("completadas", is(1))
                .body("en_progreso", is(0))
                .body("promedio_duracion_horas", is(1.5f)));
    }

    @Test
    void aSoftDeleteIsSeen() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        long task = TestData.task(user, "programada", Duration.ofHours(1));
        TestData.task(user, "programada", Duration.ofHours(2));
        cachedTotal(token, user, 2);

        sql("UPDATE tareas SET deleted_at = now() WHERE id = ?", task);

        awaitTotal(token, user, 1, HEARD);
    }

    @Test
    void aReassignmentRefreshesBothUsers() {
        long from = TestData.user(1);
        long to = TestData.user(1);
        String fromToken = Tokens.forUser(from, Roles.EFECTIVO);
        String toToken = Tokens.forUser(to, Roles.EFECTIVO);
        long task = TestData.task(from, "programada", Duration.ofHours(1));
        cachedTotal(fromToken, from, 1);
        cachedTotal(toToken, to, 0);

        sql("UPDATE tareas SET delegado_usuario_id = ? WHERE id = ?", to, task);

        awaitTotal(fromToken, from, 0, HEARD);
        awaitTotal(toToken, to, 1, HEARD);
    }

    @Test
    void aHardDeleteIsSeen() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        long task = TestData.task(user, "cancelada", Duration.ofHours(1));
        cachedTotal(token, user, 1);

        sql("DELETE FROM tareas WHERE id = ?", task);

        awaitTotal(token, user, 0, HEARD);
    }

    @Test
    void cachedTaskListsAreRefreshedToo() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        TestData.task(user, "programada", Duration.ofHours(1));
        given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200).body("count", is(1));
        given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200)
                .body("count", is(1)).body("_cache.hit", is(true));

        TestData.task(user, "programada", Duration.ofMinutes(1));

        await().atMost(HEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> given().auth().oauth2(token)
                .when().get("/api/v1/tasks").then().statusCode(200).body("count", is(2)));
    }

    @Test
    void aRolledBackChangeSendsNothing() throws SQLException {
        long rolledBack = TestData.user(1);
        long committed = TestData.user(1);
        String rolledBackToken = Tokens.forUser(rolledBack, Roles.EFECTIVO);
        String committedToken = Tokens.forUser(committed, Roles.EFECTIVO);
        TestData.task(rolledBack, "programada", Duration.ofHours(1));
        cachedTotal(rolledBackToken, rolledBack, 1);
        cachedTotal(committedToken, committed, 0);
        double before = metric("gad_invalidation_invalidations_total{result=\"ok\"}");

        try (Connection c = LocalServicesResource.postgres().connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE tareas SET deleted_at = now() WHERE delegado_usuario_id = ?")) {
                ps.setLong(1, rolledBack);
                ps.executeUpdate();
            }
            c.rollback();
        }
        // notifications are delivered in commit order: once this one is applied, the other would have been
        TestData.task(committed, "programada", Duration.ofHours(1));
        awaitTotal(committedToken, committed, 1, HEARD);

        assertEquals(before + 1, metric("gad_invalidation_invalidations_total{result=\"ok\"}"));
        getStats(rolledBackToken, rolledBack, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(true));
    }

    /** The figure: one statement over 100,000 tasks of 1,000 users costs 1,000 invalidations. */
    @Test
    void aBulkStatementCostsOneInvalidationPerUser() throws Exception {
        List<Long> users = bulkUsers(1000);
        long first = users.get(0);
        long last = users.get(users.size() - 1);
        double beforeInsert = metric("gad_invalidation_invalidations_total{result=\"ok\"}");
        sql("""
                INSERT INTO tareas (codigo, titulo, tipo, estado, delegado_usuario_id, creado_por_usuario_id, created_at)
                SELECT 'bulk-' || u.id || '-' || g, 'Tarea masiva', 'patrullaje', 'programada', u.id, u.id, now() - interval '1 hour'
                  FROM usuarios u, generate_series(1, 100) g
                 WHERE u.id BETWEEN ? AND ?
                """, first, last);
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_invalidations_total{result=\"ok\"}") >= beforeInsert + 1000);

        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long user = users.get(i * 199);
            tokens.add(Tokens.forUser(user, Roles.EFECTIVO));
            cachedTotal(tokens.get(i), user, 100);
        }
        double invalidations = metric("gad_invalidation_invalidations_total{result=\"ok\"}");
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
        await().atMost(UNHEARD).pollInterval(Duration.ofMillis(10))
                .until(() -> metric("gad_invalidation_invalidations_total{result=\"ok\"}") >= invalidations + 1000);
        long appliedMillis = (System.nanoTime() - start) / 1_000_000;
        measuring.set(false);
        probes.join();

        // exactly one per user, and it stays so
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(
                () -> metric("gad_invalidation_invalidations_total{result=\"ok\"}") == invalidations + 1000);
        double sent = metric("gad_invalidation_notifications_total{kind=\"users\"}") - notifications;
        assertTrue(sent >= 1 && sent <= 2, sent + " notifications for 1,000 ids (each at most 7,000 bytes)");
        assertEquals(lagCount + sent, metric("gad_invalidation_lag_seconds_count"));
        for (int i = 0; i < tokens.size(); i++) {
            getStats(tokens.get(i), users.get(i * 199), null).statusCode(200)
                    .body("total", is(100)).body("canceladas", is(100)).body("programadas", is(0));
        }
        System.out.printf("bulk: UPDATE of 100,000 tasks of 1,000 users: statement %d ms, all 1,000 invalidated %d ms after it"
                + " started (%.0f notification(s), lag max %.3f s), slowest /q/health/live meanwhile %d ms%n",
                committedMillis, appliedMillis, sent, metric("gad_invalidation_lag_seconds_max"), slowestProbe.get());
    }

    /** The trigger function's TRUNCATE branch, on a scratch copy of tareas (truncating tareas would empty every test). */
    @Test
    void aTruncateMakesEveryCachedValueStale() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);
        double truncates = metric("gad_invalidation_notifications_total{kind=\"all_users\"}");
        double fullRuns = metric("gad_invalidation_full_total{result=\"ok\"}");
        String scratch = "tareas_truncate_" + user;
        TestData.execute("CREATE TABLE " + scratch + " (LIKE tareas)");
        try {
            TestData.execute("CREATE TRIGGER gad_stats_truncate AFTER TRUNCATE ON " + scratch
                    + " FOR EACH STATEMENT EXECUTE FUNCTION gad_stats_tareas_changed()");
            // a change nobody hears about, then the TRUNCATE: only the full invalidation can bring it in
            unheardInsert(user);
            getStats(token, user, null).statusCode(200).body("total", is(0)).body("_cache.hit", is(true));
            TestData.execute("TRUNCATE " + scratch);

            awaitTotal(token, user, 1, UNHEARD);
            assertEquals(truncates + 1, metric("gad_invalidation_notifications_total{kind=\"all_users\"}"));
            assertTrue(metric("gad_invalidation_full_total{result=\"ok\"}") > fullRuns);
        } finally {
            TestData.execute("DROP TABLE " + scratch);
        }
    }

    @Test
    void anUnreadableNotificationMakesEveryCachedValueStale() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);
        unheardInsert(user);
        double unreadable = metric("gad_invalidation_notifications_total{kind=\"unreadable\"}");

        TestData.execute("SELECT pg_notify('gad_stats_invalidate', 'not the trigger''s format')");

        awaitTotal(token, user, 1, UNHEARD);
        assertEquals(unreadable + 1, metric("gad_invalidation_notifications_total{kind=\"unreadable\"}"));
    }

    /** The listener's backend killed and a write committed before it could be back: missed, then covered. */
    @Test
    void aChangeMadeWhileTheListenerIsKilledIsNotServedOnceItIsBack() throws SQLException {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);
        double subscribes = metric("gad_invalidation_listener_subscribes_total");
        double missedInvalidations = metric("gad_invalidation_invalidations_total{result=\"ok\"}");

        try (Connection c = LocalServicesResource.postgres().connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement kill = c.prepareStatement("""
                    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))
                      FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()
                    """)) {
                kill.setString(1, DatabaseChangeListener.APPLICATION_NAME);
                try (ResultSet rs = kill.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "the listener's backend was terminated");
                }
            }
            // committed while no backend listens (the listener reconnects only after 1 s)
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO tareas (codigo, titulo, tipo, delegado_usuario_id, creado_por_usuario_id)
                    VALUES ('killed-' || ?, 'Tarea', 'patrullaje', ?, ?)
                    """)) {
                insert.setLong(1, user);
                insert.setLong(2, user);
                insert.setLong(3, user);
                insert.executeUpdate();
            }
            c.commit();
        }

        awaitTotal(token, user, 1, UNHEARD);
        assertTrue(metric("gad_invalidation_listener_subscribes_total") > subscribes, "the listener subscribed again");
        assertEquals(missedInvalidations, metric("gad_invalidation_invalidations_total{result=\"ok\"}"),
                "the change was not notified: the fresh figures come from the full invalidation");
    }

    /** Only the listening connection is cut (a network fault): PostgreSQL answers, so nothing older than the check interval is served. */
    @Test
    void whileTheListenerIsCutAndTheDatabaseAnswersStaleValuesAreBounded() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);
        double downRuns = metric("gad_invalidation_full_requested_total{reason=\"listener_down\"}");

        LocalServicesResource.listenerProxy().cut();
        TestData.task(user, "programada", Duration.ofHours(1));

        long start = System.nanoTime();
        awaitTotal(token, user, 1, UNHEARD);
        System.out.printf("listener cut: a change made meanwhile was served fresh after %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        JsonPath ready = given().when().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
        assertEquals("down", ready.getString("checks.find { it.name == 'database-invalidation' }.data.listener"));
        assertEquals(0.0, metric("gad_invalidation_listener_up"));
        assertTrue(metric("gad_invalidation_full_requested_total{reason=\"listener_down\"}") > downRuns);

        LocalServicesResource.listenerProxy().restore();
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_listener_up") == 1.0);
    }

    /**
     * PostgreSQL unreachable (as during a restart or a network drop): cached answers keep being served,
     * as SPEC wants while PostgreSQL is down; once it is back, nothing written meanwhile is served stale.
     */
    @Test
    void afterTheDatabaseComesBackNothingWrittenMeanwhileIsServedStale() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);

        LocalServicesResource.postgresProxy().cut();
        LocalServicesResource.listenerProxy().cut();
        TestData.task(user, "programada", Duration.ofHours(1)); // another tool, still able to reach PostgreSQL
        getStats(token, user, null).statusCode(200).body("total", is(0)).body("_cache.hit", is(true));
        await().atMost(UNHEARD).until(() -> "down".equals(given().when().get("/q/health/ready").then().extract()
                .jsonPath().getString("checks.find { it.name == 'database-invalidation' }.data.listener")));
        getStats(token, user, null).statusCode(200).body("total", is(0)).body("_cache.hit", is(true));

        LocalServicesResource.postgresProxy().restore();
        LocalServicesResource.listenerProxy().restore();
        awaitTotal(token, user, 1, UNHEARD);
    }

    /** An invalidation that cannot reach Redis must not let the old value back once Redis is reachable again. */
    @Test
    void anInvalidationThatCouldNotReachRedisIsMadeUpForOnceRedisIsBack() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        cachedTotal(token, user, 0);
        double failed = metric("gad_invalidation_invalidations_total{result=\"failed\"}");

        LocalServicesResource.redisProxy().cut();
        TestData.task(user, "programada", Duration.ofHours(1));
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_invalidations_total{result=\"failed\"}") > failed);
        assertEquals(0.0, metric("gad_invalidation_listener_up"), "a full invalidation is owed");

        LocalServicesResource.redisProxy().restore();
        await().atMost(UNHEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> getStats(token, user, null)
                .statusCode(200).body("total", is(1)).body("_cache.reason", is(org.hamcrest.Matchers.not("cache_unavailable"))));
        await().atMost(UNHEARD).until(() -> metric("gad_invalidation_listener_up") == 1.0);
    }

    // --- helpers ------------------------------------------------------------------------------

    /** Reads until the user's statistics are a cache hit with this total (so the next change must invalidate them). */
    static void cachedTotal(String token, long user, int total) {
        getStats(token, user, null).statusCode(200).body("total", is(total));
        await().atMost(HEARD).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> getStats(token, user, null)
                .statusCode(200).body("total", is(total)).body("_cache.hit", is(true)));
    }

    /** Reads through the cache until the total is the expected one. */
    static void awaitTotal(String token, long user, int total, Duration bound) {
        await().atMost(bound).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> getStats(token, user, null)
                .statusCode(200).body("total", is(total)));
    }

    /** An insert the listener cannot hear about. */
    static void unheardInsert(long user) {
        TestData.unnotified(() -> TestData.task(user, "programada", Duration.ofHours(1)));
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
