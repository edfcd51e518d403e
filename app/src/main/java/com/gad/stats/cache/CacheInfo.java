package com.gad.stats.cache;

import java.nio.charset.StandardCharsets;

/**
 * Where an answer came from: the {@code _cache} member of a response.
 *
 * @param hit    true when served from Redis
 * @param reason why the database answered: miss, bypass, stale, cache_unavailable (null on a hit)
 * @param key    the Redis key of the value (null when the answer is not cacheable)
 */
public record CacheInfo(boolean hit, String reason, String key) {

    public static final String MISS = "miss";
    public static final String BYPASS = "bypass";
    public static final String STALE = "stale";
    public static final String CACHE_UNAVAILABLE = "cache_unavailable";

    public static CacheInfo hit(String key) {
        return new CacheInfo(true, null, key);
    }

    public static CacheInfo fromDatabase(String reason, String key) {
        return new CacheInfo(false, reason, key);
    }

    public String source() {
        return hit ? "redis" : "database";
    }

    /**
     * Appends {@code "_cache": {...}} to a serialized JSON object without parsing it: a hit is served
     * from the stored bytes as they are. Keys are built from numbers and fixed words only, so they
     * need no JSON escaping.
     */
    public byte[] appendTo(byte[] jsonObject) {
        StringBuilder member = new StringBuilder(96)
                .append(",\"_cache\":{\"hit\":").append(hit)
                .append(",\"source\":\"").append(source()).append('"');
        if (reason != null) {
            member.append(",\"reason\":\"").append(reason).append('"');
        }
        if (key != null) {
            member.append(",\"key\":\"").append(key).append('"');
        }
        member.append("}}");
        byte[] tail = member.toString().getBytes(StandardCharsets.US_ASCII);
        int end = lastBrace(jsonObject);
        byte[] out = new byte[end + tail.length];
        System.arraycopy(jsonObject, 0, out, 0, end);
        System.arraycopy(tail, 0, out, end, tail.length);
        return out;
    }

    private static int lastBrace(byte[] json) {
        for (int i = json.length - 1; i >= 0; i--) {
            if (json[i] == '}') {
                return i;
            }
        }
        throw new IllegalArgumentException("not a JSON object");
    }
}
