package com.gad.stats.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.gad.stats.support.LocalServicesResource;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;

/**
 * On Linux x86_64 the HTTP server and the Redis and PostgreSQL clients run on Netty's epoll
 * transport, not NIO: it costs less CPU per request, most at many connections (docs/overload.md).
 * Vert.x falls back to NIO silently when the native library cannot load, so this is checked.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class NativeTransportTest {

    @Inject
    Vertx vertx;

    @Test
    void theEventLoopsRunOnEpoll() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
                "the epoll library shipped is the linux-x86_64 one");
        assertTrue(vertx.isNativeTransportEnabled(), "native transport unavailable: " + vertx.unavailableNativeTransportCause());
    }
}
