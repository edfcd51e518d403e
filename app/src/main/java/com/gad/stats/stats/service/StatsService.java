package com.gad.stats.stats.service;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gad.stats.cache.CacheAside;
import com.gad.stats.cache.CacheKey;
import com.gad.stats.cache.CachedJson;
import com.gad.stats.stats.model.UserStats;
import com.gad.stats.stats.repository.StatsRepository;

import io.smallrye.mutiny.Uni;

/**
 * User statistics through the cache. Values are cached as the serialized JSON object, so a hit
 * is served from Redis bytes without deserializing or serializing anything.
 */
@ApplicationScoped
public class StatsService {

    private final CacheAside cache;
    private final StatsRepository repository;
    private final ObjectMapper mapper;

    StatsService(CacheAside cache, StatsRepository repository, ObjectMapper mapper) {
        this.cache = cache;
        this.repository = repository;
        this.mapper = mapper;
    }

    /** The user's statistics as a JSON object with {@code _cache}; absent when the user does not exist. */
    public Uni<CachedJson> userStats(long userId, int days, boolean useCache) {
        CacheKey key = CacheKey.stats(userId, days);
        return useCache
                ? cache.get(key, () -> computedStats(userId, days))
                : cache.bypass(key, () -> computedStats(userId, days));
    }

    private Uni<byte[]> computedStats(long userId, int days) {
        return repository.userStats(userId, days)
                .map(stats -> stats == null ? null : toJson(stats));
    }

    private byte[] toJson(UserStats stats) {
        try {
            return mapper.writeValueAsBytes(stats);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("statistics could not be serialized", e);
        }
    }
}
