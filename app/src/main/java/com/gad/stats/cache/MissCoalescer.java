package com.gad.stats.cache;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * In-instance stampede protection: concurrent misses of one value share one load. The caller's
 * key names what makes two loads equivalent (for a Redis miss: the value's key, the user generation
 * the miss saw, the epoch and this instance's invalidations of the user), so a request that starts
 * after a write never joins a load that began before it. A finished load keeps answering its key
 * for as long as its caller allows, which catches the requests whose Redis read raced the
 * write-back and, while Redis is down, spares the database a read per wave of requests.
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
    private final Runnable onJoin;

    MissCoalescer(Pause pause, Runnable onJoin) {
        this.pause = pause;
        this.onJoin = onJoin;
    }

    /**
     * Runs {@code load} unless an equivalent one is running, or finished less than its own
     * {@code keepFinished} ago, and shares its answer. A caller passing {@link Duration#ZERO} never
     * joins a finished load and, when it runs one, leaves nothing behind. A caller served by a
     * finished load gets it through {@code reuse}.
     */
    Uni<CachedJson> join(String id, Duration keepFinished, Supplier<Uni<CachedJson>> load,
            Function<CachedJson, Uni<CachedJson>> reuse) {
        boolean mayReuseFinished = !keepFinished.isZero();
        return Uni.createFrom().deferred(() -> {
            SharedLoad fresh = new SharedLoad(self -> load.get()
                    .onTermination().invoke((item, failure, cancelled) ->
                            finished(id, self, failure == null && !cancelled ? keepFinished : Duration.ZERO))
                    .memoize().indefinitely());
            // building the pipeline has no side effect: the load starts at the first subscription
            SharedLoad joined = loads.compute(id, (k, existing) ->
                    existing != null && (!existing.finished || mayReuseFinished) ? existing : fresh);
            if (joined == fresh) {
                return fresh.answer;
            }
            onJoin.run();
            return joined.finished ? joined.answer.chain(reuse::apply) : joined.answer;
        });
    }

    private void finished(String id, SharedLoad load, Duration keep) {
        if (keep.isZero()) {
            loads.remove(id, load);
            return;
        }
        load.finished = true;
        pause.of(keep).subscribe().with(done -> loads.remove(id, load));
    }
}
