package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.mockito.InjectSpy;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.unchecked.Unchecked;

/**
 * The stale-set race, forced: a miss reads the database, then pauses before its write-back; a
 * task write commits and invalidates; then the miss resumes. Its pre-write figures must not
 * become the cached answer, whether the write came through the API or straight through SQL (then
 * only the database's change notification invalidates).
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class StaleSetRaceTest {

    /** The real Redis store, spied on so that one write-back can be held back. */
    @InjectSpy
    RedisCacheStore store;
    @jakarta.inject.Inject
    com.gad.stats.stats.repository.StatsRepository repository;
    @jakarta.inject.Inject
    com.fasterxml.jackson.databind.ObjectMapper mapper;
    @jakarta.inject.Inject
    CacheEpoch epoch;
    @jakarta.inject.Inject
    CacheKeys keys;

    @Test
    void aMissThatReadBeforeAWriteCannotCacheThePreWriteFigures() throws Exception {
        long user = TestData.user(1);
        String staff = Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
        raceWith(user, () -> given().auth().oauth2(staff).contentType("application/json")
                .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                .when().post("/api/v1/tasks").then().statusCode(201));
    }

    @Test
    void aMissThatReadBeforeADirectWriteCannotCacheThePreWriteFigures() throws Exception {
        long user = TestData.user(1);
        raceWith(user, () -> {
            double invalidations = metric("gad_invalidation_invalidations_total{result=\"ok\"}");
            TestData.task(user, "programada", Duration.ofHours(1));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> metric("gad_invalidation_invalidations_total{result=\"ok\"}") > invalidations);
        });
    }

    /**
     * The other race of a cold key: a miss reads nothing; before its reply is used another
     * instance's load stores the value and frees the lock. The miss must serve that value, not take
     * the freed lock and aggregate a second time.
     */
    @Test
    void aLoadStoredBetweenAMissesReadAndItsLockIsServedNotRepeated() {
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofDays(1));
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        CacheKey key = CacheKey.stats(user, 30);
        Mockito.doAnswer(call -> {
            @SuppressWarnings("unchecked")
            Uni<CacheStore.Stored> read = (Uni<CacheStore.Stored>) call.callRealMethod();
            if (!key.equals(call.getArgument(0))) {
                return read;
            }
            // the other instance: its aggregation, then its write-back under the generation read
            return read.call(seen -> repository.userStats(user, 30)
                    .map(Unchecked.function(mapper::writeValueAsBytes))
                    .chain(json -> store.storeIfGeneration(key, seen.generation(),
                            new CacheCodec().encode(seen.generation(), epoch.current(), json), Duration.ofMinutes(5),
                            java.util.Optional.empty())));
        }).when(store).read(Mockito.any(), Mockito.anyBoolean());
        double aggregations = metric("gad_stats_aggregation_seconds_count");

        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(true));

        assertEquals(aggregations + 1, metric("gad_stats_aggregation_seconds_count"),
                "only the other instance's aggregation ran");
        assertEquals(null, com.gad.stats.support.RedisProbe.call("GET", keys.lockKey(key)),
                "the lock taken with the second read was released");
    }

    /** Holds the user's first write-back until {@code write} has committed and invalidated. */
    private void raceWith(long user, Runnable write) throws Exception {
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        CountDownLatch paused = new CountDownLatch(1);
        CompletableFuture<Void> release = new CompletableFuture<>();
        Mockito.doAnswer(call -> {
            @SuppressWarnings("unchecked")
            Uni<Boolean> writeBack = (Uni<Boolean>) call.callRealMethod();
            if (call.<CacheKey> getArgument(0).userId() != user) {
                return writeBack;
            }
            paused.countDown();
            return Uni.createFrom().completionStage(release).chain(() -> writeBack);
        }).when(store).storeIfGeneration(Mockito.any(), Mockito.any(), Mockito.any(), Mockito.any(), Mockito.any());

        // 1. the miss: reads 0 tasks from the database, then waits at the write-back
        CompletableFuture<Integer> slowMiss = CompletableFuture.supplyAsync(
                () -> getStats(token, user, null).statusCode(200).extract().path("total"));
        assertTrue(paused.await(20, TimeUnit.SECONDS), "the miss reached its write-back");

        // 2. a write commits and invalidates while the miss holds pre-write figures
        write.run();

        // 3. the miss resumes and tries to store what it read
        release.complete(null);
        assertEquals(0, slowMiss.get(20, TimeUnit.SECONDS), "the miss answered with what it read");
        Api.awaitChangesApplied(); // the write's notification applied too (for an API write: skipped, done for its transaction)

        // 4. the cache must not serve the pre-write figures
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(false));
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(true));
    }
}
