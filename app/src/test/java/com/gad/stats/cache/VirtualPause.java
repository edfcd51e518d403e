package com.gad.stats.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * Virtual time for the pipeline's unit tests. Pauses wait until {@link #advance} moves the clock
 * past their end; in {@link #autoAdvancing()} mode each pause moves the clock itself and ends at once.
 * Either way {@link #elapsed()} tells how much time the pipeline spent waiting.
 */
final class VirtualPause implements Pause {

    private record Waiting(long endNanos, UniEmitter<? super Void> emitter) {
    }

    private final List<Waiting> waiting = new ArrayList<>();
    private final boolean autoAdvance;
    private long nowNanos;

    private VirtualPause(boolean autoAdvance) {
        this.autoAdvance = autoAdvance;
    }

    static VirtualPause manual() {
        return new VirtualPause(false);
    }

    static VirtualPause autoAdvancing() {
        return new VirtualPause(true);
    }

    @Override
    public Uni<Void> of(Duration duration) {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (autoAdvance) {
                    nowNanos += duration.toNanos();
                } else {
                    waiting.add(new Waiting(nowNanos + duration.toNanos(), emitter));
                    return;
                }
            }
            emitter.complete(null);
        });
    }

    /** Moves the clock forward and ends the pauses that are over. */
    void advance(Duration duration) {
        List<Waiting> due = new ArrayList<>();
        synchronized (this) {
            nowNanos += duration.toNanos();
            waiting.removeIf(w -> w.endNanos() <= nowNanos && due.add(w));
        }
        due.forEach(w -> w.emitter().complete(null));
    }

    synchronized Duration elapsed() {
        return Duration.ofNanos(nowNanos);
    }

    synchronized int waitingCount() {
        return waiting.size();
    }
}
