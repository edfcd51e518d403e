package com.gad.stats.cache;

import java.util.List;

/**
 * Names one cached value: the user it belongs to, the kind of value ({@code stats}, {@code tasks})
 * and a variant built only from validated numbers and fixed words (never raw user input).
 */
public record CacheKey(String kind, long userId, String variant) {

    /** Every kind of cached value. */
    public static final List<String> KINDS = List.of("stats", "tasks");

    public static CacheKey stats(long userId, int days) {
        return new CacheKey("stats", userId, "d" + days);
    }

    /** A page of the user's task list; {@code estado} is a validated state word or null for all. */
    public static CacheKey tasks(long userId, int limit, int offset, String estado) {
        return new CacheKey("tasks", userId, "l" + limit + ":o" + offset + ":e" + (estado == null ? "all" : estado));
    }
}
