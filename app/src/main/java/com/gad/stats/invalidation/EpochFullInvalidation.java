package com.gad.stats.invalidation;

import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.cache.CacheEpoch;

import io.smallrye.mutiny.Uni;

/**
 * {@link FullInvalidation} by advancing the {@link CacheEpoch}: from then on every value stored
 * under an older epoch reads as stale, in O(1), in this process, without a Redis round trip, so it
 * cannot fail. The new epoch is this host's clock in milliseconds, or one more than the current
 * epoch when the clock is behind it: epochs of different instances are comparable without a shared
 * counter. A skewed clock costs extra misses, never a stale answer, because every instance
 * advances its own epoch whenever it may have missed a change.
 */
@ApplicationScoped
public class EpochFullInvalidation implements FullInvalidation {

    private final CacheEpoch epoch;

    EpochFullInvalidation(CacheEpoch epoch) {
        this.epoch = epoch;
    }

    @Override
    public Uni<OptionalLong> invalidateEverything() {
        long next = Math.max(epoch.current() + 1, System.currentTimeMillis());
        epoch.advanceTo(next);
        return Uni.createFrom().item(OptionalLong.of(epoch.current()));
    }

    @Override
    public void adoptEpoch(long newer) {
        epoch.advanceTo(newer);
    }
}
