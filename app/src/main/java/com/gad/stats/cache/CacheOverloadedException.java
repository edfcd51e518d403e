package com.gad.stats.cache;

/**
 * Redis could not serve a read and the database fallbacks are all taken: the request is shed
 * (503 with Retry-After) rather than piled onto PostgreSQL.
 */
public class CacheOverloadedException extends RuntimeException {

    public CacheOverloadedException(Throwable cause) {
        super("database fallbacks exhausted", cause, false, false);
    }
}
