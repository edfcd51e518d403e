package com.gad.stats.auth.service;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.config.GadConfig;

import io.quarkus.logging.Log;

/**
 * The per-address and per-account rate limits of the login endpoint, checked before any database
 * or bcrypt work. Both are in-memory and per instance: with N replicas an attacker gets N times
 * the limit, which the per-account lockout (in the database, shared) bounds anyway.
 */
@ApplicationScoped
public class LoginThrottle {

    /** The period of both limits: attempts refill steadily, one every minute / limit. */
    static final Duration WINDOW = Duration.ofMinutes(1);
    /**
     * Addresses and emails tracked at once, per limit (a memory bound of a few MB): idle ones are
     * dropped, and a table full of active ones refuses new keys (docs/security.md).
     */
    static final int MAX_TRACKED_KEYS = 100_000;

    private final KeyedRateLimiter perIp;
    private final KeyedRateLimiter perAccount;

    LoginThrottle(GadConfig config) {
        GadConfig.Login.RateLimit limits = config.auth().login().rateLimit();
        this.perIp = new KeyedRateLimiter(limits.perIp(), WINDOW, MAX_TRACKED_KEYS, System::nanoTime);
        this.perAccount = new KeyedRateLimiter(limits.perAccount(), WINDOW, MAX_TRACKED_KEYS, System::nanoTime);
    }

    /** Takes one attempt for the address and one for the email; throws 429 when either is exhausted. */
    public void acquire(String clientAddress, String email) {
        long wait = perIp.acquire(clientAddress == null ? "unknown" : clientAddress);
        String limit = "address";
        if (wait == 0) {
            wait = perAccount.acquire(accountKey(email));
            limit = "account";
        }
        if (wait > 0) {
            Log.infof("login throttled: %s limit reached (client %s)", limit, clientAddress);
            throw new LoginThrottledException(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + TimeUnit.SECONDS.toNanos(1) - 1)));
        }
    }

    /** The same key for every spelling the database treats as the same email (case-insensitive). */
    static String accountKey(String email) {
        return email.strip().toLowerCase(Locale.ROOT);
    }
}
