package com.gad.stats.cache;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;

import com.gad.stats.common.Meters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Cache meters (Prometheus names):
 * <ul>
 * <li>{@code gad_cache_requests_total{result=hit|miss|stale|bypass|error}}: cache-aside outcomes (a hit
 * from the near cache is a hit; its own meters are {@code gad_cache_l1_*}, see {@link NearCache});</li>
 * <li>{@code gad_cache_corrupt_total}: unreadable values found (each also counted as a miss);</li>
 * <li>{@code gad_cache_operation_seconds{operation=read|write|invalidate,outcome=ok|error}}: Redis calls;</li>
 * <li>{@code gad_cache_invalidation_failures_total}: invalidations that could not reach Redis;</li>
 * <li>{@code gad_cache_coalesced_total}: misses that shared another request's load in this instance;</li>
 * <li>{@code gad_cache_lock_waits_total}, {@code gad_cache_lock_wait_expired_total}: cross-instance waits;</li>
 * <li>{@code gad_cache_refresh_ahead_total{result}}: refreshes ahead of expiry ({@link RefreshAhead.Result}).</li>
 * </ul>
 */
@ApplicationScoped
@Startup // meters exist from start, not from the first request
public class CacheMetrics {

    private final MeterRegistry registry;
    private final Map<CacheOutcome, Counter> requests = new EnumMap<>(CacheOutcome.class);
    private final Counter corrupt;
    private final Counter invalidationFailures;
    private final Counter coalesced;
    private final Counter lockWaits;
    private final Counter lockWaitsExpired;
    private final Map<RefreshAhead.Result, Counter> refreshes = new EnumMap<>(RefreshAhead.Result.class);
    private final Map<String, Timer> okTimers = new ConcurrentHashMap<>();
    private final Map<String, Timer> errorTimers = new ConcurrentHashMap<>();

    CacheMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (CacheOutcome outcome : CacheOutcome.values()) {
            // outcomes sharing a tag (corrupt counts as a miss) share the counter
            requests.put(outcome, Meters.counter(registry, "gad.cache.requests",
                    "Cache-aside lookups by result", "result", outcome.metricTag()));
        }
        corrupt = Counter.builder("gad.cache.corrupt")
                .description("Unreadable cached values, treated as misses and overwritten")
                .register(registry);
        invalidationFailures = Counter.builder("gad.cache.invalidation.failures")
                .description("User invalidations that could not reach Redis")
                .register(registry);
        coalesced = Counter.builder("gad.cache.coalesced")
                .description("Misses answered by another request's load in this instance (stampede protection)")
                .register(registry);
        lockWaits = Counter.builder("gad.cache.lock.waits")
                .description("Misses that waited for another instance's load (Redis lock held)")
                .register(registry);
        lockWaitsExpired = Counter.builder("gad.cache.lock.wait.expired")
                .description("Lock waits that ended without the holder's answer and loaded themselves")
                .register(registry);
        for (RefreshAhead.Result result : RefreshAhead.Result.values()) {
            refreshes.put(result, Meters.counter(registry, "gad.cache.refresh.ahead",
                    "Refreshes ahead of expiry started by hits, by result", "result", result.tag()));
        }
        // registered up front, errors too: a series that appears only at the first failure leaves
        // rate() and the dashboard without data exactly until something has gone wrong
        for (String operation : List.of("read", "write", "invalidate")) {
            okTimers.put(operation, operationTimer(operation, true));
            errorTimers.put(operation, operationTimer(operation, false));
        }
    }

    public void count(CacheOutcome outcome) {
        requests.get(outcome).increment();
        if (outcome == CacheOutcome.CORRUPT) {
            corrupt.increment();
        }
    }

    /** Lookups counted under this outcome's tag since start (this instance only). */
    public long total(CacheOutcome outcome) {
        return (long) requests.get(outcome).count();
    }

    public void coalesced() {
        coalesced.increment();
    }

    public void lockWaited() {
        lockWaits.increment();
    }

    public void lockWaitExpired() {
        lockWaitsExpired.increment();
    }

    public void refreshAhead(RefreshAhead.Result result) {
        refreshes.get(result).increment();
    }

    public void invalidationFailed() {
        invalidationFailures.increment();
    }

    public void operation(String operation, long startNanos, boolean ok) {
        (ok ? okTimers : errorTimers).computeIfAbsent(operation, name -> operationTimer(name, ok))
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private Timer operationTimer(String operation, boolean ok) {
        return Timer.builder("gad.cache.operation")
                .description("Latency of Redis calls made by the cache")
                .tag("operation", operation)
                .tag("outcome", ok ? "ok" : "error")
                .register(registry);
    }
}
