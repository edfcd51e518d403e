package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

import com.gad.stats.auth.Roles;
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
 * become the cached answer.
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
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        String staff = Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
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
        given().auth().oauth2(staff).contentType("application/json")
                .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                .when().post("/api/v1/tasks").then().statusCode(201);

        // 3. the miss resumes and tries to store what it read
        release.complete(null);
        assertEquals(0, slowMiss.get(20, TimeUnit.SECONDS), "the miss answered with what it read");

        // 4. the cache must not serve the pre-write figures
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(false));
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(true));
    }
}
