package com.gad.stats.auth;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Brute-force protection of {@code POST /api/v1/auth/login} (keys under {@code gad.auth.login.},
 * environment {@code GAD_AUTH_LOGIN_...}).
 */
@ConfigMapping(prefix = "gad.auth.login")
public interface LoginProtectionConfig {

    /** Consecutive failed passwords after which an account is locked ({@code usuarios.intentos_fallidos}). */
    @WithDefault("5")
    int maxFailures();

    /** How long a locked account refuses every login, even with the right password ({@code usuarios.bloqueado_hasta}). */
    @WithDefault("15m")
    Duration lockDuration();

    RateLimit rateLimit();

    interface RateLimit {
        /** Off only for tooling; when off, lockout still applies. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Login attempts one client address may make per {@link #window()}. The address is the
         * TCP peer: {@code X-Forwarded-For} is not trusted unless Quarkus' proxy forwarding is
         * enabled ({@code quarkus.http.proxy.*}); behind a proxy without it every client shares
         * the proxy's address.
         */
        @WithDefault("60")
        int perIp();

        /** Login attempts per submitted email (known or not) per {@link #window()}, from all addresses together. */
        @WithDefault("10")
        int perAccount();

        /** The window of both limits; attempts are refilled steadily (one every window/limit). */
        @WithDefault("1m")
        Duration window();

        /** Upper bound of the addresses and of the emails tracked at once (memory bound). */
        @WithDefault("100000")
        int maxTrackedKeys();
    }
}
