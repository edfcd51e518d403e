package com.gad.stats.cache;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The epoch every stored value carries. A value written under an older epoch reads as stale, so
 * advancing it invalidates everything at once (O(1)): the answer to invalidations that may have
 * been lost, for example while the database change listener was disconnected. It only moves
 * forward.
 */
@ApplicationScoped
public class CacheEpoch {

    private final AtomicLong current = new AtomicLong();

    public long current() {
        return current.get();
    }

    /** Moves to {@code epoch} when it is newer; an older one is ignored. */
    public void advanceTo(long epoch) {
        current.accumulateAndGet(epoch, Math::max);
    }
}
