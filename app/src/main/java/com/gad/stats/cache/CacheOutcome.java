package com.gad.stats.cache;

/**
 * What the cache-aside pipeline did for one request: the single vocabulary behind the metric tag
 * ({@code gad_cache_requests_total{result}}), the response's {@code _cache.reason} and the
 * {@code cache_result} log word.
 */
public enum CacheOutcome {
    /** Served from Redis. */
    HIT("hit", null, "hit"),
    /** Served from this process's near cache (NearCache), without a Redis round trip; counted as a hit. */
    MEMORY_HIT("hit", null, "hit_memory"),
    /** Nothing cached: computed, then stored. */
    MISS("miss", "miss", "miss"),
    /** Cached under an older generation or epoch (invalidated): recomputed, then stored. */
    STALE("stale", "stale", "stale"),
    /** Cached bytes unreadable: treated as a miss (and counted in gad_cache_corrupt_total), then overwritten. */
    CORRUPT("miss", "miss", "corrupt"),
    /** Redis failed or timed out: computed from the database, nothing stored. */
    UNAVAILABLE("error", "cache_unavailable", "error"),
    /** The caller asked not to use the cache (or the answer is never cached). */
    BYPASS("bypass", "bypass", "bypass");

    private final String metricTag;
    private final String reason;
    private final String logWord;

    CacheOutcome(String metricTag, String reason, String logWord) {
        this.metricTag = metricTag;
        this.reason = reason;
        this.logWord = logWord;
    }

    /** The {@code result} tag of {@code gad_cache_requests_total}. */
    public String metricTag() {
        return metricTag;
    }

    /** The {@code _cache.reason} of a database answer; null on a hit, which has none. */
    public String reason() {
        return reason;
    }

    /** The {@code cache_result} field of the log line. */
    public String logWord() {
        return logWord;
    }

    public boolean servedFromCache() {
        return this == HIT || this == MEMORY_HIT;
    }
}
