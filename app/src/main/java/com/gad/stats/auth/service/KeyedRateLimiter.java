package com.gad.stats.auth.service;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A per-key rate limit: at most {@code permits} attempts per {@code window} for each key, refilled
 * steadily (GCRA, the token bucket expressed as one "theoretical arrival time" per key).
 *
 * <p>Hand-written on purpose: the limits are per client address and per submitted email, and the
 * email is only known once the body is parsed, so an annotation-driven limiter (SmallRye Fault
 * Tolerance's {@code @RateLimit}, one limit per method) does not fit, and a guard per key would
 * still need this bounded map. It is one {@code long} per key, never blocks (no I/O, no waiting; a
 * per-key update is a few instructions in {@link ConcurrentHashMap#compute}), and is bounded in
 * memory: idle keys (fully refilled) are dropped when the table is full, and when it is full of
 * active keys a new key is refused (fail closed) rather than letting the table grow.
 */
public final class KeyedRateLimiter {

    /** Sweeps of a full table run at most this often, so a full table cannot cost O(n) per request. */
    static final long SWEEP_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

    private final long intervalNanos;
    private final long windowNanos;
    private final int maxKeys;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Long> arrivals = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep;

    public KeyedRateLimiter(int permits, Duration window, int maxKeys, LongSupplier nanoClock) {
        if (permits < 1 || window.isNegative() || window.isZero() || maxKeys < 1) {
            throw new IllegalArgumentException("permits, window and maxKeys must be positive");
        }
        this.windowNanos = window.toNanos();
        this.intervalNanos = Math.max(1, windowNanos / permits);
        this.maxKeys = maxKeys;
        this.clock = nanoClock;
        this.lastSweep = new AtomicLong(nanoClock.getAsLong() - SWEEP_INTERVAL_NANOS);
    }

    /**
     * Takes one attempt for the key. Returns 0 when admitted, else the nanoseconds after which the
     * next attempt of this key would be admitted (nothing is taken then).
     */
    public long acquire(String key) {
        long now = clock.getAsLong();
        if (!arrivals.containsKey(key) && arrivals.size() >= maxKeys && !makeRoom(now)) {
            return SWEEP_INTERVAL_NANOS;
        }
        long[] wait = { 0 };
        arrivals.compute(key, (k, tat) -> {
            long base = tat == null || tat - now < 0 ? now : tat;
            long next = base + intervalNanos;
            if (next - now > windowNanos) {
                wait[0] = next - windowNanos - now;
                return tat;
            }
            return next;
        });
        return wait[0];
    }

    /** Keys currently tracked (for tests and metrics). */
    public int trackedKeys() {
        return arrivals.size();
    }

    /** Drops idle keys, at most once per {@link #SWEEP_INTERVAL_NANOS}; true when there is room now. */
    private boolean makeRoom(long now) {
        long last = lastSweep.get();
        if (now - last >= SWEEP_INTERVAL_NANOS && lastSweep.compareAndSet(last, now)) {
            // removeIf on a ConcurrentHashMap view removes an entry only if it still has the value tested
            arrivals.entrySet().removeIf(e -> e.getValue() - now <= 0);
        }
        return arrivals.size() < maxKeys;
    }
}
