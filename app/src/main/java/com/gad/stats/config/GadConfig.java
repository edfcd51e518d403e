package com.gad.stats.config;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The keys an operator decides (under {@code gad.}): each says in its Javadoc why one would change
 * it. A value its constraint refuses fails the start, naming the key. Everything else the service
 * needs is a named constant beside the code that uses it, with the reason for its value (the
 * README's configuration table lists the keys).
 */
@ConfigMapping(prefix = "gad")
public interface GadConfig {

    Cache cache();

    Auth auth();

    /** Admission control of the API (probes and metrics are never limited). */
    Overload overload();

    interface Overload {
        /**
         * API requests processed at once; more wait in a queue. Raise it with the cores and the
         * database pool; lower it when the database is the limit (docs/overload.md).
         */
        @Positive
        @WithDefault("64")
        int maxConcurrent();

        /**
         * API requests waiting for a turn (at most a second); beyond them a request is shed at once
         * with 503 and Retry-After. Lower it to shed sooner behind a load balancer that retries elsewhere.
         */
        @PositiveOrZero
        @WithDefault("1024")
        int maxQueued();
    }

    interface Cache {
        /**
         * Prefix of every key this service writes; admin endpoints can never reach outside it. Change
         * it when several deployments share one Redis.
         */
        @WithDefault("gad:")
        String prefix();

        /**
         * Lifetime of a cached value: the longest a value can be served when every invalidation was
         * lost, and how long an unread value holds Redis memory.
         */
        // stored with SET ... EX, in whole seconds: under 1 s it would be EX 0, which Redis refuses
        @DurationMin(seconds = 1)
        @WithDefault("300s")
        Duration ttl();

        /**
         * How late a Redis reply may be before the call fails and the request is served from
         * PostgreSQL, counted against Redis only: while this process is saturated the deadline is
         * extended ({@code RedisGateway}). Raise it for a Redis that is far away.
         */
        @DurationMin(millis = 1)
        @WithDefault("50ms")
        Duration redisTimeout();

        /**
         * Share of user invalidations (0 to 1) the consistency monitor checks against the database
         * after the staleness bound (docs/operations.md); 0 = off. Each check costs one aggregation:
         * lower it when invalidations are many and the database is busy, raise it while chasing an
         * inconsistency (or when invalidations are few and 1 % would sample too few to tell).
         */
        @DecimalMin("0")
        @DecimalMax("1")
        @WithDefault("0.01")
        double consistencySample();

        /** Recomputing values that are read often before they expire (docs/cache-design.md "Refresh ahead"). */
        EarlyRefresh refreshAhead();

        /** The in-process near cache in front of Redis (docs/near-cache.md). */
        L1 l1();

        /** Optional precomputation of the most active users' statistics at start. */
        Warmup warmup();
    }

    interface EarlyRefresh {
        /**
         * A hit close to its value's expiry recomputes the value in the background. Costs about 0.3 %
         * more aggregations of each value read every second; turn it off when the database has no
         * room for them.
         */
        @WithDefault("true")
        boolean enabled();
    }

    interface L1 {
        /**
         * Serve hits from this process's memory, invalidated by Redis tracking; off = every hit reads
         * Redis. Turn it off only for a Redis that cannot track clients (a proxy in front of it).
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Memory bound: the summed size of the cached JSON bodies and keys, in bytes (least recently
         * used go first). 8 MiB fits the 64 MiB heap of a 256 MiB container beside the rest of the
         * service; raise it with the heap (keep it under about an eighth of it).
         */
        @PositiveOrZero
        @WithDefault("8388608")
        long maxBytes();
    }

    interface Warmup {
        /**
         * Precompute the default 30-day window at start, in the background (never delays liveness or
         * readiness): turn it on when a cold cache after a deploy would load the database too much.
         */
        @WithDefault("false")
        boolean enabled();

        /** How many of the users with the most tasks in the window: the active users of a busy hour. */
        @PositiveOrZero
        @WithDefault("200")
        int users();
    }

    interface Auth {
        /** Lifetime of tokens issued by the login endpoint: how long a stolen token stays useful. */
        @DurationMin(seconds = 1)
        @WithDefault("3600s")
        Duration tokenLifespan();

        /** Administrator created at start when absent (GAD_BOOTSTRAP_ADMIN_EMAIL): the first login of a new deployment. */
        Optional<String> bootstrapAdminEmail();

        /** Password of the bootstrap administrator (GAD_BOOTSTRAP_ADMIN_PASSWORD). */
        Optional<String> bootstrapAdminPassword();

        /** Brute-force protection of {@code POST /api/v1/auth/login}: a security policy. */
        Login login();
    }

    interface Login {
        /** Consecutive failed passwords after which an account is locked ({@code usuarios.intentos_fallidos}). */
        @Positive
        @WithDefault("5")
        int maxFailures();

        /** How long a locked account refuses every login, even with the right password ({@code usuarios.bloqueado_hasta}). */
        @DurationMin(seconds = 1)
        @WithDefault("15m")
        Duration lockDuration();

        @WithName("rate-limit") // spelled out: the validator would name the group rateLimit in its messages
        RateLimit rateLimit();

        /** Per-minute limits; attempts are refilled steadily (one every minute/limit). */
        interface RateLimit {
            /**
             * Login attempts one client address may make per minute. Raise it when many users share
             * one address (an office NAT). The address is the TCP peer: {@code X-Forwarded-For} is
             * not trusted unless Quarkus' proxy forwarding is enabled ({@code quarkus.http.proxy.*});
             * behind a proxy without it every client shares the proxy's address.
             */
            @Positive
            @WithDefault("60")
            int perIp();

            /** Login attempts per submitted email (known or not) per minute, from all addresses together. */
            @Positive
            @WithDefault("10")
            int perAccount();
        }
    }
}
