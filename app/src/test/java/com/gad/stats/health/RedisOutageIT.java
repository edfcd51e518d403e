package com.gad.stats.health;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link RedisOutageTest} against the packaged application (the jar, or the native executable with -Dnative). */
@QuarkusIntegrationTest
public class RedisOutageIT extends RedisOutageTest {
}
