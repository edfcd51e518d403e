package com.gad.stats.cache;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * In-instance stampede protection: concurrent misses of one value share one load. Loads are keyed
 * by the value's key AND the user generation the miss saw, so a request that starts after a write
 * (which changes the generation) never joins a load that began before it. A finished load keeps
 * answering its key and generation for a short grace period, which catches the requests whose
 * Redis read raced the write-back; loads whose generation is unknown (Redis unavailable) are
 * shared only while running.
 */
final class MissCoalescer {

    /** One load and whether it has finished. */
    private static final class SharedLoad {
        final Uni<CachedJson> answer;
        volatile boolean finished;

        SharedLoad(Function<SharedLoad, Uni<CachedJson>> pipeline) {
            this.answer = pipeline.apply(this);
        }
    }

    private final ConcurrentHashMap<String, SharedLoad> loads = new ConcurrentHashMap<>();
    private final Pause pause;
    private final Duration grace;
    private final Runnable onJoin;

    MissCoalescer(Pause pause, Duration grace, Runnable onJoin) {
        this.pause = pause;
        this.grace = grace;
        this.onJoin = onJoin;
    }

    /**
     * Runs {@code load} unless an equivalent one is running (or, with {@code keepAfterFinish}, just
     * finished) and shares its answer. A caller served by a finished load gets it through
     * {@code reuse}.
     */
    Uni<CachedJson> join(String id, boolean keepAfterFinish, Supplier<Uni<CachedJson>> load,
            Function<CachedJson, Uni<CachedJson>> reuse) {
        return Uni.createFrom().deferred(() -> {
            SharedLoad fresh = new SharedLoad(self -> load.get()
                    .onTermination().invoke((item, failure, cancelled) ->
                            finished(id, self, keepAfterFinish && failure == null && !cancelled))
                    .memoize().indefinitely());
            // building the pipeline has no side effect: the load starts at the first subscription
            SharedLoad joined = loads.compute(id, (k, existing) ->
                    existing != null && (!existing.finished || keepAfterFinish) ? existing : fresh);
            if (joined == fresh) {
                return fresh.answer;
            }
            onJoin.run();
            return joined.finished ? joined.answer.chain(reuse::apply) : joined.answer;
        });
    }

    private void finished(String id, SharedLoad load, boolean keepForGrace) {
        if (!keepForGrace || grace.isZero()) {
            loads.remove(id, load);
            return;
        }
        load.finished = true;
        pause.of(grace).subscribe().with(done -> loads.remove(id, load));
    }
}
