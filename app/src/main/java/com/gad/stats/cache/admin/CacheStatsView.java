package com.gad.stats.cache.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code GET /api/v1/cache/stats}: the seed's Redis INFO figures plus this instance's own counts.
 * Redis figures are null when Redis cannot be reached.
 */
@RegisterForReflection
@JsonPropertyOrder({ "connected", "keys_count", "keyspace_hits", "keyspace_misses", "hit_rate", "evicted_keys", "prefix",
        "circuit_state", "service" })
public record CacheStatsView(
        boolean connected,
        @JsonProperty("keys_count") Long keysCount,
        @JsonProperty("keyspace_hits") Long keyspaceHits,
        @JsonProperty("keyspace_misses") Long keyspaceMisses,
        @JsonProperty("hit_rate") Double hitRate,
        @JsonProperty("evicted_keys") Long evictedKeys,
        String prefix,
        @JsonProperty("circuit_state") String circuitState,
        Service service) {

    /** This instance's cache-aside counts since start; hit_rate in percent. */
    @RegisterForReflection
    public record Service(long hits, long misses, long stale, long bypass, long errors,
            @JsonProperty("hit_rate") double hitRate) {
    }

    static double percent(long hits, long misses) {
        long total = hits + misses;
        return total == 0 ? 0.0 : Math.round(hits * 10000.0 / total) / 100.0;
    }
}
