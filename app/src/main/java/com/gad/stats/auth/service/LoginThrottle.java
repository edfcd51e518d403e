package com.gad.stats.auth.service;

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

    private final boolean enabled;
    private final KeyedRateLimiter perIp;
    private final KeyedRateLimiter perAccount;

    LoginThrottle(GadConfig config) {
        GadConfig.Login.RateLimit limits = config.auth().login().rateLimit();
        this.enabled = limits.enabled();
        this.perIp = new KeyedRateLimiter(limits.perIp(), limits.window(), limits.maxTrackedKeys(), System::nanoTime);
        this.perAccount = new KeyedRateLimiter(limits.perAccount(), limits.window(), limits.maxTrackedKeys(), System::nanoTime);
    }

    /** Takes one attempt for the address and one for the email; throws 429 when either is exhausted. */
    public void acquire(String clientAddress, String email) {
        if (!enabled) {
            return;
        }
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
