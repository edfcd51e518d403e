package com.gad.stats.cache;

import java.time.Instant;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * What {@link ConsistencyMonitor} checks of a sampled user, and how the source of truth answers
 * it. The cache knows bytes and generations only; the feature that owns the value knows what its
 * figures are, so it implements this (the statistics: the default 30-day window).
 */
public interface ConsistencySubject {

    /** The cached value checked for the user. */
    CacheKey checkedKey(long userId);

    /** The value as the database computes it now; emits null when there is none (the user does not exist). */
    Uni<byte[]> recomputed(long userId);

    /** Whether two values carry the same figures (ignoring when each was computed). */
    boolean sameFigures(byte[] cached, byte[] recomputed);

    /** When the value was computed, as it says itself; empty when it does not say. */
    Optional<Instant> computedAt(byte[] json);
}
