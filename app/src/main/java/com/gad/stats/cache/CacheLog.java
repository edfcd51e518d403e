package com.gad.stats.cache;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One log line per cache operation, with the key, result and user as structured fields (MDC),
 * so JSON logs carry them as separate attributes. Every hit, miss, set and invalidation logs at
 * INFO, failures at WARN; production writes them asynchronously (quarkus.log.console.async), and an
 * instance whose log pipeline cannot take one line per request raises this category to WARN.
 * Values and tokens are never logged.
 */
final class CacheLog {

    private static final Logger LOG = Logger.getLogger("com.gad.stats.cache");

    private CacheLog() {
    }

    static void info(String result, String key, long userId) {
        if (LOG.isInfoEnabled()) {
            log(Logger.Level.INFO, result, key, userId, null);
        }
    }

    static void warn(String result, String key, long userId, Throwable failure) {
        log(Logger.Level.WARN, result, key, userId, failure);
    }

    private static void log(Logger.Level level, String result, String key, long userId, Throwable failure) {
        MDC.put("cache_result", result);
        MDC.put("cache_key", key);
        MDC.put("user_id", Long.toString(userId));
        try {
            if (failure == null) {
                LOG.logf(level, "cache %s key=%s user=%d", result, key, userId);
            } else {
                // the failure's class and message only: Redis errors may be long, stack traces are noise here
                LOG.logf(level, "cache %s key=%s user=%d: %s", result, key, userId, describe(failure));
            }
        } finally {
            MDC.remove("cache_result");
            MDC.remove("cache_key");
            MDC.remove("user_id");
        }
    }

    static String describe(Throwable failure) {
        return failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    }
}
