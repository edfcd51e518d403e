package com.gad.stats.cache;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * In-instance stampede protection: concurrent misses of one value share one load. Loads are
 * keyed by the value's key AND the user generation the miss saw, so a request that starts after a
 * write (which changes the generation) never joins a load that began before it. A finished load
 * keeps answering its key and generation for a short grace period, which catches the requests
 * whose Redis read raced the write-back; loads whose generation is unknown (Redis unavailable)
 * are shared only while running.
 */
final class MissCoalescer {

    private static final class Entry {
        volatile Uni<CachedJson> shared;
        volatile boolean done;
    }

    private final ConcurrentHashMap<String, Entry> loads = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final Duration grace;
    private final Runnable onJoin;

    MissCoalescer(Vertx vertx, Duration grace, Runnable onJoin) {
        this.vertx = vertx;
        this.grace = grace;
        this.onJoin = onJoin;
    }

    /**
     * Runs {@code load} unless an equivalent one is running (or just finished); shares its outcome.
     * A caller served by a load that had already finished gets it through {@code reuse} (the
     * cache stores it again: the reason this caller missed may be a value lost since).
     */
    Uni<CachedJson> join(String id, boolean keepAfterDone, Supplier<Uni<CachedJson>> load,
            Function<CachedJson, Uni<CachedJson>> reuse) {
        return Uni.createFrom().deferred(() -> {
            Entry[] created = new Entry[1];
            // Building the pipeline has no side effect: the load starts at the first subscription.
            Entry entry = loads.compute(id, (k, existing) -> {
                if (existing != null && (!existing.done || keepAfterDone)) {
                    return existing;
                }
                Entry fresh = new Entry();
                fresh.shared = load.get()
                        .onTermination().invoke((item, failure, cancelled) ->
                                finished(id, fresh, keepAfterDone && failure == null && !cancelled))
                        .memoize().indefinitely();
                created[0] = fresh;
                return fresh;
            });
            if (entry == created[0]) {
                return entry.shared;
            }
            onJoin.run();
            return entry.done ? entry.shared.chain(reuse::apply) : entry.shared;
        });
    }

    private void finished(String id, Entry entry, boolean keepAfterDone) {
        if (!keepAfterDone || grace.isZero()) {
            loads.remove(id, entry);
            return;
        }
        entry.done = true;
        vertx.setTimer(grace.toMillis(), timer -> loads.remove(id, entry));
    }
}
