package com.gad.stats.cache;

import java.time.Duration;

import io.smallrye.mutiny.Uni;

/** A non-blocking wait: the pipeline's only notion of time passing (lock polls, coalescing grace). */
@FunctionalInterface
public interface Pause {

    /** Completes after {@code duration}, without holding a thread meanwhile. */
    Uni<Void> of(Duration duration);
}
