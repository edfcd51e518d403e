package com.gad.stats.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import com.gad.stats.config.GadConfig;
import com.gad.stats.common.Meters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The in-process L1 in front of Redis (docs/near-cache.md): decoded JSON bodies of Redis hits,
 * served without a round trip while they are provably current.
 *
 * <p>An entry is served only when all of these still hold:
 * <ul>
 * <li>the invalidation link is up and has not been lost since the entry was read ({@link #linkEpoch});</li>
 * <li>no invalidation of its user arrived since the Redis read began (the user's sequence, captured
 * in a {@link Ticket} before the read): an invalidation racing the read keeps its value out;</li>
 * <li>its value's epoch is still current and no advance of it is owed ({@link CacheEpoch});</li>
 * <li>the Redis value's remaining TTL, measured from before the read, has not run out.</li>
 * </ul>
 * Validity is checked when an entry is served, not only when it is stored, so an invalidation
 * arriving between the check and the put cannot be missed. Sequences are kept per stripe of users
 * (bounded memory); two users sharing a stripe only cost each other a Redis read.
 */
@ApplicationScoped
public class NearCache {

    /** State of the invalidation link, also the gauge {@code gad_cache_l1_link_state}. */
    public enum LinkState {
        /** Not subscribed (yet, or lost): nothing is served or stored. */
        DOWN(0),
        /** Subscribed and tracking: entries are served. */
        UP(1),
        /** The L1 is switched off. */
        OFF(2);

        final int code;

        LinkState(int code) {
            this.code = code;
        }
    }

    /** What a read captured before asking Redis; {@link #put} refuses the value when it has moved on since. */
    public record Ticket(long userId, long userSequence, long linkEpoch, long readStartNanos) {
    }

    private record Entry(byte[] json, long userId, long userSequence, long linkEpoch, long valueEpoch, long expiresAtNanos) {
    }

    static final int STRIPES = 8192;
    /** Rough per-entry memory besides the body: the key, the entry and the map's node. */
    private static final int ENTRY_OVERHEAD = 160;

    private final boolean active;
    private final String offReason;
    private final CacheEpoch epoch;
    private final Ticker ticker;
    private final Cache<String, Entry> entries;
    private final AtomicLongArray userSequences = new AtomicLongArray(STRIPES);
    /** Invalidations this instance made, per stripe of users ({@link #invalidationsOf}). */
    private final AtomicLongArray invalidationsHere = new AtomicLongArray(STRIPES);
    private final AtomicLong linkEpoch = new AtomicLong();
    private volatile LinkState state;
    private final Counter hits;
    private final Counter misses;
    private final Counter sizeEvictions;
    private final Counter expiredEvictions;
    private final Counter keyInvalidations;
    private final Counter flushInvalidations;
    private final Counter linkLostFlushes;

    @Inject
    NearCache(GadConfig config, CacheEpoch epoch, MeterRegistry registry) {
        this(config.cache().l1(), offReason(config.cache().l1()), epoch, registry, Ticker.systemTicker());
    }

    NearCache(GadConfig.L1 settings, Optional<String> offReason, CacheEpoch epoch, MeterRegistry registry, Ticker ticker) {
        this.active = offReason.isEmpty();
        this.offReason = offReason.orElse("");
        this.epoch = epoch;
        this.ticker = ticker;
        this.state = active ? LinkState.DOWN : LinkState.OFF;
        this.entries = Caffeine.newBuilder()
                .maximumWeight(settings.maxBytes())
                .weigher((String key, Entry entry) -> entry.json().length + 2 * key.length() + ENTRY_OVERHEAD)
                .expireAfter(new UntilRedisExpiry())
                .ticker(ticker)
                .executor(Runnable::run) // maintenance is small and amortized: no hop to another pool
                .evictionListener((String key, Entry entry, RemovalCause cause) -> evicted(cause))
                .build();
        hits = requests(registry, "hit");
        misses = requests(registry, "miss");
        sizeEvictions = evictions(registry, "size");
        expiredEvictions = evictions(registry, "expired");
        keyInvalidations = invalidations(registry, "key");
        flushInvalidations = invalidations(registry, "flush");
        linkLostFlushes = Meters.counter(registry, "gad.cache.l1.flushes",
                "Near-cache flushes because the invalidation link was lost", "cause", "link_lost");
        Gauge.builder("gad.cache.l1.link.state", this, near -> near.state.code)
                .description("Near-cache invalidation link: 0 down (L1 bypassed), 1 up, 2 off")
                .register(registry);
        Gauge.builder("gad.cache.l1.entries", entries, Cache::estimatedSize)
                .description("Entries held by the near cache")
                .register(registry);
    }

    /** Empty when the L1 may run (on every topology); otherwise why not (logged at start). */
    static Optional<String> offReason(GadConfig.L1 settings) {
        if (!settings.enabled()) {
            return Optional.of("switched off (gad.cache.l1.enabled=false)");
        }
        return Optional.empty();
    }

    private static Counter requests(MeterRegistry registry, String result) {
        return Meters.counter(registry, "gad.cache.l1.requests",
                "Near-cache lookups by result (a miss goes on to Redis)", "result", result);
    }

    private static Counter evictions(MeterRegistry registry, String cause) {
        return Meters.counter(registry, "gad.cache.l1.evictions",
                "Near-cache entries evicted: size bound reached or Redis TTL run out", "cause", cause);
    }

    private static Counter invalidations(MeterRegistry registry, String kind) {
        return Meters.counter(registry, "gad.cache.l1.invalidations",
                "Invalidations received from Redis tracking: one per key, or a flush of everything", "kind", kind);
    }

    /** Configured on and supported by the topology: reads capture tickets and ask Redis for the TTL. */
    public boolean active() {
        return active;
    }

    public String offReason() {
        return offReason;
    }

    public LinkState state() {
        return state;
    }

    /** The body of {@code valueKey} when it is current (see the class comment). */
    public Optional<byte[]> get(String valueKey) {
        if (state != LinkState.UP) {
            misses.increment();
            return Optional.empty();
        }
        Entry entry = entries.getIfPresent(valueKey);
        if (entry == null) {
            misses.increment();
            return Optional.empty();
        }
        if (!current(entry)) {
            entries.asMap().remove(valueKey, entry);
            misses.increment();
            return Optional.empty();
        }
        hits.increment();
        return Optional.of(entry.json());
    }

    /**
     * The body of {@code valueKey} if {@link #get} would serve it now, without counting a lookup or
     * touching the entry's recency (the consistency monitor looks, it does not read).
     */
    public Optional<byte[]> peek(String valueKey) {
        Entry entry = state == LinkState.UP ? entries.policy().getIfPresentQuietly(valueKey) : null;
        return entry != null && current(entry) ? Optional.of(entry.json()) : Optional.empty();
    }

    private boolean current(Entry entry) {
        return entry.linkEpoch() == linkEpoch.get()
                && entry.userSequence() == userSequences.get(stripe(entry.userId()))
                && epoch.trusted() && entry.valueEpoch() >= epoch.current()
                && ticker.read() - entry.expiresAtNanos() < 0;
    }

    /**
     * Nanoseconds left to the entry of {@code valueKey}, which expires with its Redis value; -1 when
     * there is none. Not a lookup: neither counted nor recorded for eviction.
     */
    public long remainingNanos(String valueKey) {
        Entry entry = entries.policy().getIfPresentQuietly(valueKey);
        return entry == null ? -1 : Math.max(0, entry.expiresAtNanos() - ticker.read());
    }

    /** Taken before the Redis read whose value may be {@link #put}. */
    public Ticket ticket(long userId) {
        return new Ticket(userId, userSequences.get(stripe(userId)), linkEpoch.get(), ticker.read());
    }

    /**
     * Keeps a Redis hit read under {@code ticket}, for {@code remainingTtl} (Redis's PTTL of the
     * value) counted from before the read, so the entry expires no later than the Redis value.
     */
    public void put(Ticket ticket, String valueKey, byte[] json, long valueEpoch, Duration remainingTtl) {
        if (state != LinkState.UP
                || ticket.linkEpoch() != linkEpoch.get()
                || ticket.userSequence() != userSequences.get(stripe(ticket.userId()))
                || remainingTtl.isNegative() || remainingTtl.isZero()) {
            return;
        }
        entries.put(valueKey, new Entry(json, ticket.userId(), ticket.userSequence(), ticket.linkEpoch(), valueEpoch,
                ticket.readStartNanos() + remainingTtl.toNanos()));
    }

    /**
     * Changes with every invalidation of the user that this instance made (its writes, the changes
     * its database listener applied, the invalidate endpoint), or of a user sharing its stripe, on
     * or off: loads begun before it are never shared with reads after it. Redis tracking does not
     * move it: a load's own write-back comes back as a tracking push, and would split the misses
     * that wait to share that load.
     */
    long invalidationsOf(long userId) {
        return invalidationsHere.get(stripe(userId));
    }

    /** This instance invalidated the user: {@link #invalidateUser}, and counted in {@link #invalidationsOf}. */
    public void invalidatedHere(long userId) {
        invalidationsHere.incrementAndGet(stripe(userId));
        invalidateUser(userId);
    }

    /** Every entry of the user stops being served; reads in flight for the user will not be stored. */
    public void invalidateUser(long userId) {
        userSequences.incrementAndGet(stripe(userId));
    }

    /** A key named by Redis tracking changed (any instance, any client). */
    void invalidatedByRedis(long userId) {
        keyInvalidations.increment();
        invalidateUser(userId);
    }

    /** Redis said everything changed (FLUSHDB, FLUSHALL). */
    void flushedByRedis() {
        flushInvalidations.increment();
        flush();
    }

    /** The invalidation link is subscribed and tracking: entries read from now on may be served. */
    void linkUp() {
        if (!active) {
            return;
        }
        linkEpoch.incrementAndGet();
        state = LinkState.UP;
    }

    /** Invalidations may have been missed: nothing read before is served again, nothing is stored until {@link #linkUp}. */
    void linkLost() {
        if (!active) {
            return;
        }
        boolean wasUp = state == LinkState.UP;
        state = LinkState.DOWN;
        flush();
        if (wasUp) {
            linkLostFlushes.increment();
        }
    }

    /**
     * Drops everything at once (also for the admin endpoints: their deletions reach every instance
     * through tracking, and this one before it answers).
     */
    public void flush() {
        linkEpoch.incrementAndGet();
        entries.invalidateAll();
    }

    long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }

    private void evicted(RemovalCause cause) {
        if (cause == RemovalCause.SIZE) {
            sizeEvictions.increment();
        } else if (cause == RemovalCause.EXPIRED) {
            expiredEvictions.increment();
        }
    }

    private static int stripe(long userId) {
        return (int) ((userId ^ (userId >>> 32)) * 0x9E3779B1L >>> 19) & (STRIPES - 1);
    }

    /** Each entry lives until the Redis value it copies expires. */
    private static final class UntilRedisExpiry implements Expiry<String, Entry> {
        @Override
        public long expireAfterCreate(String key, Entry entry, long currentTime) {
            return Math.max(0, entry.expiresAtNanos() - currentTime);
        }

        @Override
        public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
            return expireAfterCreate(key, entry, currentTime);
        }

        @Override
        public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
