package com.gad.stats.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.gad.stats.config.GadConfig;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The cache-aside pipeline, the only entry point services use. A small state machine:
 *
 * <pre>
 *   near cache ──▶ current entry ─────────────────────────▶ answer from memory (no Redis round trip)
 *   read ──▶ Hit ─────────────────────────────────────────▶ answer from Redis, kept in the near cache
 *        ├─▶ Miss | Stale | Corrupt ──▶ (coalesce) ──▶ tryLock
 *        │        Held ───▶ load ─▶ store under the generation read, releasing the lock
 *        │        Busy ───▶ poll for the holder's value ─▶ found: answer │ wait over: load ─▶ store
 *        │        Unavailable ─▶ load ─▶ store
 *        └─▶ Unavailable ──▶ (coalesce while running) ──▶ load, store nothing
 * </pre>
 *
 * Redis is an accelerator, never a dependency: a Redis failure becomes a (bounded) database read,
 * and a failed write-back is logged and counted but never fails the request ({@link CacheFailurePolicy}).
 *
 * <p>The near cache ({@link NearCache}) holds Redis hits while Redis tracking says nothing of the
 * user changed; an invalidation through this instance reaches it before the invalidation is answered.
 *
 * <p>Stampede protection: concurrent misses of one value in this instance share one load
 * ({@link MissCoalescer}); across instances the first miss takes a short Redis lock and the others
 * poll Redis for its answer for a bounded time before loading themselves, so a cold key costs one
 * aggregation per instance at most, usually one in all. A hit close to its value's expiry starts a
 * refresh in the background under the same lock ({@link RefreshAhead}).
 */
@ApplicationScoped
public class CacheAside {

    private final CacheStore store;
    private final CacheKeys keys;
    private final CacheMetrics metrics;
    private final CacheEpoch epoch;
    private final CacheCodec codec;
    private final Pause pause;
    private final DatabaseFallback fallback;
    private final MissCoalescer coalescer;
    private final NearCache nearCache;
    private final RefreshAhead refreshAhead;
    private final Duration ttl;
    private final Duration lockTtl;
    private final Duration lockPoll;
    private final int lockPolls;
    /** The consistency monitor's sampling; none outside CDI. */
    @Inject
    InvalidationObserver invalidations = InvalidationObserver.NONE;

    CacheAside(CacheStore store, CacheKeys keys, CacheMetrics metrics, CacheEpoch epoch, Pause pause, DatabaseFallback fallback,
            GadConfig config, NearCache nearCache, RefreshAhead refreshAhead) {
        this.store = store;
        this.refreshAhead = refreshAhead;
        this.nearCache = nearCache;
        this.fallback = fallback;
        this.keys = keys;
        this.metrics = metrics;
        this.epoch = epoch;
        this.pause = pause;
        GadConfig.Cache cache = config.cache();
        GadConfig.Stampede stampede = cache.stampede();
        this.codec = new CacheCodec(cache.compressThreshold());
        this.coalescer = new MissCoalescer(pause, stampede.coalesceGrace(), metrics::coalesced);
        this.ttl = cache.ttl();
        this.lockTtl = stampede.lockTtl();
        this.lockPoll = stampede.lockPoll();
        this.lockPolls = (int) Math.max(1, stampede.lockWait().toMillis() / Math.max(1, stampede.lockPoll().toMillis()));
    }

    /**
     * The value of {@code key}: from the cache, or from {@code loader} (then stored).
     *
     * @param loader computes the JSON object; emits null when there is nothing (never cached)
     */
    public Uni<CachedJson> get(CacheKey key, Supplier<Uni<byte[]>> loader) {
        String valueKey = keys.valueKey(key);
        if (!nearCache.active()) {
            return fromRedis(key, valueKey, Optional.empty(), loader);
        }
        return Uni.createFrom().deferred(() -> {
            Optional<byte[]> near = nearCache.get(valueKey);
            if (near.isPresent()) {
                metrics.count(CacheOutcome.MEMORY_HIT);
                refreshAhead.afterNearHit(key, valueKey, loader);
                CacheLog.debug(CacheOutcome.MEMORY_HIT.logWord(), valueKey, key.userId());
                return Uni.createFrom().item(new CachedJson(near.get(), new CacheInfo(CacheOutcome.MEMORY_HIT, valueKey)));
            }
            // before the Redis read: an invalidation arriving while it is in flight keeps its value out
            return fromRedis(key, valueKey, Optional.of(nearCache.ticket(key.userId())), loader);
        });
    }

    private Uni<CachedJson> fromRedis(CacheKey key, String valueKey, Optional<NearCache.Ticket> ticket,
            Supplier<Uni<byte[]>> loader) {
        return lookup(key, valueKey, ticket.isPresent() || refreshAhead.enabled())
                .chain(lookup -> switch (lookup.outcome()) {
                    case HIT -> {
                        CachedJson hit = keptNear(ticket, valueKey, (Lookup.Hit) lookup);
                        refreshAhead.afterRedisHit(key, valueKey, ((Lookup.Hit) lookup).remainingTtl(), loader);
                        yield Uni.createFrom().item(hit);
                    }
                    case MISS, STALE, CORRUPT -> sharedLoad(key, valueKey, (Lookup.Storable) lookup, loader);
                    case UNAVAILABLE -> sharedFallback(key, valueKey, loader);
                    case MEMORY_HIT, BYPASS -> throw new IllegalStateException("a Redis lookup is never " + lookup.outcome());
                });
    }

    /**
     * A Redis hit, kept in the near cache no longer than the value's remaining Redis TTL (the
     * configured TTL bounds a value without one). A write-back is not kept: its own SET comes back
     * as a tracking invalidation of the user, so the next Redis hit fills the near cache instead.
     */
    private CachedJson keptNear(Optional<NearCache.Ticket> ticket, String valueKey, Lookup.Hit hit) {
        ticket.ifPresent(read -> nearCache.put(read, valueKey, hit.json(), hit.epoch(), hit.remainingTtl().orElse(ttl)));
        return served(hit, valueKey);
    }

    /** Computes from {@code loader} without reading or writing the cache (counted as a bypass). */
    public Uni<CachedJson> bypass(CacheKey key, Supplier<Uni<byte[]>> loader) {
        String valueKey = keys.valueKey(key);
        metrics.count(CacheOutcome.BYPASS);
        CacheLog.debug(CacheOutcome.BYPASS.logWord(), valueKey, key.userId());
        return answered(loader, new CacheInfo(CacheOutcome.BYPASS, valueKey));
    }

    /** An answer that is never cached (it belongs to no single user); counted as a bypass. */
    public Uni<CachedJson> uncached(Supplier<Uni<byte[]>> loader) {
        metrics.count(CacheOutcome.BYPASS);
        return answered(loader, new CacheInfo(CacheOutcome.BYPASS, null));
    }

    /** O(1) invalidation of every cached value of the user. Fails when Redis cannot be reached. */
    public Uni<Void> invalidateUser(long userId) {
        return invalidated(userId, store.invalidateUser(userId).replaceWith(Boolean.TRUE)).replaceWithVoid();
    }

    /**
     * How long an invalidation made for a committed transaction is remembered, so that whoever hears
     * of that transaction later skips it. Every listener hears of it milliseconds after the commit,
     * unless its queue is far behind (the queue is bounded): a minute leaves room. A notification
     * heard later only costs one invalidation more, never a stale value.
     */
    static final Duration APPLIED_TRANSACTION_TTL = Duration.ofMinutes(1);

    /**
     * {@link #invalidateUser} for a change committed by the transaction {@code transactionId}, once
     * across all instances: the API right after its commit and every instance's database listener
     * ask, the first changes the generation, the others skip. Fails when Redis cannot be reached (then
     * nothing is recorded and the next to ask does it).
     *
     * @return true when this call changed the generation, false when it had been done for that transaction
     */
    public Uni<Boolean> invalidateUserAfterCommit(long userId, long transactionId) {
        return invalidated(userId, store.invalidateUserOnce(userId, transactionId, APPLIED_TRANSACTION_TTL));
    }

    /** Logs and counts an invalidation; this instance's near cache drops the user whatever happened. */
    private Uni<Boolean> invalidated(long userId, Uni<Boolean> invalidation) {
        long start = System.nanoTime();
        String generationKey = keys.generationKey(userId);
        return invalidation
                // after Redis answered (or failed), before the caller is: read-your-writes in this instance
                .onTermination().invoke(() -> nearCache.invalidateUser(userId))
                .invoke(changed -> {
                    metrics.operation("invalidate", start, true);
                    if (changed) {
                        CacheLog.info("invalidate", generationKey, userId);
                        invalidations.invalidated(userId);
                    } else {
                        CacheLog.debug("invalidate_skipped", generationKey, userId);
                    }
                })
                .onFailure().invoke(failure -> {
                    metrics.operation("invalidate", start, false);
                    metrics.invalidationFailed();
                    CacheLog.warn("invalidate_failed", generationKey, userId, failure);
                });
    }

    /**
     * Invalidates each user once, {@code concurrency} at a time, after the transaction
     * {@code transactionId} committed a change. Never fails: a user whose invalidation failed is
     * logged and counted, and the database listeners, which hear of the same transaction, do it.
     */
    public Uni<Void> invalidateAfterCommit(long transactionId, Collection<Long> users, int concurrency) {
        return Multi.createFrom().iterable(Set.copyOf(users))
                .onItem().transformToUni(user -> invalidateUserAfterCommit(user, transactionId).onFailure().recoverWithNull())
                .merge(concurrency)
                .collect().last()
                .replaceWithVoid();
    }

    private Uni<Lookup> lookup(CacheKey key, String valueKey, boolean withRemainingTtl) {
        long start = System.nanoTime();
        return store.read(key, withRemainingTtl)
                .map(this::interpreted)
                .invoke(() -> metrics.operation("read", start, true))
                .onFailure().recoverWithItem(failure -> {
                    metrics.operation("read", start, false);
                    CacheLog.warn(CacheOutcome.UNAVAILABLE.logWord(), valueKey, key.userId(), failure);
                    return new Lookup.Unavailable();
                })
                .invoke(lookup -> {
                    metrics.count(lookup.outcome());
                    if (lookup.outcome() != CacheOutcome.UNAVAILABLE) {
                        CacheLog.debug(lookup.outcome().logWord(), valueKey, key.userId());
                    }
                });
    }

    /** What the stored bytes mean against the user's generation and the current epoch. */
    private Lookup interpreted(CacheStore.Stored stored) {
        // read first: an advance sets the new epoch before it makes the epoch trusted again
        boolean trusted = epoch.trusted();
        long currentEpoch = epoch.current();
        if (stored.bytes().isEmpty()) {
            return new Lookup.Miss(stored.generation(), currentEpoch);
        }
        Optional<CacheCodec.Envelope> envelope = codec.decode(stored.bytes().get());
        if (envelope.isEmpty()) {
            return new Lookup.Corrupt(stored.generation(), currentEpoch);
        }
        CacheCodec.Envelope value = envelope.get();
        if (!value.generation().equals(stored.generation()) || value.epoch() < currentEpoch || !trusted) {
            return new Lookup.Stale(stored.generation(), currentEpoch);
        }
        return new Lookup.Hit(value.json(), value.epoch(), stored.remainingTtl());
    }

    private static CachedJson served(Lookup lookup, String valueKey) {
        return new CachedJson(((Lookup.Hit) lookup).json(), new CacheInfo(CacheOutcome.HIT, valueKey));
    }

    /** Misses of one value and generation in this instance share one locked load. */
    private Uni<CachedJson> sharedLoad(CacheKey key, String valueKey, Lookup.Storable lookup, Supplier<Uni<byte[]>> loader) {
        CacheInfo info = new CacheInfo(lookup.outcome(), valueKey);
        // the epoch too: a load that read the database before an epoch advance must not answer after it
        return coalescer.join(valueKey + "|" + lookup.generation() + "|" + lookup.epoch(), true,
                () -> lockedLoad(key, lookup, loader, info),
                finished -> storedAgain(key, lookup, finished));
    }

    /**
     * Without Redis there is no generation to agree on: share only loads still running, store
     * nothing, and go to the database through the bounded {@link DatabaseFallback}.
     */
    private Uni<CachedJson> sharedFallback(CacheKey key, String valueKey, Supplier<Uni<byte[]>> loader) {
        return coalescer.join(valueKey + "|unavailable", false,
                () -> answered(() -> fallback.read(loader), new CacheInfo(CacheOutcome.UNAVAILABLE, valueKey)),
                Uni.createFrom()::item);
    }

    /** A caller served by a load that had already finished stores it again: its own miss may mean the value was lost. */
    private Uni<CachedJson> storedAgain(CacheKey key, Lookup.Storable lookup, CachedJson finished) {
        return finished.isAbsent()
                ? Uni.createFrom().item(finished)
                : stored(key, lookup, finished.json(), Optional.empty()).replaceWith(finished);
    }

    /** Across instances: load under the value's Redis lock, or wait for the holder's answer. */
    private Uni<CachedJson> lockedLoad(CacheKey key, Lookup.Storable lookup, Supplier<Uni<byte[]>> loader, CacheInfo info) {
        return store.tryLock(key, lockTtl)
                .onFailure().recoverWithItem(failure -> new LockAttempt.Unavailable())
                .chain(attempt -> {
                    if (attempt instanceof LockAttempt.Held held) {
                        return loadAndStore(key, lookup, loader, info, Optional.of(held))
                                .call(answer -> answer.isAbsent() ? unlock(key, held) : Uni.createFrom().voidItem())
                                .onFailure().call(() -> unlock(key, held));
                    }
                    if (attempt instanceof LockAttempt.Busy) {
                        metrics.lockWaited();
                        return answerOfLockHolder(key, lockPolls)
                                .chain(answer -> answer.isPresent()
                                        ? Uni.createFrom().item(answer.get())
                                        : loadAndStore(key, lookup, loader, info, Optional.empty()));
                    }
                    return loadAndStore(key, lookup, loader, info, Optional.empty());
                });
    }

    private Uni<Void> unlock(CacheKey key, LockAttempt.Held lock) {
        return store.unlock(key, lock).onFailure().recoverWithNull();
    }

    /** Polls Redis until the lock holder's value appears; empty when {@code pollsLeft} run out first. */
    private Uni<Optional<CachedJson>> answerOfLockHolder(CacheKey key, int pollsLeft) {
        if (pollsLeft == 0) {
            metrics.lockWaitExpired();
            return Uni.createFrom().item(Optional.empty());
        }
        String valueKey = keys.valueKey(key);
        return pause.of(lockPoll)
                .chain(() -> store.read(key, false))
                .map(this::interpreted)
                .onFailure().recoverWithItem(failure -> new Lookup.Unavailable())
                .chain(lookup -> lookup.outcome() == CacheOutcome.HIT
                        ? Uni.createFrom().item(Optional.of(served(lookup, valueKey)))
                        : answerOfLockHolder(key, pollsLeft - 1));
    }

    private Uni<CachedJson> loadAndStore(CacheKey key, Lookup.Storable lookup, Supplier<Uni<byte[]>> loader, CacheInfo info,
            Optional<LockAttempt.Held> lock) {
        return refreshAhead.timed(key, loader)
                .call(json -> json == null ? Uni.createFrom().voidItem() : stored(key, lookup, json, lock))
                .map(json -> new CachedJson(json, info));
    }

    /** The write-back: stored only under the generation the lookup saw; a failure is logged, never raised. */
    private Uni<Void> stored(CacheKey key, Lookup.Storable lookup, byte[] json, Optional<LockAttempt.Held> lock) {
        long start = System.nanoTime();
        String valueKey = keys.valueKey(key);
        byte[] bytes = codec.encode(lookup.generation(), lookup.epoch(), json);
        return store.storeIfGeneration(key, lookup.generation(), bytes, ttl, lock)
                .invoke(stored -> {
                    metrics.operation("write", start, true);
                    CacheLog.debug(stored ? "set" : "set_skipped_invalidated", valueKey, key.userId());
                })
                .onFailure().recoverWithItem(failure -> {
                    metrics.operation("write", start, false);
                    CacheLog.warn("set_failed", valueKey, key.userId(), failure);
                    return false;
                })
                .replaceWithVoid();
    }

    private Uni<CachedJson> answered(Supplier<Uni<byte[]>> loader, CacheInfo info) {
        return loader.get().map(json -> new CachedJson(json, info));
    }
}
