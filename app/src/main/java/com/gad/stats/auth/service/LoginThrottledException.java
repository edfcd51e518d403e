package com.gad.stats.auth.service;

import com.gad.stats.common.ApiException;

/** Too many login attempts from one address or for one email: 429 with {@code Retry-After}. */
public class LoginThrottledException extends ApiException {

    private final long retryAfterSeconds;

    public LoginThrottledException(long retryAfterSeconds) {
        super(429, "Too Many Requests", "Too many login attempts; retry later", null);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
