package com.gad.stats.cache;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.gad.stats.config.GadConfig;

import io.smallrye.mutiny.Uni;

/**
 * Refresh ahead of expiry (docs/cache-design.md "Refresh ahead"): a hit on a value close to its
 * expiry recomputes the value in the background, so the readers of a hot value never wait for its
 * aggregation. Only hits start a refresh: a value nobody reads expires as before.
 *
 * <p>When: probabilistic early expiration (XFetch; Vattani, Chierichetti and Lowenstein, VLDB 2015),
 * {@code now - delta * beta * ln(rand) >= deadline} with beta = 1, rand uniform in (0, 1] and delta
 * the aggregation time of the value's kind measured by this instance (a moving average). The
 * deadline is the value's expiry less the read interval ({@link #READ_INTERVAL}):
 * XFetch alone starts a refresh only within a few aggregation times of the expiry (milliseconds),
 * which a value read once a second almost never hits, so such a value would expire between two
 * reads. With the deadline moved forward, any hit in the last read interval refreshes, and XFetch's
 * random lead still starts slow aggregations earlier by their own duration. The deadline moves
 * forward by a further part of {@link #SPREAD}, fixed per key, so that values cached together do
 * not all come due together.
 *
 * <p>How: under the value's Redis lock, as a miss's load (one refresh per value across instances; a
 * held lock means someone is already computing it). Under the lock the value's generation and TTL
 * are read again: a value renewed meanwhile (another instance's refresh) is left alone, and the new
 * one is stored only under the generation read before the aggregation, with the epoch current
 * before it (the stale-set guard of every write-back). In this instance one refresh per value at a
 * time and at most {@link #MAX_IN_FLIGHT} in all. A failure is counted
 * ({@code gad_cache_refresh_ahead_total{result="failed"}}) and logged, never raised: the hit that
 * started it has been answered already.
 */
@ApplicationScoped
public class RefreshAhead {

    /** The {@code result} of {@code gad_cache_refresh_ahead_total}. */
    public enum Result {
        /** Recomputed and stored. */
        REFRESHED,
        /** Renewed meanwhile (another instance or an earlier refresh): nothing computed. */
        FRESH,
        /** The value's lock was held: a miss or another instance is computing it. */
        BUSY,
        /** Computed, not stored: the user's data changed meanwhile (or is gone). */
        INVALIDATED,
        /** Redis or the database failed, or the refresh outlived its lock; the value expires as usual. */
        FAILED,
        /** Due, but {@link #MAX_IN_FLIGHT} refreshes were running; a later hit tries again. */
        DEFERRED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Refreshes running at once in this instance. A refresh holds a connection of the reactive
     * PostgreSQL pool (20, shared with the misses somebody waits for) only for its aggregation, a few
     * milliseconds of the ~30 ms it takes on a busy instance (its Redis round trips and its turns on
     * the event loop): 16 keep about 3 connections busy. Measured (bench/refresh-ahead.sh, a slower
     * host, the first refresh cycle after a cold start): 8 refreshed ~250 values a second and left
     * 23-110 requests answered as a miss. When all are busy a due value waits for its next hit.
     */
    static final int MAX_IN_FLIGHT = 16;
    /**
     * What "read often" means: a value read at least once a second is refreshed before it expires,
     * as any hit in the last second of its TTL starts the refresh. It costs about read-interval / ttl
     * more aggregations of such a value (1 s of 300 s: 0.3 %), and a value read less often than this
     * is left to expire: its next reader pays one miss.
     */
    static final Duration READ_INTERVAL = Duration.ofSeconds(1);
    /**
     * Values cached together (a warm-up, the first readers after a clear or a deploy) also expire
     * together: with one common deadline all of them would be due in the same read interval, more
     * than {@link #MAX_IN_FLIGHT} refreshes can finish under load (1,000 at once missed 209 requests
     * in bench/refresh-ahead.sh). Each value's deadline is moved forward by up to this much more,
     * by an amount fixed by its key (the same every TTL, so the values stay apart): the refreshes of
     * such a group are spread over this long. It costs another half a second of a hot value's TTL on
     * average (0.2 % of 300 s).
     */
    static final Duration SPREAD = Duration.ofSeconds(1);
    /** XFetch's beta: 1, the paper's choice; above 1 favours earlier refreshes. */
    static final double BETA = 1.0;
    /** Weight of a new sample in the moving average of aggregation times: 1/8. */
    private static final int AVERAGE_WEIGHT = 8;

    private final CacheStore store;
    private final CacheMetrics metrics;
    private final CacheEpoch epoch;
    private final NearCache nearCache;
    private final CacheCodec codec;
    private final boolean enabled;
    private final Duration ttl;
    /** XFetch's rand, uniform in (0, 1]. */
    private final DoubleSupplier random;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger running = new AtomicInteger();
    /** Per kind of value (stats, tasks): moving average of the aggregation time, 0 until measured. */
    private final Map<String, AtomicLong> aggregationNanos = new ConcurrentHashMap<>();

    @Inject
    RefreshAhead(CacheStore store, CacheMetrics metrics, CacheEpoch epoch, NearCache nearCache, GadConfig config) {
        this(store, metrics, epoch, nearCache, config, () -> 1.0 - ThreadLocalRandom.current().nextDouble());
    }

    RefreshAhead(CacheStore store, CacheMetrics metrics, CacheEpoch epoch, NearCache nearCache, GadConfig config,
            DoubleSupplier random) {
        this.store = store;
        this.metrics = metrics;
        this.epoch = epoch;
        this.nearCache = nearCache;
        this.random = random;
        GadConfig.Cache cache = config.cache();
        this.codec = new CacheCodec();
        this.enabled = cache.refreshAhead().enabled();
        this.ttl = cache.ttl();
    }

    /** On: Redis hits need the value's remaining TTL (a PTTL in the same round trip). */
    public boolean enabled() {
        return enabled;
    }

    /** After a near-cache hit: its entry expires with the Redis value it copies. */
    void afterNearHit(CacheKey key, String valueKey, Supplier<Uni<byte[]>> loader) {
        if (enabled && !inFlight.contains(valueKey)) {
            long remaining = nearCache.remainingNanos(valueKey);
            if (remaining >= 0) {
                considered(key, valueKey, remaining, loader);
            }
        }
    }

    /** After a Redis hit, with the value's PTTL read in the same round trip. */
    void afterRedisHit(CacheKey key, String valueKey, Optional<Duration> remainingTtl, Supplier<Uni<byte[]>> loader) {
        if (enabled && remainingTtl.isPresent() && !inFlight.contains(valueKey)) {
            considered(key, valueKey, remainingTtl.get().toNanos(), loader);
        }
    }

    /**
     * How long before its expiry a value becomes due: the read interval plus a part of
     * {@link #SPREAD} fixed by the value's key.
     */
    static long lead(String valueKey) {
        int mixed = valueKey.hashCode() * 0x9E3779B9; // Fibonacci hashing: near keys land far apart
        return READ_INTERVAL.toNanos() + (SPREAD.toNanos() >> 16) * (mixed >>> 16);
    }

    /**
     * XFetch against the expiry less the lead: due when
     * {@code remaining <= lead - delta * BETA * ln(rand)}, rand in (0, 1].
     */
    static boolean due(long remainingNanos, long leadNanos, long deltaNanos, double rand) {
        return remainingNanos <= leadNanos - deltaNanos * BETA * Math.log(rand);
    }

    /** Runs {@code loader}, its duration feeding the moving average of its kind (delta). */
    Uni<byte[]> timed(CacheKey key, Supplier<Uni<byte[]>> loader) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return loader.get().invoke(() -> measured(key.kind(), System.nanoTime() - start));
        });
    }

    private void measured(String kind, long nanos) {
        aggregationNanos.computeIfAbsent(kind, k -> new AtomicLong())
                .accumulateAndGet(Math.max(1, nanos), (average, sample) ->
                        average == 0 ? sample : average + (sample - average) / AVERAGE_WEIGHT);
    }

    private long delta(String kind) {
        AtomicLong average = aggregationNanos.get(kind);
        return average == null ? 0 : average.get();
    }

    private void considered(CacheKey key, String valueKey, long remainingNanos, Supplier<Uni<byte[]>> loader) {
        if (!due(remainingNanos, lead(valueKey), delta(key.kind()), random.getAsDouble())
                || !inFlight.add(valueKey)) {
            return;
        }
        if (running.incrementAndGet() > MAX_IN_FLIGHT) {
            running.decrementAndGet();
            inFlight.remove(valueKey);
            metrics.refreshAhead(Result.DEFERRED);
            return;
        }
        // off the request path: the hit is answered now, whatever becomes of this
        refresh(key, remainingNanos, loader)
                // past the lock's TTL the refresh is no longer the only one: give its slot back
                .ifNoItem().after(CacheAside.LOCK_TTL).fail()
                .onTermination().invoke(() -> {
                    inFlight.remove(valueKey);
                    running.decrementAndGet();
                })
                .subscribe().with(metrics::refreshAhead, failure -> {
                    metrics.refreshAhead(Result.FAILED);
                    CacheLog.warn("refresh_failed", valueKey, key.userId(), failure);
                });
    }

    /** The lock, and the generation and TTL read with it, in one round trip; then the aggregation and the store. */
    private Uni<Result> refresh(CacheKey key, long remainingAtHit, Supplier<Uni<byte[]>> loader) {
        // both the epoch and the generation before the aggregation reads the database: a write after
        // them keeps its result out
        long epochBefore = epoch.current();
        return store.tryLockAndRead(key, CacheAside.LOCK_TTL, true).chain(locked -> locked.attempt() instanceof LockAttempt.Held held
                ? underLock(key, held, locked.stored(), epochBefore, remainingAtHit, loader)
                        .onFailure().call(() -> unlock(key, held))
                : Uni.createFrom().item(Result.BUSY));
    }

    private Uni<Result> underLock(CacheKey key, LockAttempt.Held lock, CacheStore.Stored stored, long epochBefore,
            long remainingAtHit, Supplier<Uni<byte[]>> loader) {
        if (renewed(stored.remainingTtl(), remainingAtHit)) {
            return unlock(key, lock).replaceWith(Result.FRESH);
        }
        return timed(key, loader).chain(json -> json == null
                ? unlock(key, lock).replaceWith(Result.INVALIDATED)
                : store.storeIfGeneration(key, stored.generation(), codec.encode(stored.generation(), epochBefore, json),
                        ttl, Optional.of(lock))
                        .map(kept -> kept ? Result.REFRESHED : Result.INVALIDATED));
    }

    /**
     * Rewritten since the hit: its TTL is now nearer a fresh value's than what the hit saw. A value
     * without expiry needs no refresh; one gone since (PTTL 0) is computed now, as its next reader would.
     */
    private boolean renewed(Optional<Duration> remainingTtl, long remainingAtHit) {
        return remainingTtl.map(left -> left.toNanos() > (remainingAtHit + ttl.toNanos()) / 2).orElse(true);
    }

    private Uni<Void> unlock(CacheKey key, LockAttempt.Held lock) {
        return store.unlock(key, lock).onFailure().recoverWithNull();
    }
}
