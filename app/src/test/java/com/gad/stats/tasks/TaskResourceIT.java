package com.gad.stats.tasks;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link TaskResourceTest} against the packaged application (the jar, or the native executable with -Dnative).
 * With -Paot it is also the part of the AOT training run that writes tasks and invalidates caches.
 */
@QuarkusIntegrationTest
public class TaskResourceIT extends TaskResourceTest {
}
