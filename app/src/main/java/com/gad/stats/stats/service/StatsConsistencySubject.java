package com.gad.stats.stats.service;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.gad.stats.cache.CacheKey;
import com.gad.stats.cache.ConsistencySubject;
import com.gad.stats.stats.repository.StatsRepository;

import io.smallrye.mutiny.Uni;

/**
 * The consistency monitor checks a user's statistics over the default window (30 days, the value
 * most requests read), recomputed by the same aggregation the cache is filled from.
 */
@ApplicationScoped
class StatsConsistencySubject implements ConsistencySubject {

    /** The window of {@code GET /api/v1/stats/user/{id}} without {@code days}. */
    static final int CHECKED_DAYS = 30;
    private static final String CALCULATED_AT = "calculated_at";

    private final StatsRepository repository;
    private final ObjectMapper mapper;

    StatsConsistencySubject(StatsRepository repository, ObjectMapper mapper) {
        this.repository = repository;
        this.mapper = mapper;
    }

    @Override
    public CacheKey checkedKey(long userId) {
        return CacheKey.stats(userId, CHECKED_DAYS);
    }

    @Override
    public Uni<byte[]> recomputed(long userId) {
        return repository.userStats(userId, CHECKED_DAYS).map(stats -> {
            try {
                return stats == null ? null : mapper.writeValueAsBytes(stats);
            } catch (IOException e) {
                throw new IllegalStateException("statistics could not be serialized", e);
            }
        });
    }

    /** Every member but {@code calculated_at}; a body that is not a JSON object never agrees. */
    @Override
    public boolean sameFigures(byte[] cached, byte[] recomputed) {
        Optional<ObjectNode> a = figures(cached);
        Optional<ObjectNode> b = figures(recomputed);
        return a.isPresent() && a.equals(b);
    }

    @Override
    public Optional<Instant> computedAt(byte[] json) {
        return object(json).map(node -> node.path(CALCULATED_AT).asText(null)).flatMap(text -> {
            try {
                return Optional.of(Instant.parse(text));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    private Optional<ObjectNode> figures(byte[] json) {
        return object(json).map(node -> {
            node.remove(CALCULATED_AT);
            return node;
        });
    }

    private Optional<ObjectNode> object(byte[] json) {
        try {
            JsonNode node = mapper.readTree(json);
            return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
