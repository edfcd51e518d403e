package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.benmanes.caffeine.cache.Ticker;
import com.gad.stats.auth.Roles;
import com.gad.stats.config.GadConfig;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The near cache against a real Redis with two instances: the service under test (A) and a second
 * pipeline built here (B) with its own near cache and invalidation link, on connections of its own,
 * the production settings. Every source of a generation change reaches B's near cache: a write
 * through A, the invalidate endpoint, a change made in SQL alone, redis-cli SET and INCR of the
 * generation key, admin clear and pattern; a lost link flushes it, and
 * the tracking race keeps a raced value out.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class NearCacheLinkTest {

    @Inject
    CacheStore store;
    @Inject
    CacheKeys keys;
    @Inject
    CacheEpoch epoch;
    @Inject
    Pause pause;
    @Inject
    DatabaseFallback fallback;
    @Inject
    GadConfig config;
    @Inject
    Redis redis;
    @Inject
    Vertx vertx;
    /** The service's Redis connection, through which instance B writes its echoes too. */
    @Inject
    RedisConnections commands;
    @Inject
    NearCache nearCacheOfA;

    NearCache nearCacheOfB;
    InvalidationLink linkOfB;
    final AtomicInteger loads = new AtomicInteger();

    @BeforeEach
    void startInstanceB() {
        nearCacheOfB = new NearCache(config.cache().l1(), Optional.empty(), epoch, new SimpleMeterRegistry(), Ticker.systemTicker());
        linkOfB = new InvalidationLink(redis, commands, nearCacheOfB, keys, vertx);
        linkOfB.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> nearCacheOfB.state() == NearCache.LinkState.UP);
    }

    @AfterEach
    void stopInstanceB() {
        linkOfB.stop();
    }

    CacheAside instanceB(CacheStore through) {
        CacheMetrics metrics = new CacheMetrics(new SimpleMeterRegistry());
        return new CacheAside(through, keys, metrics, epoch, pause, fallback, config, nearCacheOfB,
                new RefreshAhead(through, metrics, epoch, nearCacheOfB, config));
    }

    /** A value only B reads (A's statistics never ask for 999 days), so B's bodies never reach A's answers. */
    static CacheKey keyOf(long user) {
        return CacheKey.stats(user, 999);
    }

    Supplier<Uni<byte[]>> loader() {
        return () -> Uni.createFrom().item(() -> ("{\"load\":" + loads.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8));
    }

    CacheOutcome read(CacheAside instance, long user) {
        return instance.get(keyOf(user), loader()).await().atMost(Duration.ofSeconds(5)).info().outcome();
    }

    /** B's value of the user, served from B's memory. */
    CacheAside cachedInB(long user) {
        CacheAside b = instanceB(store);
        read(b, user); // miss, stored in Redis
        await().atMost(Duration.ofSeconds(2)).until(() -> read(b, user) == CacheOutcome.MEMORY_HIT);
        return b;
    }

    /** After a change of the user's generation, B's next read is not from memory, within the tracking bound. */
    void awaitNotInMemory(CacheAside b, long user) {
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> read(b, user) == CacheOutcome.STALE);
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String generationKey(long user) {
        return keys.generationKey(user);
    }

    @Test
    void aWriteThroughTheOtherInstanceReachesThisOnesNearCache() {
        long user = TestData.user(1);
        CacheAside b = cachedInB(user);
        given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR)).contentType("application/json")
                .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                .when().post("/api/v1/tasks").then().statusCode(201);
        awaitNotInMemory(b, user);
    }

    @Test
    void aWriteThroughThisInstanceIsReadAtOnce() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200).body("total", is(0));
        await().atMost(Duration.ofSeconds(2))
                .until(() -> "memory".equals(getStats(token, user, null).extract().path("_cache.source")));
        given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR)).contentType("application/json")
                .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                .when().post("/api/v1/tasks").then().statusCode(201);
        getStats(token, user, null).statusCode(200).body("total", is(1)).body("_cache.reason", is("stale"));
    }

    @Test
    void anOperatorsSetOrIncrOfTheGenerationKeyReachesIt() {
        long user = TestData.user(1);
        CacheAside b = cachedInB(user);
        RedisProbe.call("SET", generationKey(user), "41");
        awaitNotInMemory(b, user);
        await().atMost(Duration.ofSeconds(2)).until(() -> read(b, user) == CacheOutcome.MEMORY_HIT);
        RedisProbe.call("INCR", generationKey(user));
        awaitNotInMemory(b, user);
    }

    @Test
    void theInvalidateEndpointReachesIt() {
        long user = TestData.user(1);
        CacheAside b = cachedInB(user);
        given().auth().oauth2(Tokens.forUser(user, Roles.EFECTIVO))
                .when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(200);
        awaitNotInMemory(b, user);
    }

    /** Issue 10's path: a change made in SQL alone, which A hears of from PostgreSQL and publishes through Redis. */
    @Test
    void aChangeMadeInTheDatabaseReachesIt() {
        long user = TestData.user(1);
        long[] task = new long[1];
        TestData.unnotified(() -> task[0] = TestData.task(user, "programada", Duration.ofHours(1)));
        CacheAside b = cachedInB(user);
        TestData.execute("UPDATE tareas SET deleted_at = now() WHERE id = " + task[0]);
        awaitNotInMemory(b, user);
    }

    @Test
    void anAdminPatternInvalidationReachesIt() {
        long user = TestData.user(1);
        CacheAside b = cachedInB(user);
        // exactly B's key of this user ({u<id>} percent-encoded: RestAssured reads braces as templates)
        given().auth().oauth2(Tokens.forUser(TestData.user(3), Roles.ADMIN)).urlEncodingEnabled(false)
                .when().post("/api/v1/cache/invalidate-pattern/stats:" + CacheKeys.FORMAT_VERSION + ":%7Bu" + user + "%7D:d99*")
                .then().statusCode(200)
                .body("deleted", is(1));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> read(b, user) == CacheOutcome.MISS); // the value itself was unlinked
    }

    @Test
    void anAdminClearReachesItAndThisInstancesOwn() {
        long user = TestData.user(1);
        CacheAside b = cachedInB(user);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200);
        await().atMost(Duration.ofSeconds(2))
                .until(() -> "memory".equals(getStats(token, user, null).extract().path("_cache.source")));

        given().auth().oauth2(Tokens.forUser(TestData.user(3), Roles.ADMIN)).when().post("/api/v1/cache/clear").then().statusCode(200);

        getStats(token, user, null).statusCode(200).body("_cache.hit", is(false));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                .until(() -> read(b, user) == CacheOutcome.MISS); // the generation went with the clear
    }

    /**
     * The lost-link rule: the subscriber connections are killed, a write follows at once; once the
     * link is noticed lost nothing is served from memory, and after it is back the write is seen.
     */
    @Test
    void aKilledLinkFlushesAndAWriteMadeMeanwhileIsNeverServedStale() {
        long user = TestData.user(1);
        CacheAside b = cachedInB(user);
        RedisProbe.call("CLIENT", "KILL", "TYPE", "pubsub");
        RedisProbe.call("SET", generationKey(user), "changed-while-the-link-was-down");

        await().atMost(Duration.ofSeconds(2)).until(() -> nearCacheOfB.state() != NearCache.LinkState.UP);
        List<CacheOutcome> whileDown = new ArrayList<>();
        while (nearCacheOfB.state() != NearCache.LinkState.UP) {
            whileDown.add(read(b, user));
            pause(Duration.ofMillis(20));
        }
        whileDown.forEach(outcome -> assertNotEquals(CacheOutcome.MEMORY_HIT, outcome));
        assertNotEquals(CacheOutcome.MEMORY_HIT, read(b, user));
        await().atMost(Duration.ofSeconds(2)).until(() -> read(b, user) == CacheOutcome.MEMORY_HIT);
        // and the link that came back delivers again
        RedisProbe.call("SET", generationKey(user), "after-the-link-is-back");
        awaitNotInMemory(b, user);
        await().atMost(Duration.ofSeconds(10)).until(() -> nearCacheOfA.state() == NearCache.LinkState.UP);
    }

    /**
     * A link whose connections stay open but no longer deliver (here: Redis unreachable in time, as
     * with a half-open connection) is found by its echo within two checks, then made again.
     */
    @Test
    void aSilentlyStalledLinkIsFoundWithinTwoChecks() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200);
        await().atMost(Duration.ofSeconds(2))
                .until(() -> "memory".equals(getStats(token, user, null).extract().path("_cache.source")));
        Duration linkCheck = InvalidationLink.LINK_CHECK;
        try {
            LocalServicesResource.redisProxy().delay(linkCheck.multipliedBy(3).toMillis());
            long start = System.nanoTime();
            await().atMost(linkCheck.multipliedBy(2).plusMillis(500)).pollInterval(Duration.ofMillis(10))
                    .until(() -> nearCacheOfA.state() == NearCache.LinkState.DOWN);
            System.out.printf("stalled link found after %d ms%n", (System.nanoTime() - start) / 1_000_000);
        } finally {
            LocalServicesResource.redisProxy().restore();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> nearCacheOfA.state() == NearCache.LinkState.UP);
    }

    /** The tracking race: the change lands between Redis's reply and the put into the near cache. */
    @Test
    void anInvalidationWhileAReadIsInFlightKeepsItsValueOut() {
        long user = TestData.user(1);
        CacheAside plain = instanceB(store);
        read(plain, user); // miss, stored in Redis
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CacheAside gated = instanceB(new GatedReads(store, gate));

        UniAssertSubscriber<CachedJson> inFlight = gated.get(keyOf(user), loader())
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        await().atMost(Duration.ofSeconds(2)).until(() -> gate.getNumberOfDependents() > 0); // Redis has replied
        long sequence = nearCacheOfB.ticket(user).userSequence();
        RedisProbe.call("SET", generationKey(user), "raced");
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(1))
                .until(() -> nearCacheOfB.ticket(user).userSequence() != sequence); // tracking told B
        gate.complete(null);

        CachedJson raced = inFlight.awaitItem(Duration.ofSeconds(5)).getItem();
        assertEquals(CacheOutcome.HIT, raced.info().outcome(), "read before the change: served");
        assertEquals(CacheOutcome.STALE, read(plain, user), "but not kept: the next read went to Redis and saw the change");
    }

    /** The store, with each read's reply held until {@code gate} completes. */
    record GatedReads(CacheStore store, CompletableFuture<Void> gate) implements CacheStore {
        @Override
        public Uni<Stored> read(CacheKey key, boolean withRemainingTtl) {
            return store.read(key, withRemainingTtl)
                    .chain(stored -> Uni.createFrom().completionStage(gate).replaceWith(stored));
        }

        @Override
        public Uni<LockAttempt> tryLock(CacheKey key, Duration ttl) {
            return store.tryLock(key, ttl);
        }

        @Override
        public Uni<Void> unlock(CacheKey key, LockAttempt.Held lock) {
            return store.unlock(key, lock);
        }

        @Override
        public Uni<Boolean> storeIfGeneration(CacheKey key, String generation, byte[] bytes, Duration ttl,
                Optional<LockAttempt.Held> lock) {
            return store.storeIfGeneration(key, generation, bytes, ttl, lock);
        }

        @Override
        public Uni<Void> invalidateUser(long userId) {
            return store.invalidateUser(userId);
        }

        @Override
        public Uni<Boolean> invalidateUserOnce(long userId, long transactionId, Duration remembered) {
            return store.invalidateUserOnce(userId, transactionId, remembered);
        }
    }
}
