package com.gad.stats.cache;

/**
 * A JSON object and where it came from. {@code json} is null when the loader found nothing (for
 * example an unknown user): the one meaning of null here, and absent answers are never cached.
 */
public record CachedJson(byte[] json, CacheInfo info) {

    public boolean isAbsent() {
        return json == null;
    }

    /** The response body: the JSON object with its {@code _cache} member. */
    public byte[] body() {
        return info.appendTo(json);
    }
}
