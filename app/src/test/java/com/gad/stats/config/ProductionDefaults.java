package com.gad.stats.config;

import java.time.Duration;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/** For unit tests without Quarkus: the production settings, the {@link GadConfig} defaults. */
public final class ProductionDefaults {

    /** Read as Quarkus reads them (its Duration syntax: "50ms", "5s"). */
    public static final GadConfig CONFIG = new SmallRyeConfigBuilder()
            .withConverter(Duration.class, 100, new DurationConverter())
            .withMapping(GadConfig.class)
            .build()
            .getConfigMapping(GadConfig.class);

    private ProductionDefaults() {
    }
}
