package com.gad.stats.invalidation;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.gad.stats.invalidation.InvalidationMetrics.Reason;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Runs {@link FullInvalidation}s: one at a time, and as often as needed. A full invalidation is
 * owed from the moment a reason arises until one that started afterwards has succeeded; a request
 * made while one runs is covered by one more run after it, and a failed run leaves the debt for
 * the next {@link #runIfOwed()}. The epoch a run starts is told to the other instances unless
 * every reason it covers is one they need not hear of.
 */
final class FullInvalidationRunner {

    private final FullInvalidation fullInvalidation;
    private final Function<OptionalLong, Uni<Void>> announce;
    private final InvalidationMetrics metrics;
    /** Requests so far, and how many of them a finished run covers. */
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong covered = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    /** A request since the last run wants the new epoch told to the other instances. */
    private final AtomicBoolean tell = new AtomicBoolean();

    /**
     * @param announce tells the other instances the epoch a run started (never fails)
     */
    FullInvalidationRunner(FullInvalidation fullInvalidation, Function<OptionalLong, Uni<Void>> announce,
            InvalidationMetrics metrics) {
        this.fullInvalidation = fullInvalidation;
        this.announce = announce;
        this.metrics = metrics;
    }

    /** Records a reason; the next run covers it. */
    void owe(Reason reason) {
        fullInvalidation.owe();
        metrics.fullRequested(reason);
        if (reason.told) {
            tell.set(true);
        }
        requested.incrementAndGet();
    }

    /** True while the cache may hold values that missed a change. */
    boolean owed() {
        return covered.get() < requested.get();
    }

    void runIfOwed() {
        if (owed()) {
            run();
        }
    }

    private void run() {
        if (!running.compareAndSet(false, true)) {
            return; // the running one looks again when it ends
        }
        long target = requested.get();
        boolean told = tell.getAndSet(false);
        fullInvalidation.invalidateEverything()
                .call(epoch -> told ? announce.apply(epoch) : Uni.createFrom().voidItem())
                .subscribe().with(
                        epoch -> {
                            metrics.full(true);
                            covered.accumulateAndGet(target, Math::max);
                            running.set(false);
                            runIfOwed();
                        },
                        failure -> {
                            metrics.full(false);
                            if (told) {
                                tell.set(true);
                            }
                            running.set(false);
                            Log.warnf("cache: could not make every cached value stale (%s); trying again at the next check",
                                    failure.getClass().getSimpleName());
                        });
    }
}
