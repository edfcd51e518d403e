package com.gad.stats.common;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The one shape of the service's labelled counters: a family {@code name{tag=value}} with its description. */
public final class Meters {

    private Meters() {
    }

    /** The counter of {@code name{tag=value}}, registered (or found) in {@code registry}. */
    public static Counter counter(MeterRegistry registry, String name, String description, String tag, String value) {
        return Counter.builder(name)
                .description(description)
                .tag(tag, value)
                .register(registry);
    }
}
