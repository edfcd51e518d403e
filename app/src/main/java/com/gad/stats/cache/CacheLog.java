package com.gad.stats.cache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
    static final int WARNINGS_PER_SECOND = 20;
    private static final AtomicLong WARN_WINDOW = new AtomicLong();
    private static final AtomicInteger WARNED = new AtomicInteger();
    private static final AtomicInteger SUPPRESSED = new AtomicInteger();

    private CacheLog() {
    }

    static void info(String result, String key, long userId) {
        if (LOG.isInfoEnabled()) {
            log(Logger.Level.INFO, result, key, userId, null);
        }
    }

    /**
     * A failure, at most {@link #WARNINGS_PER_SECOND} lines a second: when Redis is down every request
     * would warn, and under overload the log must not become the bottleneck. The lines left out are
     * counted and reported with the next one logged.
     */
    static void warn(String result, String key, long userId, Throwable failure) {
        long second = System.nanoTime() / 1_000_000_000L;
        if (WARN_WINDOW.getAndSet(second) != second) {
            int dropped = SUPPRESSED.getAndSet(0);
            WARNED.set(0);
            if (dropped > 0) {
                LOG.warnf("cache: %d more warnings left out in the last second", dropped);
            }
        }
        if (WARNED.incrementAndGet() > WARNINGS_PER_SECOND) {
            SUPPRESSED.incrementAndGet();
            return;
        }
        log(Logger.Level.WARN, result, key, userId, failure);
    }

    private static void log(Logger.Level level, String result, String key, long userId, Throwable failure) {
        MDC.put("cache_result", result);
        MDC.put("cache_key", key);
        MDC.put("user_id", Long.toString(userId));
        try {
            // concatenated, not printf-formatted: String.format was a third of this line's cost, once per request
            String line = "cache " + result + " key=" + key + " user=" + userId;
            if (failure == null) {
                LOG.log(level, line);
            } else {
                // the failure's class and message only: Redis errors may be long, stack traces are noise here
                LOG.log(level, line + ": " + describe(failure));
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
