package com.gad.stats.cache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Cache events as log lines, with the key, result and user as structured fields (MDC), so JSON logs
 * carry them as separate attributes. Values and tokens are never logged.
 * <ul>
 * <li>Per-operation events (hit, memory hit, miss, stale, corrupt, bypass, set) are DEBUG, as in the
 * original GAD service: off unless the category is opened at run time
 * ({@code QUARKUS_LOG_CATEGORY__COM_GAD_STATS_CACHE__LEVEL=DEBUG}). The metrics count every one of
 * them whatever the level.</li>
 * <li>Invalidations are INFO and failures WARN, each at most {@link #LINES_PER_SECOND} lines a
 * second.</li>
 * </ul>
 */
final class CacheLog {

    private static final Logger LOG = Logger.getLogger("com.gad.stats.cache");
    /**
     * INFO and WARN lines a second, each: when Redis is down every request would warn, and a bulk
     * statement invalidates thousands of users at once; the log must not become the bottleneck. The
     * lines left out are counted and reported with the next one logged.
     */
    static final int LINES_PER_SECOND = 20;
    private static final Budget INFO = new Budget(Logger.Level.INFO);
    private static final Budget WARN = new Budget(Logger.Level.WARN);

    private CacheLog() {
    }

    /**
     * A per-operation event (one per request or write-back). When DEBUG is off, as it is by
     * default, this is one level check: nothing is formatted or allocated.
     */
    static void debug(String result, String key, long userId) {
        if (LOG.isDebugEnabled()) {
            log(Logger.Level.DEBUG, result, key, userId, null);
        }
    }

    /** An invalidation, at most {@link #LINES_PER_SECOND} lines a second. */
    static void info(String result, String key, long userId) {
        if (LOG.isInfoEnabled() && INFO.allows()) {
            log(Logger.Level.INFO, result, key, userId, null);
        }
    }

    /** A failure, at most {@link #LINES_PER_SECOND} lines a second. */
    static void warn(String result, String key, long userId, Throwable failure) {
        if (LOG.isEnabled(Logger.Level.WARN) && WARN.allows()) {
            log(Logger.Level.WARN, result, key, userId, failure);
        }
    }

    private static void log(Logger.Level level, String result, String key, long userId, Throwable failure) {
        MDC.put("cache_result", result);
        MDC.put("cache_key", key);
        MDC.put("user_id", Long.toString(userId));
        try {
            // concatenated, not printf-formatted: String.format was a third of this line's cost
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

    /** {@link #LINES_PER_SECOND} lines of one level per second of the monotonic clock. */
    private static final class Budget {
        private final Logger.Level level;
        private final AtomicLong window = new AtomicLong();
        private final AtomicInteger logged = new AtomicInteger();
        private final AtomicInteger suppressed = new AtomicInteger();

        Budget(Logger.Level level) {
            this.level = level;
        }

        boolean allows() {
            long second = System.nanoTime() / 1_000_000_000L;
            if (window.getAndSet(second) != second) {
                int dropped = suppressed.getAndSet(0);
                logged.set(0);
                if (dropped > 0) {
                    LOG.logf(level, "cache: %d more %s lines left out in the last second", dropped, level);
                }
            }
            if (logged.incrementAndGet() > LINES_PER_SECOND) {
                suppressed.incrementAndGet();
                return false;
            }
            return true;
        }
    }
}
