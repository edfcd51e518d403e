package com.gad.stats.config;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Typed configuration of gad-stats (keys under {@code gad.}); a value its constraint refuses fails the start, naming the key. */
@ConfigMapping(prefix = "gad")
public interface GadConfig {

    Cache cache();

    Auth auth();

    /** Admission control of the API (probes and metrics are never limited). */
    Overload overload();

    interface Overload {
        /** API requests processed at once; more wait in a queue. */
        @Positive
        @WithDefault("64")
        int maxConcurrent();

        /** API requests waiting for a turn; beyond them a request is shed at once. */
        @PositiveOrZero
        @WithDefault("1024")
        int maxQueued();

        /** A request that waited this long for a turn is shed instead of processed. */
        @DurationMin(millis = 1)
        @WithDefault("1s")
        Duration maxQueueWait();
    }

    interface Cache {
        /** Prefix of every key this service writes; admin endpoints can never reach outside it. */
        @WithDefault("gad:")
        String prefix();

        /** Lifetime of a cached value: the write-back script stores it with {@code SET ... EX}. */
        // stored with SET ... EX, in whole seconds: under 1 s it would be EX 0, which Redis refuses
        @DurationMin(seconds = 1)
        @WithDefault("300s")
        Duration ttl();

        /**
         * How late a Redis reply may be before the call fails and the request is served from
         * PostgreSQL, counted against Redis only: while this process is saturated the deadline is
         * extended (see {@code CacheFailurePolicy}).
         */
        @DurationMin(millis = 1)
        @WithDefault("50ms")
        Duration redisTimeout();

        /** The longest a Redis call may wait in all while this process is too busy to judge it. */
        @DurationMin(millis = 1)
        @WithDefault("1s")
        Duration redisBusyDeadline();

        /** Reads served by PostgreSQL because Redis could not serve them: a bulkhead. */
        Fallback fallback();

        /** Values larger than this many bytes are stored gzip-compressed. */
        @PositiveOrZero
        @WithDefault("1024")
        int compressThreshold();

        /** When Redis keeps failing, stop calling it for a while. */
        Breaker breaker();

        /** Stampede protection: how concurrent misses of one key share one aggregation. */
        Stampede stampede();

        /** Optional precomputation of the most active users' statistics at start. */
        Warmup warmup();

        /** The in-process near cache in front of Redis (docs/near-cache.md). */
        L1 l1();

        /**
         * Share of user invalidations (0 to 1) the consistency monitor checks against the database
         * after the staleness bound (docs/operations.md); 0 = off. Each check costs one aggregation:
         * lower it when invalidations are many and the database is busy, raise it while chasing an
         * inconsistency (or when invalidations are few and 1 % would sample too few to tell).
         */
        @WithDefault("0.01")
        double consistencySample();

        /** Recomputing values that are read often before they expire (docs/cache-design.md "Refresh ahead"). */
        EarlyRefresh refreshAhead();
    }

    interface EarlyRefresh {
        /** A hit close to its value's expiry recomputes the value in the background. */
        @WithDefault("true")
        boolean enabled();

        /**
         * What "read often" means: a value read at least this often is refreshed before it expires,
         * as any hit in the last read-interval of its TTL starts the refresh. Costs about
         * read-interval / ttl more aggregations of each such value (1 s of 300 s: 0.3 %).
         */
        @WithDefault("1s")
        Duration readInterval();
    }

    interface L1 {
        /** Serve hits from this process's memory, invalidated by Redis tracking; off = every hit reads Redis. */
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

        /**
         * How often the invalidation link is checked (tracking still on, redirect intact, still the
         * master). A check that fails or takes longer than this counts as a lost link.
         */
        @DurationMin(millis = 1)
        @WithDefault("1s")
        Duration linkCheck();

        /** Wait between attempts to re-establish a lost invalidation link. */
        @DurationMin(millis = 1)
        @WithDefault("1s")
        Duration reconnectDelay();
    }

    interface Fallback {
        /** Such reads running at once (well below the reactive pool's size, which misses and writes share). */
        @Positive
        @WithDefault("8")
        int concurrency();

        /** Such reads waiting for a turn; beyond them a request is shed with 503 and Retry-After. */
        @PositiveOrZero
        @WithDefault("32")
        int queue();
    }

    interface Breaker {
        /** Calls in the rolling window before the breaker may open. */
        @Positive
        @WithDefault("20")
        int requestVolume();

        /** Share of failed calls in the window that opens the breaker. */
        @WithDefault("0.5")
        @DecimalMin(value = "0", inclusive = false)
        @DecimalMax("1")
        double failureRatio();

        /** Time the breaker stays open before letting probe calls through. */
        @DurationMin(millis = 1)
        @WithDefault("5s")
        Duration delay();

        /** Successful probes that close it again. */
        @Positive
        @WithDefault("2")
        int successThreshold();
    }

    interface Stampede {
        /**
         * A finished aggregation keeps answering misses of the same key and generation this long,
         * catching requests whose Redis read raced the write-back.
         */
        @WithDefault("1s")
        Duration coalesceGrace();

        /** Across instances: the first miss takes a Redis lock (SET NX PX) this long... */
        @DurationMin(millis = 1)
        @WithDefault("2s")
        Duration lockTtl();

        /** ...and the others poll Redis for its answer up to this long before querying themselves. */
        @DurationMin(millis = 0)
        @WithDefault("300ms")
        Duration lockWait();

        /** A waiter gives up before the lock it waits for expires, or a dead holder would hold it past its lock. */
        @AssertTrue(message = "gad.cache.stampede.lock-wait must be shorter than gad.cache.stampede.lock-ttl")
        default boolean isLockWaitShorterThanLockTtl() {
            return lockWait().compareTo(lockTtl()) < 0;
        }

        /** Interval between those polls. */
        @DurationMin(millis = 1)
        @WithDefault("15ms")
        Duration lockPoll();
    }

    interface Warmup {
        /** Precompute at start (in the background; never delays liveness or readiness). */
        @WithDefault("false")
        boolean enabled();

        /** How many of the users with the most tasks in the window. */
        @PositiveOrZero
        @WithDefault("200")
        int users();

        /** The windows (days) to precompute. */
        @WithDefault("30")
        java.util.List<Integer> days();

        /** Aggregations running at once. */
        @Positive
        @WithDefault("4")
        int concurrency();
    }

    interface Auth {
        /** Lifetime of tokens issued by the login endpoint. */
        @DurationMin(seconds = 1)
        @WithDefault("3600s")
        Duration tokenLifespan();

        /** Administrator created at start when absent (GAD_BOOTSTRAP_ADMIN_EMAIL). */
        Optional<String> bootstrapAdminEmail();

        /** Password of the bootstrap administrator (GAD_BOOTSTRAP_ADMIN_PASSWORD). */
        Optional<String> bootstrapAdminPassword();

        /**
         * Verified bearer tokens remembered until they expire (skips RS256 per request); 0 = off.
         * About 0.7 KB of heap each; the most used are kept when more tokens are active.
         */
        @PositiveOrZero
        @WithDefault("10000")
        int verifiedTokenCacheSize();

        /** Brute-force protection of {@code POST /api/v1/auth/login}. */
        Login login();
    }

    interface Login {
        /** Consecutive failed passwords after which an account is locked ({@code usuarios.intentos_fallidos}). */
        @Positive
        @WithDefault("5")
        int maxFailures();

        /** How long a locked account refuses every login, even with the right password ({@code usuarios.bloqueado_hasta}). */
        @WithDefault("15m")
        Duration lockDuration();

        @WithName("rate-limit") // spelled out: the validator would name the group rateLimit in its messages
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
            @Positive
            @WithDefault("60")
            int perIp();

            /** Login attempts per submitted email (known or not) per {@link #window()}, from all addresses together. */
            @Positive
            @WithDefault("10")
            int perAccount();

            /** The window of both limits; attempts are refilled steadily (one every window/limit). */
            @DurationMin(millis = 1)
            @WithDefault("1m")
            Duration window();

            /** Upper bound of the addresses and of the emails tracked at once (memory bound). */
            @Positive
            @WithDefault("100000")
            int maxTrackedKeys();
        }
    }
}
