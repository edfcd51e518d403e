package com.gad.stats.cache;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.config.GadConfig;

/**
 * The key layout. Every key starts with the configured prefix and carries the value-format
 * version, and one user's keys share the hash tag {@code {u<id>}}, so they live in one Redis
 * Cluster slot and can be read together (MGET) in one round trip:
 *
 * <pre>
 *   gad:stats:v2:{u42}:d30   a cached value (stats of user 42 over 30 days)
 *   gad:gen:v2:{u42}         the user's generation: changing it invalidates all of the user's values
 *   gad:lock:v2:{u42}:stats:d30  short lock held by the instance computing that value
 *   gad:tx:v2:{u42}:1553     short-lived: user 42 was invalidated for the committed transaction 1553
 * </pre>
 */
@ApplicationScoped
public class CacheKeys {

    /** Bump when the stored value format changes: a deploy then never reads old values. */
    public static final String FORMAT_VERSION = "v2";

    private final String prefix;

    CacheKeys(GadConfig config) {
        this.prefix = config.cache().prefix();
    }

    public String prefix() {
        return prefix;
    }

    public String valueKey(CacheKey key) {
        return prefix + key.kind() + ":" + FORMAT_VERSION + ":" + hashTag(key.userId()) + ":" + key.variant();
    }

    /** Cross-instance stampede lock of one value (same slot as the value). */
    public String lockKey(CacheKey key) {
        return prefix + "lock:" + FORMAT_VERSION + ":" + hashTag(key.userId()) + ":" + key.kind() + ":" + key.variant();
    }

    public String generationKey(long userId) {
        return prefix + "gen:" + FORMAT_VERSION + ":" + hashTag(userId);
    }

    /** Marks the user invalidated for a committed transaction (same slot as the generation; not tracked). */
    public String transactionKey(long userId, long transactionId) {
        return prefix + "tx:" + FORMAT_VERSION + ":" + hashTag(userId) + ":" + transactionId;
    }

    /**
     * Every key whose change must reach the near cache: the generations, and the values (so a value
     * deleted by hand or by an admin endpoint is dropped too). Never the locks, which change on every miss.
     */
    public List<String> trackedPrefixes() {
        List<String> prefixes = new ArrayList<>();
        prefixes.add(prefix + "gen:");
        CacheKey.KINDS.forEach(kind -> prefixes.add(prefix + kind + ":"));
        return List.copyOf(prefixes);
    }

    /** The user whose hash tag {@code {u<id>}} a key carries; -1 when it carries none. */
    public static long userOf(String key) {
        int open = key.indexOf("{u");
        int close = open < 0 ? -1 : key.indexOf('}', open);
        if (close < open + 3) {
            return -1;
        }
        try {
            return Long.parseLong(key, open + 2, close, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String hashTag(long userId) {
        return "{u" + userId + "}";
    }
}
