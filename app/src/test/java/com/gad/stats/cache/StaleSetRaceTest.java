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
