package com.gad.stats.invalidation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.gad.stats.invalidation.InvalidationMetrics.Reason;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;

/** One full invalidation at a time, as many as needed, a failed one still owed (a fake port whose runs the test ends). */
class FullInvalidationRunnerTest {

    /** Each call starts a run that ends when the test completes its future. */
    static final class ControlledPort implements FullInvalidation {
        final List<CompletableFuture<OptionalLong>> runs = new ArrayList<>();

        @Override
        public Uni<OptionalLong> invalidateEverything() {
            CompletableFuture<OptionalLong> run = new CompletableFuture<>();
            runs.add(run);
            return Uni.createFrom().completionStage(run);
        }

        @Override
        public void owe() {
        }

        @Override
        public void adoptEpoch(long epoch) {
        }
    }

    final ControlledPort port = new ControlledPort();
    final List<OptionalLong> announced = new ArrayList<>();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final FullInvalidationRunner runner = new FullInvalidationRunner(port, epoch -> {
        announced.add(epoch);
        return Uni.createFrom().voidItem();
    }, new InvalidationMetrics(registry));

    @Test
    void nothingOwedNothingRuns() {
        runner.runIfOwed();
        assertFalse(runner.owed());
        assertEquals(0, port.runs.size());
    }

    @Test
    void aRunThatSucceedsSettlesTheDebtAndAnnouncesItsEpoch() {
        runner.owe(Reason.LISTENER_UP);
        runner.runIfOwed();
        assertTrue(runner.owed(), "owed until the run ends");
        port.runs.get(0).complete(OptionalLong.of(7));
        assertFalse(runner.owed());
        assertEquals(List.of(OptionalLong.of(7)), announced);
        assertEquals(1.0, registry.get("gad.invalidation.full").tag("result", "ok").counter().count());
        assertEquals(1.0, registry.get("gad.invalidation.full.requested").tag("reason", "listener_up").counter().count());
    }

    @Test
    void anEpochStartedOnlyBecauseThisInstanceIsNotListeningIsNotTold() {
        runner.owe(Reason.LISTENER_DOWN);
        runner.runIfOwed();
        port.runs.get(0).complete(OptionalLong.of(8));
        assertFalse(runner.owed());
        assertEquals(List.of(), announced, "the other instances listen for themselves");

        runner.owe(Reason.LISTENER_DOWN);
        runner.owe(Reason.TRUNCATE);
        runner.runIfOwed();
        port.runs.get(1).complete(OptionalLong.of(9));
        assertEquals(List.of(OptionalLong.of(9)), announced);
    }

    @Test
    void aReasonArisingDuringARunIsCoveredByOneMoreRun() {
        runner.owe(Reason.LISTENER_UP);
        runner.runIfOwed();
        runner.owe(Reason.TRUNCATE);
        runner.runIfOwed();
        runner.owe(Reason.UNREADABLE);
        runner.runIfOwed();
        assertEquals(1, port.runs.size(), "one at a time");

        port.runs.get(0).complete(OptionalLong.empty());
        assertTrue(runner.owed(), "the first run started before the later reasons");
        assertEquals(2, port.runs.size(), "one more run, for both later reasons");

        port.runs.get(1).complete(OptionalLong.empty());
        assertFalse(runner.owed());
        assertEquals(2, port.runs.size());
    }

    @Test
    void aFailedRunStaysOwedUntilARetrySucceeds() {
        runner.owe(Reason.FAILED_INVALIDATION);
        runner.runIfOwed();
        port.runs.get(0).completeExceptionally(new IllegalStateException("Redis unreachable"));
        assertTrue(runner.owed());
        assertEquals(1, port.runs.size(), "no retry until asked (the listener's next check)");
        assertEquals(1.0, registry.get("gad.invalidation.full").tag("result", "failed").counter().count());

        runner.runIfOwed();
        port.runs.get(1).complete(OptionalLong.empty());
        assertFalse(runner.owed());
    }
}
