package com.gad.stats.cache;

import java.time.Duration;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.cache.CacheLookup.Outcome;
import com.gad.stats.cache.CacheMetrics.Result;
import com.gad.stats.config.GadConfig;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The cache-aside pipeline, the only entry point services use: read Redis; on a hit return the
 * stored JSON; otherwise run the loader (the database) and store its answer. Redis is an
 * accelerator, never a dependency: any Redis failure or timeout becomes a database read, and a
 * failed write-back is logged and counted but never fails the request.
 *
 * <p>Stampede protection: concurrent misses of one value in this instance share one load
 * ({@link MissCoalescer}); across instances the first miss takes a short Redis lock and the
 * others poll Redis for its answer for a bounded time before loading themselves, so a cold key
 * costs one aggregation per instance at most, usually one in all. A lock holder that dies only
 * delays the others until their wait (or the lock's expiry) ends.
 */
@ApplicationScoped
public class CacheAside {

    /** tryLock could not reach Redis: load without the lock. */
    private static final String NO_LOCK = new String("no-lock");

    private final RedisCacheStore store;
    private final CacheKeys keys;
    private final CacheMetrics metrics;
    private final WriteBackHook hook;
    private final Vertx vertx;
    private final MissCoalescer coalescer;
    private final Duration lockTtl;
    private final Duration lockWait;
    private final Duration lockPoll;

    CacheAside(RedisCacheStore store, CacheKeys keys, CacheMetrics metrics, WriteBackHook hook, Vertx vertx,
            GadConfig config) {
        this.store = store;
        this.keys = keys;
        this.metrics = metrics;
        this.hook = hook;
        this.vertx = vertx;
        GadConfig.Stampede stampede = config.cache().stampede();
        this.coalescer = new MissCoalescer(vertx, stampede.coalesceGrace(), metrics::coalesced);
        this.lockTtl = stampede.lockTtl();
        this.lockWait = stampede.lockWait();
        this.lockPoll = stampede.lockPoll();
    }

    /**
     * @param key      what to read
     * @param useCache false = bypass: compute from the loader, neither read nor write Redis
     * @param loader   computes the JSON object; emits null when there is nothing (never cached)
     */
    public Uni<CachedJson> get(CacheKey key, boolean useCache, Supplier<Uni<byte[]>> loader) {
        if (!useCache) {
            metrics.count(Result.BYPASS);
            String valueKey = keys.valueKey(key);
            CacheLog.info(CacheInfo.BYPASS, valueKey, key.userId());
            return loader.get()
                    .map(json -> new CachedJson(json, CacheInfo.fromDatabase(CacheInfo.BYPASS, valueKey)));
        }
        return cachedValue(key)
                .chain(lookup -> lookup.outcome() == Outcome.HIT
                        ? Uni.createFrom().item(hit(lookup))
                        : coalescedLoad(key, lookup, loader));
    }

    /** O(1) invalidation of every cached value of the user. Fails when Redis cannot be reached. */
    public Uni<Void> invalidateUser(long userId) {
        long start = System.nanoTime();
        String generationKey = keys.generationKey(userId);
        return store.invalidateUser(userId)
                .invoke(() -> {
                    metrics.operation("invalidate", start, true);
                    CacheLog.info("invalidate", generationKey, userId);
                })
                .onFailure().invoke(failure -> {
                    metrics.operation("invalidate", start, false);
                    metrics.invalidationFailed();
                    CacheLog.warn("invalidate_failed", generationKey, userId, failure);
                });
    }

    private Uni<CacheLookup> cachedValue(CacheKey key) {
        long start = System.nanoTime();
        return store.read(key)
                .invoke(lookup -> {
                    metrics.operation("read", start, true);
                    countLookup(key, lookup);
                })
                .onFailure().recoverWithItem(failure -> {
                    metrics.operation("read", start, false);
                    metrics.count(Result.ERROR);
                    String valueKey = keys.valueKey(key);
                    CacheLog.warn("error", valueKey, key.userId(), failure);
                    return CacheLookup.unavailable(valueKey);
                });
    }

    private void countLookup(CacheKey key, CacheLookup lookup) {
        switch (lookup.outcome()) {
            case HIT -> metrics.count(Result.HIT);
            case STALE -> metrics.count(Result.STALE);
            case CORRUPT -> {
                metrics.corrupt();
                metrics.count(Result.MISS);
            }
            default -> metrics.count(Result.MISS);
        }
        CacheLog.info(lookup.outcome().logName, lookup.key(), key.userId());
    }

    private static CachedJson hit(CacheLookup lookup) {
        return new CachedJson(lookup.json(), CacheInfo.hit(lookup.key()));
    }

    private Uni<CachedJson> coalescedLoad(CacheKey key, CacheLookup lookup, Supplier<Uni<byte[]>> loader) {
        boolean generationKnown = lookup.outcome() != Outcome.UNAVAILABLE;
        String id = lookup.key() + "|" + lookup.generation();
        return coalescer.join(id, generationKnown,
                () -> generationKnown ? lockedLoad(key, lookup, loader) : loadAndStore(key, lookup, loader, null),
                shared -> shared.isAbsent()
                        ? Uni.createFrom().item(shared)
                        : writeBack(key, lookup, shared.json(), null).replaceWith(shared));
    }

    /** Across instances: load under the value's Redis lock, or wait for the holder's answer. */
    private Uni<CachedJson> lockedLoad(CacheKey key, CacheLookup lookup, Supplier<Uni<byte[]>> loader) {
        return store.tryLock(key, lockTtl)
                .onFailure().recoverWithItem(NO_LOCK)
                .chain(token -> {
                    if (token == NO_LOCK) {
                        return loadAndStore(key, lookup, loader, null);
                    }
                    if (token != null) {
                        // the write-back releases the lock in its own round trip; without one, release it here
                        return loadAndStore(key, lookup, loader, token)
                                .call(result -> result.isAbsent() ? unlock(key, token) : Uni.createFrom().voidItem())
                                .onFailure().call(() -> unlock(key, token));
                    }
                    metrics.lockWaited();
                    return answerOfLockHolder(key, System.nanoTime() + lockWait.toNanos())
                            .chain(answer -> answer != null ? Uni.createFrom().item(answer) : loadAndStore(key, lookup, loader, null));
                });
    }

    private Uni<Void> unlock(CacheKey key, String token) {
        return store.unlock(key, token).onFailure().recoverWithNull();
    }

    /** Polls Redis until the lock holder's value appears; null when the wait ends without it. */
    private Uni<CachedJson> answerOfLockHolder(CacheKey key, long deadlineNanos) {
        if (System.nanoTime() >= deadlineNanos) {
            metrics.lockWaitExpired();
            return Uni.createFrom().nullItem();
        }
        return delay(lockPoll)
                .chain(() -> store.read(key).onFailure().recoverWithNull())
                .chain(lookup -> lookup != null && lookup.outcome() == Outcome.HIT
                        ? Uni.createFrom().item(hit(lookup))
                        : answerOfLockHolder(key, deadlineNanos));
    }

    /** A pause on the caller's Vert.x context (the event loop stays free meanwhile). */
    private Uni<Void> delay(Duration pause) {
        return Uni.createFrom().emitter(emitter -> vertx.setTimer(Math.max(1, pause.toMillis()), id -> emitter.complete(null)));
    }

    /** Runs the loader and stores a present answer (releasing {@code lockToken}, when given, in the same call). */
    private Uni<CachedJson> loadAndStore(CacheKey key, CacheLookup lookup, Supplier<Uni<byte[]>> loader, String lockToken) {
        CacheInfo info = CacheInfo.fromDatabase(reason(lookup.outcome()), lookup.key());
        return loader.get()
                .call(json -> json == null || lookup.outcome() == Outcome.UNAVAILABLE
                        ? Uni.createFrom().voidItem()
                        : writeBack(key, lookup, json, lockToken))
                .map(json -> new CachedJson(json, info));
    }

    private Uni<Void> writeBack(CacheKey key, CacheLookup lookup, byte[] json, String lockToken) {
        return hook.beforeWriteBack(key)
                .chain(() -> timedWrite(key, lookup, json, lockToken));
    }

    private Uni<Void> timedWrite(CacheKey key, CacheLookup lookup, byte[] json, String lockToken) {
        long start = System.nanoTime();
        return store.write(key, lookup, json, lockToken)
                .invoke(stored -> {
                    metrics.operation("write", start, true);
                    CacheLog.info(stored ? "set" : "set_skipped_invalidated", lookup.key(), key.userId());
                })
                .onFailure().recoverWithItem(failure -> {
                    metrics.operation("write", start, false);
                    CacheLog.warn("set_failed", lookup.key(), key.userId(), failure);
                    return false;
                })
                .replaceWithVoid();
    }

    private static String reason(Outcome outcome) {
        return switch (outcome) {
            case STALE -> CacheInfo.STALE;
            case UNAVAILABLE -> CacheInfo.CACHE_UNAVAILABLE;
            default -> CacheInfo.MISS;
        };
    }
}
