package com.gad.stats.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.gad.stats.config.GadConfig;
import com.gad.stats.config.ProductionDefaults;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/**
 * Refresh ahead of expiry through the cache-aside pipeline, on the in-memory store, with XFetch's
 * random draw fixed by the test and production settings otherwise (read interval 1 s, TTL 300 s).
 * "Redis" time is the PTTL the store answers ({@link InMemoryCacheStore#remainingTtls}).
 */
class RefreshAheadTest {

    static final GadConfig CONFIG = ProductionDefaults.CONFIG;
    static final byte[] OLD = "{\"total\":7}".getBytes(StandardCharsets.UTF_8);
    static final byte[] NEW = "{\"total\":8}".getBytes(StandardCharsets.UTF_8);
    static final CacheKey KEY = CacheKey.stats(42, 30);
    static final Duration NEAR_EXPIRY = Duration.ofMillis(500);

    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CacheKeys keys = new CacheKeys(CONFIG);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final CacheMetrics metrics = new CacheMetrics(registry);
    final CacheEpoch epoch = new CacheEpoch();
    {
        epoch.advanced(0, epoch.owedSoFar()); // the shared epoch, as read at start
    }
    final CacheCodec codec = new CacheCodec();
    /** The near cache's clock. */
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final NearCache nearCache = nearCache();
    /** XFetch's rand for every draw; high: the random lead is next to nothing. */
    volatile double rand = 0.999;
    final AtomicInteger loads = new AtomicInteger();
    final CacheAside cache = instance(nearCache);
    final CacheInvalidation invalidation = new CacheInvalidation(store, keys, metrics, nearCache);

    NearCache nearCache() {
        NearCache near = new NearCache(CONFIG.cache().l1(), Optional.empty(), epoch, new SimpleMeterRegistry(), nanos::get);
        near.linkUp(); // as the invalidation link does once subscribed and tracking
        return near;
    }

    /** One service instance on the shared store: its own near cache and refreshes in flight. */
    CacheAside instance(NearCache nearCache) {
        return new CacheAside(store, keys, metrics, epoch, VirtualPause.autoAdvancing(), Supplier::get, CONFIG, nearCache,
                new RefreshAhead(store, metrics, epoch, nearCache, CONFIG, () -> rand));
    }

    Supplier<Uni<byte[]>> loader(byte[] json) {
        return () -> Uni.createFrom().item(() -> {
            loads.incrementAndGet();
            return json;
        });
    }

    /** An aggregation that answers when the test completes {@code result}. */
    Supplier<Uni<byte[]>> held(CompletableFuture<byte[]> result) {
        return () -> {
            loads.incrementAndGet();
            return Uni.createFrom().completionStage(result);
        };
    }

    static CachedJson answer(Uni<CachedJson> uni) {
        return uni.subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted().getItem();
    }

    double refreshes(RefreshAhead.Result result) {
        return registry.get("gad.cache.refresh.ahead").tag("result", result.name().toLowerCase()).counter().count();
    }

    /** Every result but {@code except} counted zero times. */
    void noOtherRefreshResultThan(RefreshAhead.Result except) {
        for (RefreshAhead.Result result : RefreshAhead.Result.values()) {
            if (result != except) {
                assertEquals(0.0, refreshes(result), result.name());
            }
        }
    }

    /** A miss stores OLD; then Redis's PTTL of it is {@code left}. */
    void cachedWithTimeLeft(Duration left) {
        assertEquals(CacheOutcome.MISS, answer(cache.get(KEY, loader(OLD))).info().outcome());
        store.remainingTtls.put(KEY, left);
    }

    byte[] storedJson() {
        return codec.decode(store.values.get(KEY)).orElseThrow().json();
    }

    @Test
    void aHitNearExpiryIsAnsweredAtOnceAndRefreshedOnceInTheBackground() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        CompletableFuture<byte[]> aggregation = new CompletableFuture<>();

        CachedJson hit = answer(cache.get(KEY, held(aggregation)));
        assertEquals(CacheOutcome.HIT, hit.info().outcome());
        assertArrayEquals(OLD, hit.json(), "answered with the current value while the refresh runs");
        assertEquals(2, loads.get(), "the refresh started");
        assertTrue(store.locks.containsKey(KEY), "under the value's lock");

        aggregation.complete(NEW);
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
        noOtherRefreshResultThan(RefreshAhead.Result.REFRESHED);
        assertArrayEquals(NEW, storedJson());
        assertEquals(CONFIG.cache().ttl(), store.remainingTtls.get(KEY), "stored for a full TTL");
        assertTrue(store.locks.isEmpty(), "the write-back released the lock");
        assertEquals(1, metrics.total(CacheOutcome.MISS), "the only miss is the first read");
    }

    @Test
    void concurrentHitsNearExpiryStartOneRefresh() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        CompletableFuture<byte[]> aggregation = new CompletableFuture<>();
        for (int i = 0; i < 50; i++) {
            CachedJson hit = answer(cache.get(KEY, held(aggregation))); // Redis, then the near cache
            assertTrue(hit.info().hit());
        }
        assertEquals(2, loads.get(), "one refresh in this instance");
        aggregation.complete(NEW);
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
        noOtherRefreshResultThan(RefreshAhead.Result.REFRESHED); // the others did not even try the lock
    }

    @Test
    void anotherInstanceFindsTheLockHeldAndDoesNotRefresh() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        CompletableFuture<byte[]> aggregation = new CompletableFuture<>();
        answer(cache.get(KEY, held(aggregation)));
        CacheAside other = instance(nearCache());
        assertEquals(CacheOutcome.HIT, answer(other.get(KEY, held(aggregation))).info().outcome());
        assertEquals(1.0, refreshes(RefreshAhead.Result.BUSY), "the other instance's refresh found the lock held");
        aggregation.complete(NEW);
        assertEquals(2, loads.get(), "one aggregation across both instances");
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
    }

    @Test
    void aRefreshAfterTheValueWasRenewedComputesNothing() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        answer(cache.get(KEY, loader(NEW))); // refreshed; the hit's copy stays in the near cache
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
        // a near-cache hit of that copy before tracking drops it: due by its time, but Redis has the new value
        assertEquals(CacheOutcome.MEMORY_HIT, answer(cache.get(KEY, loader(NEW))).info().outcome());
        assertEquals(1.0, refreshes(RefreshAhead.Result.FRESH));
        assertEquals(2, loads.get(), "no second aggregation");
        assertTrue(store.locks.isEmpty());
    }

    @Test
    void aValueWithTimeLeftAndAHighRandIsNotRefreshed() {
        cachedWithTimeLeft(Duration.ofSeconds(10));
        rand = 0.999;
        for (int i = 0; i < 20; i++) {
            assertTrue(answer(cache.get(KEY, loader(NEW))).info().hit());
        }
        assertEquals(1, loads.get());
        noOtherRefreshResultThan(null);
        assertTrue(store.locks.isEmpty());
    }

    @Test
    void xfetchsRandomLeadStartsASlowAggregationBeforeTheReadInterval() {
        // the miss takes at least 50 ms, so delta is at least 50 ms
        assertEquals(CacheOutcome.MISS, answer(cache.get(KEY, () -> Uni.createFrom().item(() -> {
            loads.incrementAndGet();
            sleep(Duration.ofMillis(50));
            return OLD;
        }))).info().outcome());
        store.remainingTtls.put(KEY, Duration.ofSeconds(3)); // past the longest lead (1 s read interval + 1 s spread)
        rand = 0.999; // lead: at most 2 s + delta * 0.001
        assertTrue(answer(cache.get(KEY, loader(NEW))).info().hit());
        assertEquals(1, loads.get(), "not due");
        rand = Math.exp(-60); // lead: at least 1 s + delta * 60 >= 4 s
        assertTrue(answer(cache.get(KEY, loader(NEW))).info().hit());
        assertEquals(2, loads.get(), "due");
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
    }

    @Test
    void theXfetchCondition() {
        long second = Duration.ofSeconds(1).toNanos();
        assertTrue(RefreshAhead.due(second / 2, second, 0, 0.999), "within the read interval: always");
        assertTrue(RefreshAhead.due(second, second, 0, 1.0));
        assertFalse(RefreshAhead.due(5 * second, second, 2 * second, 0.999));
        assertTrue(RefreshAhead.due(5 * second, second, 2 * second, Math.exp(-3)), "1 s + 2 s * 3 >= 5 s");
        assertFalse(RefreshAhead.due(5 * second, second, 2 * second, Math.exp(-1.9)), "1 s + 2 s * 1.9 < 5 s");
        assertTrue(RefreshAhead.due(second / 100, 0, second / 100, Math.exp(-1)), "plain XFetch with no read interval");
    }

    @Test
    void valuesCachedTogetherComeDueOverTheSpreadNotAllAtOnce() {
        long readInterval = RefreshAhead.READ_INTERVAL.toNanos();
        long spread = RefreshAhead.SPREAD.toNanos();
        int[] tenths = new int[10];
        for (long user = 1; user <= 1_000; user++) {
            long lead = RefreshAhead.lead(keys.valueKey(CacheKey.stats(user, 30)));
            assertTrue(lead >= readInterval && lead < readInterval + spread, "lead " + lead);
            assertEquals(lead, RefreshAhead.lead(keys.valueKey(CacheKey.stats(user, 30))), "fixed per key");
            tenths[(int) ((lead - readInterval) * 10 / spread)]++;
        }
        for (int count : tenths) {
            assertTrue(count >= 50 && count <= 150, "1,000 users' leads by tenth of the spread: " + Arrays.toString(tenths));
        }
    }

    @Test
    void aNearCacheHitNearExpiryRefreshesToo() {
        cachedWithTimeLeft(CONFIG.cache().ttl());
        assertEquals(CacheOutcome.HIT, answer(cache.get(KEY, loader(NEW))).info().outcome()); // kept near for 300 s
        nanos.addAndGet(CONFIG.cache().ttl().minus(NEAR_EXPIRY).toNanos());
        store.remainingTtls.put(KEY, NEAR_EXPIRY); // Redis's clock moved as far
        assertEquals(CacheOutcome.MEMORY_HIT, answer(cache.get(KEY, loader(NEW))).info().outcome());
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
        assertArrayEquals(NEW, storedJson());
    }

    @Test
    void aFailedRefreshIsCountedAndTheHitStillServed() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        CachedJson hit = answer(cache.get(KEY, () -> Uni.createFrom().failure(new IllegalStateException("database down"))));
        assertEquals(CacheOutcome.HIT, hit.info().outcome());
        assertArrayEquals(OLD, hit.json());
        assertEquals(1.0, refreshes(RefreshAhead.Result.FAILED));
        noOtherRefreshResultThan(RefreshAhead.Result.FAILED);
        assertTrue(store.locks.isEmpty(), "the lock was released");
        assertArrayEquals(OLD, storedJson(), "the value is left to expire");

        store.locksFail = true; // Redis fails under the refresh
        nearCache.invalidatedByRedis(KEY.userId());
        assertEquals(CacheOutcome.HIT, answer(cache.get(KEY, loader(NEW))).info().outcome());
        assertEquals(2.0, refreshes(RefreshAhead.Result.FAILED));
    }

    @Test
    void anInvalidationRacingTheRefreshKeepsTheRefreshedPreWriteValueOut() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        // the user's data changes (and is invalidated) after the refresh read the database
        Supplier<Uni<byte[]>> racing = () -> invalidation.invalidateUser(KEY.userId()).replaceWith(NEW);
        assertEquals(CacheOutcome.HIT, answer(cache.get(KEY, racing)).info().outcome());
        assertEquals(1.0, refreshes(RefreshAhead.Result.INVALIDATED));
        noOtherRefreshResultThan(RefreshAhead.Result.INVALIDATED);
        assertArrayEquals(OLD, storedJson(), "the refreshed pre-write figures were not stored");
        assertEquals(CacheOutcome.STALE, answer(cache.get(KEY, loader(NEW))).info().outcome());
        assertTrue(store.locks.isEmpty());
    }

    @Test
    void anEpochAdvanceDuringTheRefreshMakesItsValueStale() {
        cachedWithTimeLeft(NEAR_EXPIRY);
        Supplier<Uni<byte[]>> acrossAnAdvance = () -> Uni.createFrom().item(() -> {
            epoch.advanceTo(1); // e.g. the database change listener reconnected: changes may have been missed
            return NEW;
        });
        answer(cache.get(KEY, acrossAnAdvance));
        assertEquals(1.0, refreshes(RefreshAhead.Result.REFRESHED));
        assertEquals(CacheOutcome.STALE, answer(cache.get(KEY, loader(NEW))).info().outcome(), "stored under the epoch before the advance");
    }

    @Test
    void atMostSixteenRefreshesRunAtOnce() {
        List<CompletableFuture<byte[]>> aggregations = new ArrayList<>();
        for (int days = 1; days <= RefreshAhead.MAX_IN_FLIGHT + 1; days++) {
            CacheKey key = CacheKey.stats(7, days);
            answer(cache.get(key, loader(OLD)));
            store.remainingTtls.put(key, NEAR_EXPIRY);
            CompletableFuture<byte[]> aggregation = new CompletableFuture<>();
            aggregations.add(aggregation);
            assertTrue(answer(cache.get(key, held(aggregation))).info().hit());
        }
        assertEquals(16, RefreshAhead.MAX_IN_FLIGHT);
        assertEquals(2 * RefreshAhead.MAX_IN_FLIGHT + 1, loads.get(), "seventeen misses, sixteen refreshes");
        assertEquals(1.0, refreshes(RefreshAhead.Result.DEFERRED));
        aggregations.forEach(aggregation -> aggregation.complete(NEW));
        assertEquals(RefreshAhead.MAX_IN_FLIGHT, refreshes(RefreshAhead.Result.REFRESHED));

        // a slot is free again: the deferred value's next hit refreshes it
        CacheKey deferred = CacheKey.stats(7, RefreshAhead.MAX_IN_FLIGHT + 1);
        answer(cache.get(deferred, loader(NEW)));
        assertEquals(RefreshAhead.MAX_IN_FLIGHT + 1, refreshes(RefreshAhead.Result.REFRESHED));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
