package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.statsKey;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.config.GadConfig;
import com.gad.stats.stats.service.StatsWarmUp;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;

/**
 * What the cache must do on every Redis topology, run against a real one by each subclass
 * (Cluster, Sentinel) with the production cache settings: hits, misses, stale values after a task
 * write and after the invalidation endpoint, the cross-instance stampede lock, warm-up, the
 * generation/value pairing of the store's read, and admin endpoints that reach every master.
 */
abstract class TopologyCacheContract {

    @Inject
    CacheStore store;
    @Inject
    CacheKeys keys;
    @Inject
    CacheMetrics metrics;
    @Inject
    CacheEpoch epoch;
    @Inject
    Pause pause;
    @Inject
    DatabaseFallback fallback;
    @Inject
    GadConfig config;
    @Inject
    NearCache nearCache;
    @Inject
    StatsWarmUp warmUp;

    /** host:port of every master the admin endpoints must reach. */
    abstract Set<String> masterAddresses();

    static String admin() {
        return Tokens.forUser(TestData.user(3), Roles.ADMIN);
    }

    @Test
    void missThenHitThenStaleAfterTheInvalidationEndpoint() {
        // several users: on Cluster their keys land on different masters
        for (int i = 0; i < 6; i++) {
            long user = TestData.user(1);
            String token = Tokens.forUser(user, Roles.EFECTIVO);
            getStats(token, user, null).statusCode(200).body("_cache.reason", is("miss")).body("total", is(0));
            getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("_cache.key", is(statsKey(user, 30)));
            assertNotNull(RedisProbe.call("GET", statsKey(user, 30)), "the value is in Redis");

            // a direct database write reaches the cache by itself (database-driven invalidation)
            TestData.task(user, "programada", Duration.ofHours(1));
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> getStats(token, user, null).statusCode(200).extract().<Integer> path("total") == 1);
            getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("total", is(1));
            given().auth().oauth2(token).when().post("/api/v1/stats/invalidate/user/" + user).then()
                    .statusCode(200).body("invalidated", is(true));
            getStats(token, user, null).statusCode(200).body("_cache.reason", is("stale")).body("total", is(1));
            getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("total", is(1));
        }
    }

    @Test
    void aTaskWriteThroughTheApiMakesTheDelegadosValueStale() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200).body("_cache.reason", is("miss"));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("total", is(0));

        given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR)).contentType("application/json")
                .body("{\"titulo\":\"Patrulla\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                .when().post("/api/v1/tasks").then().statusCode(201);

        getStats(token, user, null).statusCode(200).body("_cache.reason", is("stale")).body("total", is(1));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("total", is(1));
    }

    @Test
    void twoInstancesRunAtMostTwoAggregationsForOneColdKey() {
        CacheAside instanceA = new CacheAside(store, keys, metrics, epoch, pause, fallback, config, nearCache,
                new RefreshAhead(store, metrics, epoch, nearCache, config));
        CacheAside instanceB = new CacheAside(store, keys, metrics, epoch, pause, fallback, config, nearCache,
                new RefreshAhead(store, metrics, epoch, nearCache, config));
        CacheKey key = CacheKey.stats(900_000_000L + ThreadLocalRandom.current().nextInt(1_000_000), 30);
        AtomicInteger aggregations = new AtomicInteger();
        byte[] json = "{\"total\":7}".getBytes(StandardCharsets.UTF_8);
        // the Redis connections are open, as in a running service (on Cluster: to every node)
        List<Uni<CacheStore.Stored>> warmUp = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            warmUp.add(store.read(CacheKey.stats(key.userId() + 1, i + 1), false));
        }
        Uni.join().all(warmUp).andCollectFailures().await().atMost(Duration.ofSeconds(30));

        List<Uni<CachedJson>> requests = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            CacheAside instance = i % 2 == 0 ? instanceA : instanceB;
            requests.add(instance.get(key, () -> Uni.createFrom().item(() -> {
                aggregations.incrementAndGet();
                return json;
            }).onItem().delayIt().by(Duration.ofMillis(100))));
        }
        List<CachedJson> answers = Uni.join().all(requests).andFailFast().await().atMost(Duration.ofSeconds(30));

        answers.forEach(answer -> assertEquals("{\"total\":7}", new String(answer.json(), StandardCharsets.UTF_8)));
        assertTrue(aggregations.get() >= 1 && aggregations.get() <= 2, aggregations.get() + " aggregations");
        assertNotNull(RedisProbe.call("GET", keys.valueKey(key)), "the winner stored the value");
        assertEquals(0L, RedisProbe.call("EXISTS", keys.lockKey(key)), "and released the lock");
    }

    @Test
    void warmUpCachesTheMostActiveUsers() {
        // more tasks in the window than any other test gives one user
        long busiest = TestData.user(1);
        long second = TestData.user(1);
        for (int i = 0; i < 40; i++) {
            TestData.task(busiest, "finalizada", Duration.ofHours(i + 1));
        }
        for (int i = 0; i < 30; i++) {
            TestData.task(second, "programada", Duration.ofHours(i + 1));
        }

        long computed = warmUp.warm(2, List.of(7, 30), 2).await().atMost(Duration.ofSeconds(30));

        assertEquals(4, computed, "2 users x 2 windows");
        for (long user : new long[] { busiest, second }) {
            assertNotNull(RedisProbe.call("GET", statsKey(user, 7)), "7-day stats of user " + user);
            assertNotNull(RedisProbe.call("GET", statsKey(user, 30)), "30-day stats of user " + user);
        }
        getStats(Tokens.forUser(busiest, Roles.EFECTIVO), busiest, null).statusCode(200)
                .body("_cache.hit", is(true)).body("total", is(40));
    }

    /**
     * The store reads a user's generation and value in one MGET and tells them apart by position.
     * Were the two keys ever in different slots, the cluster client would split the MGET and could
     * hand the replies back in another order (see ClusterCacheTest): the generation would be taken
     * for the value. Users spread over every master, each with its own planted pair, catch it.
     */
    @Test
    void theStoreReadPairsEachUsersGenerationWithItsValue() {
        for (int i = 0; i < 40; i++) {
            long user = 800_000_000L + ThreadLocalRandom.current().nextInt(100_000_000);
            CacheKey key = CacheKey.stats(user, 30);
            String generation = "gen-" + user;
            byte[] value = ("value-" + user).getBytes(StandardCharsets.US_ASCII);
            RedisProbe.call("SET", keys.generationKey(user), generation);
            RedisProbe.call("SET", keys.valueKey(key), value, "EX", "60");

            CacheStore.Stored stored = store.read(key, false).await().atMost(Duration.ofSeconds(5));

            assertEquals(generation, stored.generation(), "generation of user " + user);
            assertArrayEquals(value, stored.bytes().orElseThrow(), "value of user " + user);
        }
    }

    @Test
    void adminEndpointsReachEveryMaster() {
        int planted = 300;
        // distinct hash tags: on Cluster the keys spread over every master
        for (int i = 0; i < planted; i++) {
            RedisProbe.call("SET", "gad:admin-test:{t" + i + "}", "v");
        }
        List<String> outside = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            outside.add("other:admin-test:{t" + i + "}");
            RedisProbe.call("SET", outside.get(i), "keep");
        }
        String admin = admin();

        JsonPath stats = given().auth().oauth2(admin).when().get("/api/v1/cache/stats").then()
                .statusCode(200)
                .body("connected", is(true))
                .body("keys_count", greaterThanOrEqualTo(planted))
                .body("nodes", hasSize(masterAddresses().size()))
                .extract().jsonPath();
        assertEquals(masterAddresses(), new TreeSet<>(stats.getList("nodes.address", String.class)), "one entry per master");
        List<Long> perNode = stats.getList("nodes.keys_count", Long.class);
        perNode.forEach(count -> assertTrue(count > 0, "every master holds some of the keys: " + perNode));
        assertEquals(stats.getLong("keys_count"), perNode.stream().mapToLong(Long::longValue).sum(), "keys_count is the sum");
        assertEquals(stats.getLong("keyspace_hits"),
                stats.getList("nodes.keyspace_hits", Long.class).stream().mapToLong(Long::longValue).sum(), "hits summed");

        given().auth().oauth2(admin).when().post("/api/v1/cache/invalidate-pattern/admin-test:*").then()
                .statusCode(200).body("deleted", is(planted));
        for (int i = 0; i < planted; i += 7) {
            assertNull(RedisProbe.call("GET", "gad:admin-test:{t" + i + "}"));
        }

        long user = TestData.user(1);
        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, null).statusCode(200);
        long cleared = given().auth().oauth2(admin).when().post("/api/v1/cache/clear").then()
                .statusCode(200).extract().jsonPath().getLong("deleted");
        assertTrue(cleared >= 2, "the user's value and generation at least: " + cleared);
        given().auth().oauth2(admin).when().get("/api/v1/cache/stats").then()
                .statusCode(200).body("keys_count", is(0));
        assertNull(RedisProbe.call("GET", statsKey(user, 30)));
        outside.forEach(key -> assertEquals("keep", RedisProbe.string("GET", key), key + " is outside the prefix"));
    }
}
