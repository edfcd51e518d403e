package com.gad.stats.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import jakarta.validation.Validation;
import jakarta.validation.Validator;

import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.validator.BeanValidationConfigValidator;

/**
 * The constraints of {@link GadConfig}, checked as at start: SmallRye Config with the Bean
 * Validation config validator Quarkus installs (quarkus-hibernate-validator), on the mapping alone.
 */
class GadConfigValidationTest {

    static final Validator VALIDATOR = Validation.byDefaultProvider().configure()
            .messageInterpolator(new ParameterMessageInterpolator())
            .buildValidatorFactory().getValidator();

    static void load(Map<String, String> values) {
        new SmallRyeConfigBuilder()
                .withMapping(GadConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .withValidator((BeanValidationConfigValidator) () -> VALIDATOR)
                .build();
    }

    @Test
    void theShippedDefaultsAreValid() {
        assertDoesNotThrow(() -> load(Map.of()));
    }

    @ParameterizedTest
    @CsvSource({
            "gad.cache.ttl, 500ms",
            "gad.cache.ttl, 0s",
            "gad.cache.redis-timeout, 0s",
            "gad.cache.consistency-sample, 1.5",
            "gad.cache.consistency-sample, -0.1",
            "gad.cache.l1.max-bytes, -1",
            "gad.cache.warmup.users, -1",
            "gad.overload.max-concurrent, 0",
            "gad.overload.max-queued, -5",
            "gad.auth.token-lifespan, 0s",
            "gad.auth.login.max-failures, 0",
            "gad.auth.login.lock-duration, 0s",
            "gad.auth.login.rate-limit.per-ip, 0",
            "gad.auth.login.rate-limit.per-account, 0" })
    void anInvalidValueFailsNamingItsKey(String key, String value) {
        ConfigValidationException refused = assertThrows(ConfigValidationException.class, () -> load(Map.of(key, value)));
        assertTrue(refused.getMessage().contains(key), refused.getMessage());
    }
}
