package com.gad.stats.config;

import java.util.Map;

import io.smallrye.config.RelocateConfigSourceInterceptor;

/**
 * The environment variables of the GAD seed project ({@code CACHE_TTL}, ...) as names of
 * {@link GadConfig} keys, next to the standard ones ({@code GAD_CACHE_TTL}, ...). A relocation
 * rather than {@code gad.cache.ttl=${CACHE_TTL:300s}} in application.properties, which would
 * restate every default of GadConfig: an unset variable simply leaves the key to its other
 * sources and to its {@code @WithDefault}. The usual precedence holds across both names (a system
 * property beats either variable); of two variables, the seed name wins. Registered through
 * {@code META-INF/services/io.smallrye.config.ConfigSourceInterceptor}.
 */
public class SeedEnvironmentNames extends RelocateConfigSourceInterceptor {

    static final Map<String, String> NAMES = Map.of(
            "gad.cache.prefix", "CACHE_PREFIX",
            "gad.cache.ttl", "CACHE_TTL",
            "gad.cache.redis-timeout", "CACHE_REDIS_TIMEOUT",
            "gad.cache.warmup.enabled", "CACHE_WARMUP_ENABLED",
            "gad.cache.l1.enabled", "CACHE_L1_ENABLED",
            "gad.cache.l1.max-bytes", "CACHE_L1_MAX_BYTES",
            "gad.auth.bootstrap-admin-email", "GAD_BOOTSTRAP_ADMIN_EMAIL",
            "gad.auth.bootstrap-admin-password", "GAD_BOOTSTRAP_ADMIN_PASSWORD");

    public SeedEnvironmentNames() {
        super(NAMES);
    }
}
