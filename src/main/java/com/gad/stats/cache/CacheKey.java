package com.gad.stats.cache;

/**
 * Names one cached value: the user it belongs to, the kind of value ({@code stats}, {@code tasks})
 * and a variant built only from validated numbers and fixed words (never raw user input).
 */
public record CacheKey(String kind, long userId, String variant) {

    public static CacheKey stats(long userId, int days) {
        return new CacheKey("stats", userId, "d" + days);
    }
}
