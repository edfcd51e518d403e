package com.gad.stats.support;

import static io.restassured.RestAssured.given;

import com.gad.stats.cache.CacheKeys;

import io.restassured.response.ValidatableResponse;

/** HTTP helpers shared by the tests. */
public final class Api {

    private Api() {
    }

    public static ValidatableResponse getStats(String token, Object userId, String query) {
        return given()
                .auth().oauth2(token)
                .when().get("/api/v1/stats/user/" + userId + (query == null ? "" : "?" + query))
                .then();
    }

    /**
     * Undoes a fault test and waits until its after-effects are over, so the next test starts with a
     * working cache that nothing is about to make stale: Redis running, proxies restored, the Redis
     * circuit breaker closed again (requests alone close it: each poll reads the admin cache statistics,
     * a Redis call under the breaker with no effect on cached values), the
     * database change listener back, every change committed so far applied
     * ({@code gad_invalidation_backlog} 0), the failover watch looking at the Redis process that runs
     * now (a restarted Redis is a new master: every cached value is made stale once), and no full
     * invalidation owed. Works against the packaged application too.
     */
    public static void healBackends() {
        LocalServicesResource.redis().start();
        LocalServicesResource.redisProxy().restore();
        LocalServicesResource.postgresProxy().restore();
        LocalServicesResource.listenerProxy().restore();
        String redisProcess = redisRunId();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> settledOn(redisProcess));
        awaitChangesApplied();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(20))
                .until(() -> metric("gad_invalidation_backlog") == 0 && settledOn(redisProcess));
    }

    private static boolean settledOn(String redisProcess) {
        given().auth().oauth2(Tokens.forUser(1, com.gad.stats.auth.Roles.SUPERVISOR)).when().get("/api/v1/cache/stats");
        var ready = given().when().get("/q/health/ready").then().extract().jsonPath();
        return "UP".equals(ready.getString("status"))
                && "up".equals(ready.getString("checks.find { it.name == 'redis-cache' }.data.redis"))
                && "closed".equals(ready.getString("checks.find { it.name == 'redis-cache' }.data.circuit"))
                && redisProcess.equals(ready.getString("checks.find { it.name == 'redis-cache' }.data.masters"))
                && "up".equals(ready.getString("checks.find { it.name == 'database-invalidation' }.data.listener"))
                && "up".equals(ready.getString("checks.find { it.name == 'postgresql' }.data.database"));
    }

    /** The run_id of the test-owned Redis process ({@code INFO server}). */
    public static String redisRunId() {
        String info = new String((byte[]) RedisProbe.call("INFO", "server"), java.nio.charset.StandardCharsets.UTF_8);
        return info.lines().filter(line -> line.startsWith("run_id:")).map(line -> line.substring("run_id:".length()).trim())
                .findFirst().orElseThrow();
    }

    private static final java.util.concurrent.atomic.AtomicLong MARKERS = new java.util.concurrent.atomic.AtomicLong(8_000_000_000_000_000_000L);

    /**
     * Waits until the service has applied every change committed to tareas so far. A change made in
     * SQL reaches the cache a few milliseconds after its commit (the triggers' notification); an API
     * write is invalidated before it is answered, once for its transaction, and its notification changes
     * nothing more. A test that expects a hit after a SQL write waits here first. A marker
     * notification (the V3 form, without a transaction) naming a user id nobody has is
     * sent now; PostgreSQL delivers notifications in commit order and the service applies them in
     * order, so once the marker user's generation exists in Redis the earlier changes are applied.
     */
    public static void awaitChangesApplied() {
        long marker = MARKERS.incrementAndGet();
        String generation = "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + marker + "}";
        TestData.execute("SELECT pg_notify('gad_stats_invalidate', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint || ':"
                + marker + "')");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(5))
                .until(() -> Long.valueOf(1).equals(RedisProbe.call("EXISTS", generation)));
        RedisProbe.call("DEL", generation);
    }

    /** Redis key of a user's cached statistics. */
    public static String statsKey(long userId, int days) {
        return "gad:stats:" + CacheKeys.FORMAT_VERSION + ":{u" + userId + "}:d" + days;
    }

    /** The value of one sample of /q/metrics, e.g. {@code gad_cache_requests_total{result="hit"}} (0 when absent). */
    public static double metric(String nameAndLabels) {
        String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        int brace = nameAndLabels.indexOf('{');
        String name = brace < 0 ? nameAndLabels : nameAndLabels.substring(0, brace);
        String labels = brace < 0 ? "" : nameAndLabels.substring(brace + 1, nameAndLabels.length() - 1);
        for (String line : body.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && (labels.isEmpty() || line.contains(labels))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
