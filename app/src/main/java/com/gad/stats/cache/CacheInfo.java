package com.gad.stats.cache;

import java.nio.charset.StandardCharsets;

/**
 * Where an answer came from: the {@code _cache} member of a response.
 *
 * @param outcome what the pipeline did; gives {@code hit}, {@code source} and {@code reason}
 * @param key     the Redis key of the value, or null when the answer has no cached form
 */
public record CacheInfo(CacheOutcome outcome, String key) {

    public boolean hit() {
        return outcome.servedFromCache();
    }

    public String source() {
        if (!hit()) {
            return "database";
        }
        return outcome == CacheOutcome.MEMORY_HIT ? "memory" : "redis";
    }

    /**
     * Appends {@code "_cache": {...}} to a serialized JSON object without parsing it: a hit is served
     * from the stored bytes as they are. Keys are built from numbers and fixed words only, so they
     * need no JSON escaping.
     */
    public byte[] appendTo(byte[] jsonObject) {
        StringBuilder member = new StringBuilder(96)
                .append(",\"_cache\":{\"hit\":").append(hit())
                .append(",\"source\":\"").append(source()).append('"');
        if (outcome.reason() != null) {
            member.append(",\"reason\":\"").append(outcome.reason()).append('"');
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
