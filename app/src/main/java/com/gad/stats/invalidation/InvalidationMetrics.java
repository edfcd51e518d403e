package com.gad.stats.invalidation;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.common.Meters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Meters of the invalidation driven by the database (Prometheus names):
 * <ul>
 * <li>{@code gad_invalidation_listener_up}: 1 while listening and caught up (see {@link DatabaseChangeListener});</li>
 * <li>{@code gad_invalidation_listener_subscribes_total}: times LISTEN was (re)established;</li>
 * <li>{@code gad_invalidation_notifications_total{kind=users|all_users|unreadable|epoch}}: notifications received;</li>
 * <li>{@code gad_invalidation_invalidations_total{result=ok|skipped|failed}}: user invalidations made from them
 * ({@code skipped}: already made for that transaction, by the API or another instance);</li>
 * <li>{@code gad_invalidation_queue_overflows_total}: notices that found the queue full (each made every
 * cached value stale instead);</li>
 * <li>{@code gad_invalidation_full_requested_total{reason=...}}: reasons to make every cached value stale;</li>
 * <li>{@code gad_invalidation_full_total{result=ok|failed}}: times it was done (one run covers every request
 * made before it started);</li>
 * <li>{@code gad_invalidation_lag_seconds}: from the database change (end of its statement) to the
 * last of its users invalidated, histogram.</li>
 * </ul>
 */
@ApplicationScoped
public class InvalidationMetrics {

    /** The {@code kind} tag of the notifications counter. */
    enum Kind {
        USERS, ALL_USERS, UNREADABLE, EPOCH
    }

    /** Why every cached value was made stale. */
    enum Reason {
        /** LISTEN (re)established: changes made before it may have gone unheard. */
        LISTENER_UP(true),
        /**
         * Not listening while PostgreSQL answers: changes may be happening unheard. Repeated every
         * check while it lasts; not told to the other instances, which listen for themselves.
         */
        LISTENER_DOWN(false),
        /** A TRUNCATE of tareas. */
        TRUNCATE(true),
        /** A notification that does not say which users changed. */
        UNREADABLE(true),
        /** A user invalidation that could not reach Redis (every instance applies the notification itself). */
        FAILED_INVALIDATION(false),
        /** A notice that found this instance's queue full (every instance has a queue of its own). */
        QUEUE_OVERFLOW(false),
        /**
         * A Redis master changed (failover, restart, node added or removed; cache.MasterWatch): it may
         * lack invalidations its predecessor had. Told too, although every instance sees it itself.
         */
        FAILOVER(true);

        /** Whether the new epoch is told to the other instances, so that they all agree on it. */
        final boolean told;

        Reason(boolean told) {
            this.told = told;
        }
    }

    /** Histogram bounds of the lag, in seconds. */
    static final double[] LAG_BUCKETS = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

    private final Map<Kind, Counter> notifications = new EnumMap<>(Kind.class);
    private final Map<Reason, Counter> fullRequested = new EnumMap<>(Reason.class);
    private final Counter fullDone;
    private final Counter fullFailed;
    private final Counter invalidated;
    private final Counter failed;
    private final Counter skipped;
    private final Counter overflows;
    private final Counter subscribes;
    private final Timer lag;
    private final MeterRegistry registry;

    InvalidationMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Kind kind : Kind.values()) {
            notifications.put(kind, Meters.counter(registry, "gad.invalidation.notifications",
                    "Database change notifications received", "kind", kind.name().toLowerCase()));
        }
        for (Reason reason : Reason.values()) {
            fullRequested.put(reason, Meters.counter(registry, "gad.invalidation.full.requested",
                    "Reasons to make every cached value stale", "reason", reason.name().toLowerCase()));
        }
        fullDone = fullInvalidations(registry, "ok");
        fullFailed = fullInvalidations(registry, "failed");
        invalidated = invalidations(registry, "ok");
        failed = invalidations(registry, "failed");
        skipped = invalidations(registry, "skipped");
        overflows = Counter.builder("gad.invalidation.queue.overflows")
                .description("Change notifications that found the queue full (every cached value made stale instead)")
                .register(registry);
        subscribes = Counter.builder("gad.invalidation.listener.subscribes")
                .description("Times LISTEN was established on a new database connection")
                .register(registry);
        Duration[] slos = new Duration[LAG_BUCKETS.length];
        for (int i = 0; i < slos.length; i++) {
            slos[i] = Duration.ofNanos((long) (LAG_BUCKETS[i] * 1e9));
        }
        lag = Timer.builder("gad.invalidation.lag")
                .description("From a database change to the invalidation of its users")
                .serviceLevelObjectives(slos)
                .register(registry);
    }

    private static Counter invalidations(MeterRegistry registry, String result) {
        return Meters.counter(registry, "gad.invalidation.invalidations",
                "User invalidations made from database change notifications", "result", result);
    }

    private static Counter fullInvalidations(MeterRegistry registry, String result) {
        return Meters.counter(registry, "gad.invalidation.full",
                "Times every cached value was made stale", "result", result);
    }

    void received(Kind kind) {
        notifications.get(kind).increment();
    }

    void invalidated() {
        invalidated.increment();
    }

    void invalidationFailed() {
        failed.increment();
    }

    /** A user already invalidated for the notice's transaction. */
    void invalidationSkipped() {
        skipped.increment();
    }

    void queueOverflowed() {
        overflows.increment();
    }

    void fullRequested(Reason reason) {
        fullRequested.get(reason).increment();
    }

    void full(boolean done) {
        (done ? fullDone : fullFailed).increment();
    }

    /** Publishes the invalidation backlog ({@code gad_invalidation_backlog}): 0 once everything heard is applied. */
    void backlog(IntSupplier backlog) {
        Gauge.builder("gad.invalidation.backlog", backlog, IntSupplier::getAsInt)
                .description("Change notifications waiting or being applied plus user invalidations running: heard, not yet applied")
                .strongReference(true)
                .register(registry);
    }

    void subscribed() {
        subscribes.increment();
    }

    /** The lag of a change made at {@code changedAtMillis} (database clock) that is now fully applied. */
    void applied(long changedAtMillis) {
        // the database and this host keep separate clocks: a change cannot be applied before it was made
        lag.record(Math.max(0, System.currentTimeMillis() - changedAtMillis), TimeUnit.MILLISECONDS);
    }
}
