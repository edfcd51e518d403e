package com.gad.stats.cache;

/**
 * Result of reading one value and its user's generation in one round trip.
 *
 * @param key        the value's Redis key
 * @param outcome    what the read found
 * @param generation the user's generation at read time (null when none exists yet); the
 *                   write-back stores the value only if the generation is still this one
 * @param json       the cached JSON on a hit, else null
 */
public record CacheLookup(String key, Outcome outcome, String generation, byte[] json) {

    public enum Outcome {
        HIT, MISS, STALE, CORRUPT, UNAVAILABLE;

        /** The {@code cache_result} word logged for this outcome. */
        final String logName = name().toLowerCase(java.util.Locale.ROOT);
    }

    static CacheLookup unavailable(String key) {
        return new CacheLookup(key, Outcome.UNAVAILABLE, null, null);
    }
}
