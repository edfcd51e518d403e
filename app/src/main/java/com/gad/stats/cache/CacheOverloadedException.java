package com.gad.stats.cache;

import com.gad.stats.common.ServiceUnavailable;

/**
 * Redis could not serve a read and the database fallbacks are all taken: the request is shed
 * (the overloaded 503 with its Retry-After) rather than piled onto PostgreSQL.
 */
public class CacheOverloadedException extends ServiceUnavailable {

    public CacheOverloadedException(Throwable cause) {
        super(OVERLOADED_DETAIL, OVERLOADED_RETRY_AFTER_SECONDS, cause);
    }
}
