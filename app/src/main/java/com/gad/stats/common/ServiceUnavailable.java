package com.gad.stats.common;

/**
 * A 503: the service cannot answer now and the client should try again later. The one source of
 * the {@code Retry-After} every 503 carries and of the "overloaded" answer, whoever sheds the
 * request (admission control, the cache's database-fallback bulkhead).
 */
public class ServiceUnavailable extends ApiException {

    /** Overload passes as soon as some requests end: a second is enough to come back. */
    public static final long OVERLOADED_RETRY_AFTER_SECONDS = 1;
    /** A backend down (PostgreSQL restarting, Redis unreachable for a write) takes seconds to come back. */
    public static final long BACKEND_RETRY_AFTER_SECONDS = 5;

    public static final String TITLE = "Service unavailable";
    public static final String OVERLOADED_DETAIL = "The service is overloaded; retry later";
    /** The overloaded answer, serialized once for the HTTP layer, which sheds before any resource runs. */
    public static final String OVERLOADED_JSON = "{\"type\":\"about:blank\",\"title\":\"" + TITLE + "\",\"status\":503,"
            + "\"detail\":\"" + OVERLOADED_DETAIL + "\"}";

    private final long retryAfterSeconds;

    protected ServiceUnavailable(String detail, long retryAfterSeconds, Throwable cause) {
        super(503, TITLE, detail, null, cause);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A backend this request needs is down. */
    public ServiceUnavailable(String detail) {
        this(detail, BACKEND_RETRY_AFTER_SECONDS, null);
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
