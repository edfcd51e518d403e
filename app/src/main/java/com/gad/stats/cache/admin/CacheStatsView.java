package com.gad.stats.cache.admin;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code GET /api/v1/cache/stats}: the seed's Redis INFO figures plus this instance's own counts.
 * On Redis Cluster the figures are summed over the masters and {@code nodes} gives each master's
 * own; on standalone and Sentinel {@code nodes} has the one master. Redis figures are null when
 * Redis (any master) cannot be reached.
 */
@RegisterForReflection
@JsonPropertyOrder({ "connected", "keys_count", "keyspace_hits", "keyspace_misses", "hit_rate", "evicted_keys", "prefix",
        "circuit_state", "nodes", "service" })
public record CacheStatsView(
        boolean connected,
        @JsonProperty("keys_count") Long keysCount,
        @JsonProperty("keyspace_hits") Long keyspaceHits,
        @JsonProperty("keyspace_misses") Long keyspaceMisses,
        @JsonProperty("hit_rate") Double hitRate,
        @JsonProperty("evicted_keys") Long evictedKeys,
        String prefix,
        @JsonProperty("circuit_state") String circuitState,
        List<Node> nodes,
        Service service) {

    /**
     * One master's figures: its address as the node itself reports it, its keys under the prefix
     * and its INFO counters (which count every client's reads, not only this service's).
     */
    @RegisterForReflection
    @JsonPropertyOrder({ "address", "keys_count", "keyspace_hits", "keyspace_misses", "evicted_keys" })
    public record Node(String address,
            @JsonProperty("keys_count") long keysCount,
            @JsonProperty("keyspace_hits") long keyspaceHits,
            @JsonProperty("keyspace_misses") long keyspaceMisses,
            @JsonProperty("evicted_keys") long evictedKeys) {
    }

    /** This instance's cache-aside counts since start; hit_rate in percent. */
    @RegisterForReflection
    public record Service(long hits, long misses, long stale, long bypass, long errors,
            @JsonProperty("hit_rate") double hitRate) {
    }

    /** The masters' figures summed. */
    static CacheStatsView of(List<Node> nodes, String prefix, String circuitState, Service service) {
        long keysCount = nodes.stream().mapToLong(Node::keysCount).sum();
        long hits = nodes.stream().mapToLong(Node::keyspaceHits).sum();
        long misses = nodes.stream().mapToLong(Node::keyspaceMisses).sum();
        long evicted = nodes.stream().mapToLong(Node::evictedKeys).sum();
        return new CacheStatsView(true, keysCount, hits, misses, percent(hits, misses), evicted, prefix, circuitState,
                nodes, service);
    }

    static CacheStatsView unreachable(String prefix, String circuitState, Service service) {
        return new CacheStatsView(false, null, null, null, null, null, prefix, circuitState, null, service);
    }

    static double percent(long hits, long misses) {
        long total = hits + misses;
        return total == 0 ? 0.0 : Math.round(hits * 10000.0 / total) / 100.0;
    }
}
