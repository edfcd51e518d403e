package com.gad.stats.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
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
 * Every path of the cache-aside pipeline, on an in-memory store and virtual time: no Redis, no
 * PostgreSQL, production settings (the {@link GadConfig} defaults).
 */
class CacheAsideTest {

    static final GadConfig CONFIG = ProductionDefaults.CONFIG;
    static final byte[] JSON = "{\"total\":7}".getBytes(StandardCharsets.UTF_8);
    static final CacheKey KEY = CacheKey.stats(42, 30);

    final InMemoryCacheStore store = new InMemoryCacheStore();
    final CacheKeys keys = new CacheKeys(CONFIG);
    final SimpleMeterRegistry cacheRegistry = new SimpleMeterRegistry();
    final CacheMetrics metrics = new CacheMetrics(cacheRegistry);
    final CacheEpoch epoch = new CacheEpoch();
    {
        epoch.advanced(0, epoch.owedSoFar()); // the shared epoch, as read at start
    }
    final AtomicInteger loads = new AtomicInteger();
    /** The near cache's clock. */
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final SimpleMeterRegistry nearRegistry = new SimpleMeterRegistry();
    final NearCache nearCache = nearCache(CONFIG.cache().l1().maxBytes());

    NearCache nearCache(long maxBytes) {
        GadConfig.L1 defaults = CONFIG.cache().l1();
        // a proxy, not an anonymous class: the mapping's constraints make ArC refuse one (interceptor bindings)
        GadConfig.L1 settings = (GadConfig.L1) java.lang.reflect.Proxy.newProxyInstance(GadConfig.L1.class.getClassLoader(),
                new Class<?>[] { GadConfig.L1.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "enabled" -> true;
                    case "maxBytes" -> maxBytes;
                    default -> method.invoke(defaults, args);
                });
        NearCache near = new NearCache(settings, Optional.empty(), epoch, nearRegistry, nanos::get);
        near.linkUp(); // as the invalidation link does once subscribed and tracking
        return near;
    }

    CacheAside pipeline(Pause pause) {
        return new CacheAside(store, keys, metrics, epoch, pause, Supplier::get, CONFIG, nearCache,
                new RefreshAhead(store, metrics, epoch, nearCache, CONFIG));
    }

    final CacheAside cache = pipeline(VirtualPause.autoAdvancing());
    final CacheInvalidation invalidation = new CacheInvalidation(store, keys, metrics, nearCache);

    /** The aggregation stand-in: counts its runs and answers {@code json}. */
    Supplier<Uni<byte[]>> loader(byte[] json) {
        return () -> Uni.createFrom().item(() -> {
            loads.incrementAndGet();
            return json;
        });
    }

    static CachedJson answer(Uni<CachedJson> uni) {
        return uni.subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted().getItem();
    }

    static boolean changed(Uni<Boolean> invalidation) {
        return invalidation.subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted().getItem();
    }

    CachedJson get(CacheAside pipeline) {
        return answer(pipeline.get(KEY, loader(JSON)));
    }

    @Test
    void aMissLoadsStoresAndTheNextReadIsAHit() {
        CachedJson miss = get(cache);
        assertEquals(CacheOutcome.MISS, miss.info().outcome());
        assertEquals(keys.valueKey(KEY), miss.info().key());
        CachedJson hit = get(cache);
        assertEquals(CacheOutcome.HIT, hit.info().outcome());
        assertArrayEquals(JSON, hit.json());
        assertEquals(1, loads.get(), "one aggregation");
        assertEquals(1, metrics.total(CacheOutcome.HIT));
        assertEquals(1, metrics.total(CacheOutcome.MISS));
        assertTrue(store.locks.isEmpty(), "the write-back released the lock");
        assertEquals("{\"total\":7,\"_cache\":{\"hit\":true,\"source\":\"redis\",\"key\":\"gad:stats:v2:{u42}:d30\"}}",
                new String(hit.body(), StandardCharsets.UTF_8));
    }

    @Test
    void anInvalidatedValueIsStaleAndRecomputed() {
        get(cache);
        answer(invalidation.invalidateUser(KEY.userId()).replaceWith(CachedJson.class.cast(null)));
        CachedJson stale = get(cache);
        assertEquals(CacheOutcome.STALE, stale.info().outcome());
        assertEquals("stale", stale.info().outcome().reason());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        assertEquals(2, loads.get());
    }

    @Test
    void anEpochAdvanceMakesEveryEarlierValueStale() {
        get(cache);
        epoch.advanceTo(1);
        assertEquals(CacheOutcome.STALE, get(cache).info().outcome());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "stored again under the new epoch");
        epoch.advanceTo(0);
        assertEquals(1, epoch.current(), "the epoch never goes back");
    }

    @Test
    void aLoadFinishedBeforeAnEpochAdvanceIsNotSharedAfterIt() {
        CacheAside manualTime = pipeline(VirtualPause.manual()); // the finished load stays shareable (grace)
        answer(manualTime.get(KEY, loader(JSON)));
        epoch.advanceTo(1); // e.g. the database change listener may have missed a change
        byte[] changed = "{\"total\":8}".getBytes(StandardCharsets.UTF_8);
        CachedJson stale = answer(manualTime.get(KEY, loader(changed)));
        assertEquals(CacheOutcome.STALE, stale.info().outcome());
        assertArrayEquals(changed, stale.json(), "computed again, not the answer of the load before the advance");
        assertEquals(2, loads.get());
    }

    @Test
    void aCorruptValueCountsAsAMissAndIsOverwritten() {
        store.generations.put(KEY.userId(), "g");
        store.values.put(KEY, "g\u001fgarbage".getBytes(StandardCharsets.US_ASCII));
        CachedJson corrupt = get(cache);
        assertEquals(CacheOutcome.CORRUPT, corrupt.info().outcome());
        assertEquals("miss", corrupt.info().outcome().reason());
        assertEquals(1, metrics.total(CacheOutcome.MISS), "counted under the miss tag");
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "overwritten with a readable value");
    }

    @Test
    void redisUnavailableMeansADatabaseAnswerAndNothingStored() {
        store.readsFail = true;
        CachedJson answer = get(cache);
        assertEquals(CacheOutcome.UNAVAILABLE, answer.info().outcome());
        assertEquals("cache_unavailable", answer.info().outcome().reason());
        assertArrayEquals(JSON, answer.json());
        assertEquals(0, store.stores.get());
        assertEquals(1, metrics.total(CacheOutcome.UNAVAILABLE));
        assertEquals("error", CacheOutcome.UNAVAILABLE.metricTag());
    }

    @Test
    void withRedisDownAReadAfterAWriteNeverJoinsAFallbackLoadBegunBeforeIt() {
        store.readsFail = true;
        store.invalidationsFail = true;
        CompletableFuture<byte[]> beforeTheWrite = new CompletableFuture<>();
        UniAssertSubscriber<CachedJson> earlier = cache.get(KEY, () -> {
            loads.incrementAndGet();
            return Uni.createFrom().completionStage(beforeTheWrite);
        }).subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(1, loads.get(), "a database read is running");

        // the write commits and this instance invalidates, in vain: Redis is down
        invalidation.invalidateAfterCommit(7, List.of(KEY.userId()), 1).await().indefinitely();
        assertEquals(1.0, cacheRegistry.get("gad.cache.invalidation.failures").counter().count(), "the invalidation failed");

        byte[] afterTheWrite = "{\"total\":8}".getBytes(StandardCharsets.UTF_8);
        CachedJson later = answer(cache.get(KEY, loader(afterTheWrite)));
        assertArrayEquals(afterTheWrite, later.json(), "the writer's next read is read from the database again");
        assertEquals(2, loads.get());

        beforeTheWrite.complete(JSON);
        assertArrayEquals(JSON, earlier.awaitItem().getItem().json(), "the earlier read keeps its own answer");
    }

    @Test
    void aSkippedInvalidationDoesNotSplitALoadThatMissesShare() {
        assertTrue(changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 7)), "the API, right after its commit");
        // the database listener hears the same transaction later: nothing left to do
        assertOneLoadForTwoMissesAround(() -> assertFalse(changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 7))));
    }

    @Test
    void aTrackingPushForTheUserDoesNotSplitALoadThatMissesShare() {
        // Redis tracking tells of a change to one of the user's keys (a write-back, a lock, another
        // instance's invalidation, which changes the generation the next lookup sees anyway)
        assertOneLoadForTwoMissesAround(() -> nearCache.invalidatedByRedis(KEY.userId()));
    }

    /** A miss starts a load; {@code between} happens; a second miss shares that load: one aggregation. */
    private void assertOneLoadForTwoMissesAround(Runnable between) {
        CompletableFuture<byte[]> aggregation = new CompletableFuture<>();
        Supplier<Uni<byte[]>> slow = () -> {
            loads.incrementAndGet();
            return Uni.createFrom().completionStage(aggregation);
        };
        UniAssertSubscriber<CachedJson> first = cache.get(KEY, slow).subscribe().withSubscriber(UniAssertSubscriber.create());
        between.run();
        UniAssertSubscriber<CachedJson> second = cache.get(KEY, slow).subscribe().withSubscriber(UniAssertSubscriber.create());
        aggregation.complete(JSON);
        assertArrayEquals(JSON, first.awaitItem().getItem().json());
        assertArrayEquals(JSON, second.awaitItem().getItem().json());
        assertEquals(1, loads.get(), "one aggregation for both misses");
    }

    @Test
    void withRedisDownAFinishedDatabaseReadAnswersTheValueForTheShareOnly() {
        VirtualPause time = VirtualPause.manual();
        CacheAside pipeline = pipeline(time);
        store.readsFail = true;
        assertEquals(CacheOutcome.UNAVAILABLE, get(pipeline).info().outcome());
        time.advance(CacheAside.FALLBACK_SHARE.minusMillis(1));
        CachedJson shared = get(pipeline);
        assertEquals(CacheOutcome.UNAVAILABLE, shared.info().outcome());
        assertArrayEquals(JSON, shared.json());
        assertEquals(1, loads.get(), "one database read for both");
        time.advance(Duration.ofMillis(1));
        get(pipeline);
        assertEquals(2, loads.get(), "read again once the share is over");
        assertEquals(0, store.stores.get(), "nothing stored");
    }

    @Test
    void withRedisDownAnInvalidationOrAnOwedEpochEndsTheShare() {
        CacheAside pipeline = pipeline(VirtualPause.manual()); // finished reads stay shareable
        store.readsFail = true;
        store.invalidationsFail = true;
        get(pipeline);
        invalidation.invalidateAfterCommit(7, List.of(KEY.userId()), 1).await().indefinitely(); // e.g. the listener heard a SQL write
        get(pipeline);
        assertEquals(2, loads.get(), "the read after the invalidation went to the database");

        epoch.owe(); // e.g. the database listener lost its connection: changes may be missed
        get(pipeline);
        get(pipeline);
        assertEquals(4, loads.get(), "while an epoch advance is owed, every read goes to the database");
        epoch.advanced(1, epoch.owedSoFar());
        get(pipeline);
        get(pipeline);
        assertEquals(5, loads.get(), "shared again under the new epoch");
    }

    @Test
    void aFailedWriteBackNeverFailsTheRequest() {
        store.storesFail = true;
        assertEquals(CacheOutcome.MISS, get(cache).info().outcome());
        store.storesFail = false;
        assertEquals(CacheOutcome.MISS, get(cache).info().outcome(), "nothing was stored");
    }

    @Test
    void anAbsentAnswerIsNeverStoredAndReleasesTheLock() {
        CachedJson absent = answer(cache.get(KEY, loader(null)));
        assertTrue(absent.isAbsent());
        assertTrue(store.values.isEmpty());
        assertTrue(store.locks.isEmpty());
    }

    @Test
    void lockHeldTheLoaderRunsUnderTheLock() {
        List<Boolean> lockedDuringLoad = new ArrayList<>();
        answer(cache.get(KEY, () -> Uni.createFrom().item(() -> {
            lockedDuringLoad.add(store.locks.containsKey(KEY));
            return JSON;
        })));
        assertEquals(List.of(true), lockedDuringLoad);
        assertTrue(store.locks.isEmpty());
    }

    @Test
    void aLoadStoredBetweenAMissesReadAndItsLockIsServedNotRepeated() {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.replyGate = gate;
        UniAssertSubscriber<CachedJson> miss = cache.get(KEY, loader(JSON))
                .subscribe().withSubscriber(UniAssertSubscriber.create());

        // the miss has read nothing; before its reply arrives another instance's load stores and unlocks
        String generation = store.generations.get(KEY.userId());
        store.values.put(KEY, new CacheCodec().encode(generation, 0, JSON));
        store.replyGate = null;
        gate.complete(null);

        CachedJson answer = miss.assertCompleted().getItem();
        assertEquals(CacheOutcome.HIT, answer.info().outcome());
        assertEquals(0, loads.get(), "the lock freed by that load was not taken to load again");
        assertTrue(store.locks.isEmpty(), "the lock taken with the read is released");
    }

    @Test
    void lockBusyWaitsForTheHoldersValueInsteadOfLoading() {
        VirtualPause time = VirtualPause.manual();
        CacheAside pipeline = pipeline(time);
        store.locks.put(KEY, "another-instance");
        UniAssertSubscriber<CachedJson> waiting = pipeline.get(KEY, loader(JSON))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        time.advance(CacheAside.LOCK_POLL);
        time.advance(CacheAside.LOCK_POLL);
        waiting.assertNotTerminated();

        // the other instance stores its answer under the current generation
        String generation = store.generations.get(KEY.userId());
        store.values.put(KEY, new CacheCodec().encode(generation, 0, JSON));
        time.advance(CacheAside.LOCK_POLL);

        CachedJson answer = waiting.assertCompleted().getItem();
        assertEquals(CacheOutcome.HIT, answer.info().outcome());
        assertEquals(0, loads.get(), "no aggregation in this instance");
        assertEquals(CacheAside.LOCK_POLL.multipliedBy(3), time.elapsed());
    }

    @Test
    void lockBusyForTheWholeWaitLoadsAfterTheConfiguredWait() {
        VirtualPause time = VirtualPause.autoAdvancing();
        store.locks.put(KEY, "a-holder-that-died");
        List<Duration> waitedBeforeLoading = new ArrayList<>();
        CachedJson answer = answer(pipeline(time).get(KEY, () -> {
            waitedBeforeLoading.add(time.elapsed());
            return loader(JSON).get();
        }));
        assertEquals(CacheOutcome.MISS, answer.info().outcome());
        assertEquals(1, loads.get());
        assertEquals(List.of(CacheAside.LOCK_WAIT), waitedBeforeLoading, "waited the production lock wait");
        assertEquals(1, store.stores.get(), "stored without the lock, under the generation read");
    }

    @Test
    void aWaiterGivesUpBeforeTheLockItWaitsForExpires() {
        // or a holder that died would keep its waiters past its lock
        assertTrue(CacheAside.LOCK_WAIT.compareTo(CacheAside.LOCK_TTL) < 0);
        assertTrue(CacheAside.LOCK_POLLS >= 1);
    }

    @Test
    void lockUnavailableLoadsAndStoresWithoutTheLock() {
        store.locksFail = true;
        assertEquals(CacheOutcome.MISS, get(cache).info().outcome());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        assertEquals(1, loads.get());
    }

    @Test
    void concurrentMissesOfOneValueShareOneLoad() {
        CompletableFuture<byte[]> aggregation = new CompletableFuture<>();
        Supplier<Uni<byte[]>> slowLoader = () -> {
            loads.incrementAndGet();
            return Uni.createFrom().completionStage(aggregation);
        };
        List<UniAssertSubscriber<CachedJson>> requests = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            requests.add(cache.get(KEY, slowLoader).subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        aggregation.complete(JSON);
        requests.forEach(request -> assertArrayEquals(JSON, request.assertCompleted().getItem().json()));
        assertEquals(1, loads.get());
    }

    @Test
    void aWriteBackAfterAnInvalidationIsSkipped() {
        // the user's data changes (and is invalidated) while the miss computes the old figures
        Supplier<Uni<byte[]>> racingLoader = () -> invalidation.invalidateUser(KEY.userId()).replaceWith(JSON);
        assertEquals(CacheOutcome.MISS, answer(cache.get(KEY, racingLoader)).info().outcome());
        assertTrue(store.values.isEmpty(), "the pre-change figures were not stored");
        assertFalse(answer(cache.get(KEY, loader(JSON))).info().hit());
    }

    @Test
    void bypassAndUncachedNeverTouchTheStoreAndCountAsBypass() {
        CachedJson bypass = answer(cache.bypass(KEY, loader(JSON)));
        assertEquals("bypass", bypass.info().outcome().reason());
        CachedJson uncached = answer(cache.uncached(loader(JSON)));
        assertNull(uncached.info().key());
        assertEquals(0, store.reads.get());
        assertEquals(2, metrics.total(CacheOutcome.BYPASS));
    }

    @Test
    void invalidationAfterAChangeNeverFails() {
        store.invalidationsFail = true;
        answer(invalidation.invalidateAfterCommit(7, List.of(1L, 2L, 2L), 2).replaceWith(CachedJson.class.cast(null)));
        UniAssertSubscriber<Void> direct = invalidation.invalidateUser(1L).subscribe().withSubscriber(UniAssertSubscriber.create());
        direct.assertFailedWith(IllegalStateException.class);
    }

    /** The API after its commit and each listener ask for the same transaction: the first changes the generation. */
    @Test
    void aTransactionInvalidatesOnceWhoeverAsks() {
        assertEquals(CacheOutcome.MISS, get(cache).info().outcome());
        String generation = store.generations.get(KEY.userId());

        assertEquals(true, changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 1553)));
        String afterFirst = store.generations.get(KEY.userId());
        assertNotEquals(generation, afterFirst);
        assertEquals(false, changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 1553)));
        assertEquals(false, changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 1553)));
        assertEquals(afterFirst, store.generations.get(KEY.userId()), "one generation change for the transaction");

        assertEquals(true, changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 1554)), "another transaction invalidates again");
    }

    /** Nothing is recorded when Redis could not be reached: the next to ask for the transaction does it. */
    @Test
    void aFailedInvalidationOfATransactionIsLeftToTheNextToAsk() {
        store.invalidationsFail = true;
        invalidation.invalidateUserAfterCommit(KEY.userId(), 1553).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(IllegalStateException.class);
        store.invalidationsFail = false;
        assertEquals(true, changed(invalidation.invalidateUserAfterCommit(KEY.userId(), 1553)));
    }

    // --- near cache ------------------------------------------------------------------------

    /** A miss, then a Redis hit (kept), then answers from memory without a Redis read. */
    CachedJson servedFromMemory() {
        assertEquals(CacheOutcome.MISS, get(cache).info().outcome());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        int reads = store.reads.get();
        CachedJson memory = get(cache);
        assertEquals(CacheOutcome.MEMORY_HIT, memory.info().outcome());
        assertEquals(reads, store.reads.get(), "no Redis read");
        return memory;
    }

    @Test
    void aRedisHitIsKeptAndThenServedFromMemory() {
        CachedJson memory = servedFromMemory();
        assertArrayEquals(JSON, memory.json());
        assertEquals("{\"total\":7,\"_cache\":{\"hit\":true,\"source\":\"memory\",\"key\":\"gad:stats:v2:{u42}:d30\"}}",
                new String(memory.body(), StandardCharsets.UTF_8));
        assertEquals(2, metrics.total(CacheOutcome.HIT), "a memory hit is a hit of gad_cache_requests_total");
        assertEquals(1.0, nearRegistry.get("gad.cache.l1.requests").tag("result", "hit").counter().count());
        assertEquals(1, loads.get());
    }

    @Test
    void anInvalidationThroughThisInstanceIsSeenBeforeItIsAnswered() {
        servedFromMemory();
        answer(invalidation.invalidateUser(KEY.userId()).replaceWith(CachedJson.class.cast(null)));
        assertEquals(CacheOutcome.STALE, get(cache).info().outcome());
    }

    @Test
    void aFailedInvalidationStillDropsTheLocalEntry() {
        servedFromMemory();
        store.invalidationsFail = true;
        answer(invalidation.invalidateAfterCommit(7, List.of(KEY.userId()), 1).replaceWith(CachedJson.class.cast(null)));
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "from Redis, not from memory");
    }

    @Test
    void anInvalidationFromRedisTrackingDropsEveryEntryOfTheUser() {
        servedFromMemory();
        nearCache.invalidatedByRedis(KEY.userId());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        assertEquals(CacheOutcome.MEMORY_HIT, get(cache).info().outcome());
        assertEquals(1.0, nearRegistry.get("gad.cache.l1.invalidations").tag("kind", "key").counter().count());
    }

    /**
     * The tracking race: Redis answers a read, an invalidation of the user arrives before the
     * answer is put into the near cache; the answer is served but never kept.
     */
    @Test
    void anInvalidationArrivingWhileAReadIsInFlightKeepsItsValueOut() {
        get(cache); // miss, stored in Redis
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.replyGate = gate;
        UniAssertSubscriber<CachedJson> inFlight = cache.get(KEY, loader(JSON)).subscribe().withSubscriber(UniAssertSubscriber.create());
        inFlight.assertNotTerminated(); // Redis has answered; the answer waits before the near cache
        nearCache.invalidatedByRedis(KEY.userId());
        store.replyGate = null;
        gate.complete(null);
        assertEquals(CacheOutcome.HIT, inFlight.assertCompleted().getItem().info().outcome());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "the raced value was not kept");
        assertEquals(CacheOutcome.MEMORY_HIT, get(cache).info().outcome(), "a read after the invalidation is");
    }

    @Test
    void aLostLinkFlushesAndBypassesUntilItIsBack() {
        servedFromMemory();
        nearCache.linkLost();
        assertEquals(0, nearCache.size(), "flushed");
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "bypassed: nothing kept while the link is down");
        assertEquals(NearCache.LinkState.DOWN, nearCache.state());
        assertEquals(1.0, nearRegistry.get("gad.cache.l1.flushes").counter().count());
        assertEquals(0.0, nearRegistry.get("gad.cache.l1.link.state").gauge().value());

        nearCache.linkUp();
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        assertEquals(CacheOutcome.MEMORY_HIT, get(cache).info().outcome());
    }

    @Test
    void aReadStartedBeforeALinkLossIsNotKeptAfterTheLinkIsBack() {
        get(cache);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        store.replyGate = gate;
        UniAssertSubscriber<CachedJson> inFlight = cache.get(KEY, loader(JSON)).subscribe().withSubscriber(UniAssertSubscriber.create());
        nearCache.linkLost();
        nearCache.linkUp();
        store.replyGate = null;
        gate.complete(null);
        inFlight.assertCompleted();
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "not kept: invalidations may have been lost meanwhile");
    }

    @Test
    void anEntryNeverOutlivesTheRedisValuesRemainingTtl() {
        get(cache);
        store.remainingTtls.put(KEY, Duration.ofSeconds(2)); // PTTL of the value when the next read runs
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome());
        nanos.addAndGet(Duration.ofMillis(1999).toNanos());
        assertEquals(CacheOutcome.MEMORY_HIT, get(cache).info().outcome());
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertEquals(CacheOutcome.HIT, get(cache).info().outcome(), "expired with the Redis value");
    }

    @Test
    void anEpochAdvanceIsSeenByTheNearCache() {
        servedFromMemory();
        epoch.advanceTo(1);
        assertEquals(CacheOutcome.STALE, get(cache).info().outcome());
    }

    @Test
    void aSmallWeightBoundEvicts() {
        NearCache small = nearCache(2_000);
        CacheAside pipeline = new CacheAside(store, keys, metrics, epoch, VirtualPause.autoAdvancing(), Supplier::get, CONFIG, small,
                new RefreshAhead(store, metrics, epoch, small, CONFIG));
        byte[] body = ("{\"pad\":\"" + "x".repeat(300) + "\"}").getBytes(StandardCharsets.UTF_8);
        for (int days = 1; days <= 20; days++) {
            CacheKey key = CacheKey.stats(7, days);
            answer(pipeline.get(key, loader(body))); // miss
            answer(pipeline.get(key, loader(body))); // Redis hit, kept
        }
        long entries = small.size();
        assertTrue(entries > 0 && entries <= 2_000 / 300, "entries held: " + entries);
        assertTrue(nearRegistry.get("gad.cache.l1.evictions").tag("cause", "size").counter().count() > 0);
    }

    @Test
    void onByDefaultOnEveryTopology() {
        assertTrue(NearCache.offReason(CONFIG.cache().l1()).isEmpty());
    }
}
