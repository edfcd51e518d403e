package com.gad.stats.invalidation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.gad.stats.cache.CacheEpoch;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The bounded notice queue with a hung Redis: the work of each notice ends only when the test says
 * so. A notice that finds the queue full advances the epoch (the real {@link EpochFullInvalidation})
 * and is counted; the notices waiting then are covered by it and dropped unapplied.
 */
class NoticeQueueTest {

    static final int CAPACITY = 3;

    final CacheEpoch epoch = new CacheEpoch();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InvalidationMetrics metrics = new InvalidationMetrics(registry);
    final List<OptionalLong> announced = new ArrayList<>();
    /** The epoch advanced in this process only: the database counter behind it is SharedEpochTest's. */
    final FullInvalidation localEpoch = new FullInvalidation() {
        @Override
        public void owe() {
        }

        @Override
        public Uni<OptionalLong> invalidateEverything() {
            epoch.advanceTo(epoch.current() + 1);
            return Uni.createFrom().item(OptionalLong.of(epoch.current()));
        }

        @Override
        public void adoptEpoch(long newer) {
            epoch.advanceTo(newer);
        }
    };
    final FullInvalidationRunner full = new FullInvalidationRunner(localEpoch, told -> {
        announced.add(told);
        return Uni.createFrom().voidItem();
    }, metrics);
    /** The first user id of each notice whose work started, and the work's end, in order. */
    final List<Long> applied = new ArrayList<>();
    final List<CompletableFuture<Void>> ends = new ArrayList<>();
    final NoticeQueue queue = new NoticeQueue(CAPACITY, 1, notice -> {
        applied.add(((ChangeNotice.Users) notice).userIds()[0]);
        CompletableFuture<Void> end = new CompletableFuture<>();
        ends.add(end);
        return Multi.createFrom().item(Uni.createFrom().completionStage(end));
    }, full, metrics);

    static ChangeNotice notice(long user) {
        return ChangeNotice.parse("1796051021763:" + (900 + user) + ":" + user);
    }

    double overflows() {
        return registry.get("gad.invalidation.queue.overflows").counter().count();
    }

    double overflowRequests() {
        return registry.get("gad.invalidation.full.requested").tag("reason", "queue_overflow").counter().count();
    }

    @Test
    void upToCapacityNoticesWaitAndNothingElseHappens() {
        long before = epoch.current();
        for (long user = 1; user <= 1 + CAPACITY; user++) {
            queue.offer(notice(user));
        }
        assertEquals(List.of(1L), applied, "the first is being applied (Redis hangs)");
        assertEquals(CAPACITY, queue.waiting());
        assertEquals(0.0, overflows());
        assertEquals(before, epoch.current());

        ends.get(0).complete(null);
        assertEquals(List.of(1L, 2L), applied, "the next one, in order");
        assertEquals(CAPACITY - 1, queue.waiting());
    }

    @Test
    void aNoticeThatFindsTheQueueFullAdvancesTheEpochAndIsCounted() {
        for (long user = 1; user <= 1 + CAPACITY; user++) {
            queue.offer(notice(user));
        }
        long before = epoch.current();

        queue.offer(notice(5));

        assertTrue(epoch.current() > before, "every value cached before is stale");
        assertEquals(1.0, overflows());
        assertEquals(1.0, overflowRequests());
        assertFalse(full.owed(), "done: the epoch advances in memory");
        assertEquals(List.of(), announced, "every instance has a queue of its own: the epoch is not told");
        assertEquals(CAPACITY, queue.waiting(), "the notice was not queued");
    }

    @Test
    void theNoticesWaitingAtTheOverflowAreCoveredAndDroppedThenTheQueueWorksAgain() {
        for (long user = 1; user <= 1 + CAPACITY; user++) {
            queue.offer(notice(user));
        }
        queue.offer(notice(5));

        ends.get(0).complete(null);

        assertEquals(List.of(1L), applied, "2, 3 and 4 changed before the epoch advanced: not applied one by one");
        assertEquals(0, queue.waiting());
        queue.offer(notice(6));
        assertEquals(List.of(1L, 6L), applied, "a later notice is applied");
        assertEquals(1.0, overflows());
    }

    double backlogGauge() {
        return registry.get("gad.invalidation.backlog").gauge().value();
    }

    @Test
    void theBacklogCountsWhatIsHeardAndNotYetAppliedAndIsZeroOnceAllIsDone() {
        metrics.backlog(queue::backlog);
        assertEquals(0.0, backlogGauge());
        queue.offer(notice(1));
        queue.offer(notice(2));
        assertEquals(2.0, backlogGauge(), "one running (Redis hangs), one waiting");

        ends.get(0).complete(null);
        assertEquals(1.0, backlogGauge(), "the second is running now");

        ends.get(1).complete(null);
        assertEquals(0.0, backlogGauge());
    }
}
