package com.gad.stats.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Typed configuration of gad-stats (keys under {@code gad.}). */
@ConfigMapping(prefix = "gad")
public interface GadConfig {

    Cache cache();

    Auth auth();

    interface Cache {
        /** Prefix of every key this service writes; admin endpoints can never reach outside it. */
        @WithDefault("gad:")
        String prefix();

        /** Lifetime of a cached statistics value (SETEX). */
        @WithDefault("300s")
        Duration ttl();

        /** Upper bound of one Redis call; past it the request is served from PostgreSQL. */
        @WithDefault("50ms")
        Duration redisTimeout();

        /** Values larger than this many bytes are stored gzip-compressed. */
        @WithDefault("1024")
        int compressThreshold();
    }

    interface Auth {
        /** Lifetime of tokens issued by the login endpoint. */
        @WithDefault("3600s")
        Duration tokenLifespan();

        /** Administrator created at start when absent (GAD_BOOTSTRAP_ADMIN_EMAIL). */
        Optional<String> bootstrapAdminEmail();

        /** Password of the bootstrap administrator (GAD_BOOTSTRAP_ADMIN_PASSWORD). */
        Optional<String> bootstrapAdminPassword();

        /** Verified bearer tokens remembered until they expire (skips RS256 per request); 0 = off. */
        @WithDefault("10000")
        int verifiedTokenCacheSize();
    }
}
