package com.gad.stats.resilience;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.gad.stats.cache.CacheKeys;
import com.gad.stats.auth.Roles;
import com.gad.stats.cache.RedisGateway;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * Redis and PostgreSQL faults injected into what the tests own (their Redis process and the TCP
 * proxies in front of both). Status codes and figures must not change; latencies are printed for
 * the record, and bounded only where the bound proves a mechanism (a timeout that cuts a slow Redis).
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class FaultTest {

    @Inject
    RedisGateway gateway;

    @AfterEach
    void heal() {
        CircuitBreakerMaintenance.get().reset(RedisGateway.BREAKER);
        com.gad.stats.support.Api.healBackends();
    }

    record Timed(int status, int total, String reason, long millis) {
    }

    /** A light client (RestAssured is heavy for hundreds of concurrent calls on a small machine). */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static CompletableFuture<Timed> timedGetAsync(String token, long user) {
        long start = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                + "/api/v1/stats/user/" + user))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60))
                .build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (response.statusCode() != 200) {
                return new Timed(response.statusCode(), -1, null, millis);
            }
            JsonPath json = JsonPath.from(response.body());
            return new Timed(200, json.getInt("total"), json.getString("_cache.reason"), millis);
        });
    }

    static Timed timedGet(String token, long user) {
        return timedGetAsync(token, user).join();
    }

    static long p99(List<Timed> results) {
        List<Long> sorted = new ArrayList<>(results.stream().map(Timed::millis).toList());
        Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * 0.99) - 1));
    }

    /** Runs {@code perThread} requests on each of {@code threads} threads, calling {@code midway} once in between. */
    static List<Timed> load(int threads, int perThread, String token, long user, Runnable midway) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch half = new CountDownLatch(threads * perThread / 2);
        List<Future<List<Timed>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit((Callable<List<Timed>>) () -> {
                List<Timed> mine = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    mine.add(timedGet(token, user));
                    half.countDown();
                }
                return mine;
            }));
        }
        half.await();
        midway.run();
        List<Timed> all = new ArrayList<>();
        for (Future<List<Timed>> f : futures) {
            all.addAll(f.get());
        }
        pool.shutdown();
        return all;
    }

    static long userWithTasks(int tasks) {
        long user = TestData.user(1);
        for (int i = 0; i < tasks; i++) {
            TestData.task(user, "finalizada", Duration.ofHours(i + 1));
        }
        com.gad.stats.support.Api.awaitChangesApplied();
        return user;
    }

    @Test
    void redisKilledMidLoadGivesNoNon2xx() throws Exception {
        long user = userWithTasks(3);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        List<Timed> results = load(8, 40, token, user, () -> LocalServicesResource.redis().stop());
        results.forEach(r -> {
            assertEquals(200, r.status());
            assertEquals(3, r.total());
        });
        System.out.printf("fault redis-killed: %d requests, all 200, p99 %d ms%n", results.size(), p99(results));
    }

    @Test
    void slowRedisCostsTheTimeoutNotRedisLatency() throws Exception {
        long user = userWithTasks(2);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200);
        LocalServicesResource.redisProxy().delay(3_000);
        List<Timed> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            results.add(timedGet(token, user));
        }
        results.forEach(r -> {
            assertEquals(200, r.status());
            assertEquals(2, r.total());
            assertEquals("cache_unavailable", r.reason());
        });
        long slowest = results.stream().mapToLong(Timed::millis).max().orElseThrow();
        // Waiting for Redis would take 3 s or more; the production deadline (then the open breaker) cuts it.
        assertTrue(slowest < 2_500, "slowest request " + slowest + " ms");
        assertEquals("open", gateway.breakerState(), "repeated timeouts open the breaker");
        System.out.printf("fault redis-slow: %d requests, all 200, p99 %d ms, breaker %s%n", results.size(), p99(results),
                gateway.breakerState());
    }

    @Test
    void flappingRedisOpensAndClosesTheBreaker() throws Exception {
        long user = userWithTasks(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        AtomicBoolean sawOpen = new AtomicBoolean();
        List<Timed> results = new ArrayList<>();
        for (int cycle = 0; cycle < 3; cycle++) {
            LocalServicesResource.redisProxy().cut();
            for (int i = 0; i < 25; i++) {
                results.add(timedGet(token, user));
            }
            if (metric("gad_cache_circuit_state") == 1.0) {
                sawOpen.set(true);
            }
            LocalServicesResource.redisProxy().restore();
            for (int i = 0; i < 15; i++) {
                results.add(timedGet(token, user));
            }
        }
        results.forEach(r -> assertEquals(200, r.status()));
        results.forEach(r -> assertEquals(1, r.total()));
        assertTrue(sawOpen.get(), "the breaker opened while Redis was cut");
        // Redis stays up: after the open delay, probes close the breaker and hits come back
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            getStats(token, user, null).statusCode(200);
            assertEquals(0.0, metric("gad_cache_circuit_state"));
            getStats(token, user, null).statusCode(200).body("_cache.hit", is(true));
        });
        System.out.printf("fault redis-flapping: %d requests, all 200, p99 %d ms%n", results.size(), p99(results));
    }

    @Test
    void twoHundredConcurrentMissesOfOneKeyRunOneAggregation() throws Exception {
        long user = userWithTasks(5);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        // warm the JIT on another user first: a cold JVM on a small machine can stall the event
        // loops long enough for Redis reads to time out, which is a different scenario
        long other = userWithTasks(1);
        String otherToken = Tokens.forUser(other, Roles.EFECTIVO);
        for (int round = 0; round < 5; round++) {
            List<CompletableFuture<Timed>> warm = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                warm.add(timedGetAsync(otherToken, other));
            }
            warm.forEach(CompletableFuture::join);
        }
        double before = metric("gad_stats_aggregation_seconds_count");
        List<CompletableFuture<Timed>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(timedGetAsync(token, user));
        }
        List<Timed> results = futures.stream().map(CompletableFuture::join).toList();
        results.forEach(r -> {
            assertEquals(200, r.status());
            assertEquals(5, r.total());
        });
        double aggregations = metric("gad_stats_aggregation_seconds_count") - before;
        var reasons = results.stream().collect(java.util.stream.Collectors.groupingBy(r -> String.valueOf(r.reason()),
                java.util.stream.Collectors.counting()));
        System.out.printf("stampede: 200 concurrent requests for one cold key ran %.0f aggregation(s), p99 %d ms, reasons %s%n",
                aggregations, p99(results), reasons);
        assertEquals(1.0, aggregations);
    }

    @Test
    void aDeadLockHolderDelaysOthersOnlyUntilTheirWaitEnds() {
        long user = userWithTasks(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        // a holder that took the lock and died: the lock outlives our wait
        RedisProbe.call("SET", "gad:lock:" + CacheKeys.FORMAT_VERSION + ":{u" + user + "}:stats:d30", "dead-holder", "PX", "60000");
        double expired = metric("gad_cache_lock_wait_expired_total");
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(false));
        assertEquals(expired + 1, metric("gad_cache_lock_wait_expired_total"));
    }

    @Test
    void postgresDownServesCachedAnswersAnd503ForTheRest() {
        long cachedUser = userWithTasks(2);
        long coldUser = userWithTasks(1);
        String cachedToken = Tokens.forUser(cachedUser, Roles.EFECTIVO);
        // cached: the value is in Redis and answered from there
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> getStats(cachedToken, cachedUser, null).statusCode(200).extract().<Boolean> path("_cache.hit"));

        LocalServicesResource.postgresProxy().cut();
        List<Timed> hits = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            hits.add(timedGet(cachedToken, cachedUser));
        }
        hits.forEach(r -> {
            assertEquals(200, r.status());
            assertEquals(2, r.total());
        });
        getStats(Tokens.forUser(coldUser, Roles.EFECTIVO), coldUser, null)
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", is("5"))
                .body("status", is(503));
        // this instance still answers from the cache: ready, with the database reported down
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'postgresql' }.data.database", is("down"));
        given().when().get("/q/health/live").then().statusCode(200);
        System.out.printf("fault postgres-down: %d cached requests all 200, p99 %d ms; uncached 503%n", hits.size(), p99(hits));
    }
}
