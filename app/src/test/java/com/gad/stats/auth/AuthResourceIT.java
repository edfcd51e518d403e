package com.gad.stats.auth;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link AuthResourceTest} against the packaged application (the jar, or the native executable with -Dnative). */
@QuarkusIntegrationTest
public class AuthResourceIT extends AuthResourceTest {
}
