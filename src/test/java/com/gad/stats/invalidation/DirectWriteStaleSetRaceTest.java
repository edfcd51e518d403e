package com.gad.stats.invalidation;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.cache.WriteBackHook;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;

/**
 * The stale-set race with a write made straight in PostgreSQL: a miss reads the database, then
 * pauses before its write-back; a direct INSERT commits and the listener invalidates the user; then
 * the miss resumes. Its pre-write figures must not become the cached answer.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class DirectWriteStaleSetRaceTest {

    @Inject
    WriteBackHook hook;

    @AfterEach
    void removeHook() {
        hook.clear();
    }

    @Test
    void aMissThatReadBeforeADirectWriteCannotCacheThePreWriteFigures() throws Exception {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        CountDownLatch paused = new CountDownLatch(1);
        CompletableFuture<Void> release = new CompletableFuture<>();
        hook.install(key -> {
            if (key.userId() != user) {
                return Uni.createFrom().voidItem();
            }
            paused.countDown();
            return Uni.createFrom().completionStage(release);
        });

        // 1. the miss: reads 0 tasks from the database, then waits at the write-back
        CompletableFuture<Integer> slowMiss = CompletableFuture.supplyAsync(
                () -> getStats(token, user, null).statusCode(200).extract().path("total"));
        assertTrue(paused.await(20, TimeUnit.SECONDS), "the miss reached its write-back");

        // 2. another tool commits a task; the listener invalidates the user while the miss holds pre-write figures
        double invalidations = metric("gad_invalidation_invalidations_total{result=\"ok\"}");
        TestData.task(user, "programada", Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> metric("gad_invalidation_invalidations_total{result=\"ok\"}") > invalidations);

        // 3. the miss resumes and tries to store what it read
        release.complete(null);
        assertEquals(0, slowMiss.get(20, TimeUnit.SECONDS), "the miss answered with what it read");
        hook.clear();

        // 4. the cache must not serve the pre-write figures
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(false));
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(true));
    }
}
