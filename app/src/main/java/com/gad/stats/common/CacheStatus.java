package com.gad.stats.common;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The {@code _cache} member of cached answers (statistics, task pages) as the OpenAPI document
 * shows it. The cache writes it straight into the response bytes (see
 * {@code com.gad.stats.cache.CacheInfo#appendTo}); this type only documents it, and OpenApiTest
 * checks real answers against it.
 */
@Schema(name = "CacheStatus", additionalProperties = Schema.False.class,
        description = "Where this answer came from")
public record CacheStatus(
        @Schema(required = true, description = "True when served from the cache") boolean hit,
        @Schema(required = true, enumeration = { "redis", "memory", "database" }, description = "redis or memory (the near cache) on a hit, database otherwise") String source,
        @Schema(enumeration = { "miss", "bypass", "stale", "cache_unavailable" },
                description = "Why the database answered; absent on a hit") String reason,
        @Schema(description = "The cache key of this answer; absent when the answer is not cacheable") String key) {

    /** The member's name in the response object. */
    public static final String MEMBER = "_cache";
}
