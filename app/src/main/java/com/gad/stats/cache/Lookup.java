package com.gad.stats.cache;

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

    record Hit(byte[] json) implements Lookup {
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

    record Unavailable(Throwable cause) implements Lookup {
        @Override
        public CacheOutcome outcome() {
            return CacheOutcome.UNAVAILABLE;
        }
    }
}
