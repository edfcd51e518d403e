package com.gad.stats.invalidation;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.gad.stats.invalidation.InvalidationMetrics.Reason;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;

/**
 * The change notices waiting to be applied, in order, their invalidations {@code concurrency} at a
 * time. At most {@code capacity} wait: a notice that finds the queue full is not queued; instead
 * every cached value is made stale ({@link Reason#QUEUE_OVERFLOW}), which covers every change heard
 * so far, so the notices still waiting are dropped unapplied too and the queue empties at once.
 * The overflow is counted ({@code gad_invalidation_queue_overflows_total}).
 *
 * <p>A Mutiny {@link UnicastProcessor} over a bounded queue would fail the whole stream when full;
 * this counts what waits instead and decides before queuing.
 */
final class NoticeQueue {

    /** A notice and its place in the order of arrival. */
    private record Queued(long number, ChangeNotice notice) {
    }

    private final UnicastProcessor<Queued> queued = UnicastProcessor.create();
    private final int capacity;
    private final FullInvalidationRunner full;
    private final InvalidationMetrics metrics;
    private final AtomicInteger waiting = new AtomicInteger();
    /** Notices taken up whose invalidations are still being handed out. */
    private final AtomicInteger expanding = new AtomicInteger();
    /** User invalidations handed out and not yet ended. */
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    /** Notices numbered up to this one are covered by a full invalidation: dropped unapplied. */
    private final AtomicLong coveredThrough = new AtomicLong();

    /**
     * @param work the invalidations of one notice, as lazy Unis that never fail
     */
    NoticeQueue(int capacity, int concurrency, Function<ChangeNotice, Multi<Uni<Void>>> work, FullInvalidationRunner full,
            InvalidationMetrics metrics) {
        this.capacity = capacity;
        this.full = full;
        this.metrics = metrics;
        queued
                .onItem().transformToMultiAndConcatenate(next -> {
                    // counted as expanding before it stops counting as waiting: the backlog never reads 0 between
                    expanding.incrementAndGet();
                    waiting.decrementAndGet();
                    Multi<Uni<Void>> invalidations = next.number() <= coveredThrough.get()
                            ? Multi.createFrom().empty()
                            : work.apply(next.notice()).onItem().invoke(running::incrementAndGet);
                    return invalidations.onTermination().invoke(expanding::decrementAndGet);
                })
                .onItem().transformToUni(invalidation -> invalidation.onTermination().invoke(running::decrementAndGet))
                .merge(concurrency)
                .subscribe().with(
                        done -> {
                        },
                        failure -> Log.errorf(failure, "database change notifications are no longer applied"));
    }

    /** Queues the notice, or makes every cached value stale when {@code capacity} notices wait already. */
    void offer(ChangeNotice notice) {
        long number = received.incrementAndGet();
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            metrics.queueOverflowed();
            // owed before anything is dropped, so the listener reports catching up until it is done
            full.owe(Reason.QUEUE_OVERFLOW);
            coveredThrough.accumulateAndGet(number, Math::max);
            full.runIfOwed();
            return;
        }
        queued.onNext(new Queued(number, notice));
    }

    /** Notices waiting (not yet taken up). */
    int waiting() {
        return waiting.get();
    }

    /** Work not yet done: notices waiting or being taken up, and user invalidations running. */
    int backlog() {
        return waiting.get() + expanding.get() + running.get();
    }
}
