package com.gad.stats.invalidation;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link DatabaseInvalidationTest} against the packaged application (the jar, or the native executable with -Dnative). */
@QuarkusIntegrationTest
public class DatabaseInvalidationIT extends DatabaseInvalidationTest {
}
