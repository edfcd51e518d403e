package com.gad.stats.ops;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link MetricsExpositionTest} against the packaged application (the jar, or the native executable with -Dnative). */
@QuarkusIntegrationTest
public class MetricsExpositionIT extends MetricsExpositionTest {
}
