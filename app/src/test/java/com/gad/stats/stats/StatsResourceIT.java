package com.gad.stats.stats;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link StatsResourceTest} against the packaged application (the jar, or the native executable with -Dnative). */
@QuarkusIntegrationTest
public class StatsResourceIT extends StatsResourceTest {
}
