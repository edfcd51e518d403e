package com.gad.stats.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.config.GadConfig;

import io.smallrye.mutiny.Uni;

/**
 * The cache-aside pipeline, the only entry point services use. A small state machine:
 *
 * <pre>
 *   near cache ──▶ current entry ─────────────────────────▶ answer from memory (no Redis round trip)
 *   read ──▶ Hit ─────────────────────────────────────────▶ answer from Redis, kept in the near cache
 *        ├─▶ Miss | Stale | Corrupt ──▶ (coalesce) ──▶ tryLock and read again
 *        │        stored meanwhile by another load ─▶ answer it (releasing the lock if taken)
 *        │        Held ───▶ load ─▶ store under the generation read, releasing the lock
 *        │        Busy ───▶ poll for the holder's value ─▶ found: answer │ wait over: load ─▶ store
 *        │        Unavailable ─▶ load ─▶ store
 *        └─▶ Unavailable ──▶ (coalesce, finished ones for 5 s) ──▶ load, store nothing
 * </pre>
 *
 * Redis is an accelerator, never a dependency: a Redis failure becomes a (bounded) database read,
 * and a failed write-back is logged and counted but never fails the request ({@link RedisGateway}, {@link DatabaseFallbackBulkhead}).
 *
 * <p>The near cache ({@link NearCache}) holds Redis hits while Redis tracking says nothing of the
 * user changed; an invalidation through this instance ({@link CacheInvalidation}) reaches it before
 * the invalidation is answered.
 *
 * <p>Stampede protection: concurrent misses of one value in this instance share one load
 * ({@link MissCoalescer}); across instances the first miss takes a short Redis lock and the others
 * poll Redis for its answer for a bounded time before loading themselves, so a cold key costs one
 * aggregation per instance at most, usually one in all. A hit close to its value's expiry starts a
 * refresh in the background under the same lock ({@link RefreshAhead}).
 */
@ApplicationScoped
public class CacheAside {

    /**
     * Across instances the first miss of a value takes a Redis lock this long: an aggregation takes
     * milliseconds, so a holder that died frees the key within 2 s.
     */
    static final Duration LOCK_TTL = Duration.ofSeconds(2);
    /**
     * The others poll Redis for the holder's answer up to this long, then load themselves: well past
     * an aggregation under load, and shorter than {@link #LOCK_TTL}, so a dead holder never holds
     * its waiters past its lock.
     */
    static final Duration LOCK_WAIT = Duration.ofMillis(300);
    /** Interval between those polls: 20 polls at most, each one Redis round trip. */
    static final Duration LOCK_POLL = Duration.ofMillis(15);
    static final int LOCK_POLLS = (int) (LOCK_WAIT.toMillis() / LOCK_POLL.toMillis());
    /**
     * A finished aggregation keeps answering misses of the same key and generation this long,
     * catching requests whose Redis read raced the write-back.
     */
    static final Duration COALESCE_GRACE = Duration.ofSeconds(1);
    /**
     * While Redis cannot be reached, a finished database read of a value keeps answering it this
     * long in this instance, so a hot value costs the database one read per instance per 5 s, not
     * one per wave of requests, during a Redis outage. It is cut short by this instance's next
     * invalidation of the user (its own writes, and every change its database listener hears) and
     * by an epoch that is not trusted, so its staleness is the database listener's, as for any
     * cached value; not its length.
     */
    static final Duration FALLBACK_SHARE = Duration.ofSeconds(5);

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
        this.codec = new CacheCodec();
        this.coalescer = new MissCoalescer(pause, metrics::coalesced);
        this.ttl = cache.ttl();
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
        return coalescer.join(valueKey + "|" + lookup.generation() + "|" + lookup.epoch() + "|" + localInvalidations(key),
                COALESCE_GRACE,
                () -> lockedLoad(key, lookup, loader, info),
                finished -> storedAgain(key, lookup, finished));
    }

    /**
     * Without Redis there is no generation to agree on: share the loads begun after this instance's
     * last invalidation of the user under the current epoch, running or finished less than
     * {@link #FALLBACK_SHARE} ago (only running ones while the epoch is not trusted: a change may
     * have been missed), store nothing, and go to the database through the bounded
     * {@link DatabaseFallback}.
     */
    private Uni<CachedJson> sharedFallback(CacheKey key, String valueKey, Supplier<Uni<byte[]>> loader) {
        Duration keepFinished = epoch.trusted() ? FALLBACK_SHARE : Duration.ZERO;
        return coalescer.join(valueKey + "|unavailable|" + epoch.current() + "|" + localInvalidations(key), keepFinished,
                () -> answered(() -> fallback.read(loader), new CacheInfo(CacheOutcome.UNAVAILABLE, valueKey)),
                Uni.createFrom()::item);
    }

    /**
     * Part of every coalescing key: a write through this instance invalidates before it is answered,
     * even when Redis cannot be reached, so its writer's next read never joins a load that began
     * before the write (read-your-writes, also while Redis is down and nothing else changes).
     */
    private long localInvalidations(CacheKey key) {
        return nearCache.invalidationsOf(key.userId());
    }

    /** A caller served by a load that had already finished stores it again: its own miss may mean the value was lost. */
    private Uni<CachedJson> storedAgain(CacheKey key, Lookup.Storable lookup, CachedJson finished) {
        return finished.isAbsent()
                ? Uni.createFrom().item(finished)
                : stored(key, lookup, finished.json(), Optional.empty()).replaceWith(finished);
    }

    /** Across instances: load under the value's Redis lock, or wait for the holder's answer. */
    private Uni<CachedJson> lockedLoad(CacheKey key, Lookup.Storable lookup, Supplier<Uni<byte[]>> loader, CacheInfo info) {
        return store.tryLockAndRead(key, LOCK_TTL, false)
                .map(locked -> {
                    // a load stored (and unlocked) since this miss's read: serve it, do not repeat it
                    Lookup now = interpreted(locked.stored());
                    return new Locked(locked.attempt(), now.outcome() == CacheOutcome.HIT ? now : null);
                })
                .onFailure().recoverWithItem(failure -> new Locked(new LockAttempt.Unavailable(), null))
                .chain(locked -> {
                    LockAttempt attempt = locked.attempt();
                    if (locked.storedMeanwhile() != null) {
                        Uni<Void> released = attempt instanceof LockAttempt.Held held ? unlock(key, held) : Uni.createFrom().voidItem();
                        return released.replaceWith(served(locked.storedMeanwhile(), info.key()));
                    }
                    if (attempt instanceof LockAttempt.Held held) {
                        return loadAndStore(key, lookup, loader, info, Optional.of(held))
                                .call(answer -> answer.isAbsent() ? unlock(key, held) : Uni.createFrom().voidItem())
                                .onFailure().call(() -> unlock(key, held));
                    }
                    if (attempt instanceof LockAttempt.Busy) {
                        metrics.lockWaited();
                        return answerOfLockHolder(key, LOCK_POLLS)
                                .chain(answer -> answer.isPresent()
                                        ? Uni.createFrom().item(answer.get())
                                        : loadAndStore(key, lookup, loader, info, Optional.empty()));
                    }
                    return loadAndStore(key, lookup, loader, info, Optional.empty());
                });
    }

    /** A lock attempt, and the hit another load stored since the miss's read (null: none). */
    private record Locked(LockAttempt attempt, Lookup storedMeanwhile) {
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
        return pause.of(LOCK_POLL)
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
