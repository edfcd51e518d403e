package com.gad.stats.cache;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.cache.CacheLookup.Outcome;
import com.gad.stats.cache.CacheMetrics.Result;

import io.smallrye.mutiny.Uni;

/**
 * The cache-aside pipeline, the only entry point services use: read Redis; on a hit return the
 * stored JSON; otherwise run the loader (the database) and store its answer. Redis is an
 * accelerator, never a dependency: any Redis failure or timeout becomes a database read, and a
 * failed write-back is logged and counted but never fails the request.
 */
@ApplicationScoped
public class CacheAside {

    private final RedisCacheStore store;
    private final CacheKeys keys;
    private final CacheMetrics metrics;
    private final WriteBackHook hook;

    CacheAside(RedisCacheStore store, CacheKeys keys, CacheMetrics metrics, WriteBackHook hook) {
        this.store = store;
        this.keys = keys;
        this.metrics = metrics;
        this.hook = hook;
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
            CacheLog.debug(CacheInfo.BYPASS, valueKey, key.userId());
            return loader.get()
                    .map(json -> new CachedJson(json, CacheInfo.fromDatabase(CacheInfo.BYPASS, valueKey)));
        }
        return cachedValue(key)
                .chain(lookup -> lookup.outcome() == Outcome.HIT
                        ? Uni.createFrom().item(new CachedJson(lookup.json(), CacheInfo.hit(lookup.key())))
                        : loadAndStore(key, lookup, loader));
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
        CacheLog.debug(lookup.outcome().name().toLowerCase(), lookup.key(), key.userId());
    }

    private Uni<CachedJson> loadAndStore(CacheKey key, CacheLookup lookup, Supplier<Uni<byte[]>> loader) {
        CacheInfo info = CacheInfo.fromDatabase(reason(lookup.outcome()), lookup.key());
        return loader.get()
                .call(json -> json == null || lookup.outcome() == Outcome.UNAVAILABLE
                        ? Uni.createFrom().voidItem()
                        : writeBack(key, lookup, json))
                .map(json -> new CachedJson(json, info));
    }

    private Uni<Void> writeBack(CacheKey key, CacheLookup lookup, byte[] json) {
        return hook.beforeWriteBack(key)
                .chain(() -> timedWrite(key, lookup, json));
    }

    private Uni<Void> timedWrite(CacheKey key, CacheLookup lookup, byte[] json) {
        long start = System.nanoTime();
        return store.write(key, lookup, json)
                .invoke(stored -> {
                    metrics.operation("write", start, true);
                    CacheLog.debug(stored ? "set" : "set_skipped_invalidated", lookup.key(), key.userId());
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
