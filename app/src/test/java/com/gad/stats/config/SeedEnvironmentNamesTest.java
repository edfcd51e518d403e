package com.gad.stats.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * The seed's environment names reach GadConfig, and every default comes from GadConfig itself:
 * the configuration as the service builds it (application.properties, the interceptors registered
 * as services, environment, system properties), without Quarkus and without services.
 */
class SeedEnvironmentNamesTest {

    private static GadConfig config(Map<String, String> environment, Map<String, String> systemProperties) throws IOException {
        URL properties = SeedEnvironmentNamesTest.class.getClassLoader().getResource("application.properties");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .addDiscoveredInterceptors()
                .withSources(new PropertiesConfigSource(properties, 250))
                .withSources(new EnvConfigSource(environment, 300))
                .withSources(new MapBackedConfigSource("system properties", systemProperties, 400) {
                })
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(GadConfig.class)
                .build();
        return config.getConfigMapping(GadConfig.class);
    }

    @Test
    void withNothingSetEveryValueIsTheDefaultOfGadConfig() throws IOException {
        GadConfig config = config(Map.of(), Map.of());

        assertEquals("gad:", config.cache().prefix());
        assertEquals(Duration.ofSeconds(300), config.cache().ttl());
        assertEquals(Duration.ofMillis(50), config.cache().redisTimeout());
        assertFalse(config.cache().warmup().enabled());
        assertTrue(config.cache().l1().enabled());
        assertEquals(8L * 1024 * 1024, config.cache().l1().maxBytes());
        assertEquals(Optional.empty(), config.auth().bootstrapAdminEmail());
        assertEquals(Optional.empty(), config.auth().bootstrapAdminPassword());
        assertEquals(5, config.auth().login().maxFailures());
    }

    @Test
    void theSeedNamesSetTheirKeys() throws IOException {
        GadConfig config = config(Map.of(
                "CACHE_PREFIX", "seed:",
                "CACHE_TTL", "120s",
                "CACHE_REDIS_TIMEOUT", "80ms",
                "CACHE_WARMUP_ENABLED", "true",
                "CACHE_L1_ENABLED", "false",
                "CACHE_L1_MAX_BYTES", "1048576",
                "GAD_BOOTSTRAP_ADMIN_EMAIL", "admin@example.org",
                "GAD_BOOTSTRAP_ADMIN_PASSWORD", "secret-Passw0rd"), Map.of());

        assertEquals("seed:", config.cache().prefix());
        assertEquals(Duration.ofSeconds(120), config.cache().ttl());
        assertEquals(Duration.ofMillis(80), config.cache().redisTimeout());
        assertTrue(config.cache().warmup().enabled());
        assertFalse(config.cache().l1().enabled());
        assertEquals(1048576L, config.cache().l1().maxBytes());
        assertEquals(Optional.of("admin@example.org"), config.auth().bootstrapAdminEmail());
        assertEquals(Optional.of("secret-Passw0rd"), config.auth().bootstrapAdminPassword());
    }

    @Test
    void theStandardNamesStillWork() throws IOException {
        GadConfig config = config(Map.of("GAD_CACHE_TTL", "20s", "GAD_AUTH_LOGIN_MAX_FAILURES", "7"), Map.of());

        assertEquals(Duration.ofSeconds(20), config.cache().ttl());
        assertEquals(7, config.auth().login().maxFailures());
    }

    @Test
    void ofTwoVariablesTheSeedNameWinsAndASystemPropertyBeatsBoth() throws IOException {
        Map<String, String> both = Map.of("CACHE_TTL", "10s", "GAD_CACHE_TTL", "20s");

        assertEquals(Duration.ofSeconds(10), config(both, Map.of()).cache().ttl());
        assertEquals(Duration.ofSeconds(40), config(both, Map.of("gad.cache.ttl", "40s")).cache().ttl());
    }
}
