package com.gad.stats.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * What reading one value found: the first state of the pipeline. A {@link Storable} lookup knows
 * the user's generation, so the value computed next may be stored under it; a {@link Hit} is
 * served as it is; {@link Unavailable} means Redis could not be asked.
 */
public sealed interface Lookup {

    CacheOutcome outcome();

    /**
     * A lookup after which the computed value is stored, if the user's generation is still this
     * one; it carries the epoch current when it was read, so a value computed across an epoch
     * advance is stored as already stale.
     */
    sealed interface Storable extends Lookup {
        String generation();

        long epoch();
    }

    /**
     * @param epoch        the epoch the value was computed under
     * @param remainingTtl the value's remaining lifetime in Redis, when it was asked for
     */
    record Hit(byte[] json, long epoch, Optional<Duration> remainingTtl) implements Lookup {
        @Override
        public CacheOutcome outcome() {
            return CacheOutcome.HIT;
        }
    }

    record Miss(String generation, long epoch) implements Storable {
        @Override
        public CacheOutcome outcome() {
            return CacheOutcome.MISS;
        }
    }

    record Stale(String generation, long epoch) implements Storable {
        @Override
        public CacheOutcome outcome() {
            return CacheOutcome.STALE;
        }
    }

    record Corrupt(String generation, long epoch) implements Storable {
        @Override
        public CacheOutcome outcome() {
            return CacheOutcome.CORRUPT;
        }
    }

    record Unavailable() implements Lookup {
        @Override
        public CacheOutcome outcome() {
            return CacheOutcome.UNAVAILABLE;
        }
    }
}
