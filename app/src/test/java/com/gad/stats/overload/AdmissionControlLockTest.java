package com.gad.stats.overload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.gad.stats.config.ProductionDefaults;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * With several event loops a response that ends on one loop holds its connection's monitor while
 * its end handler asks for admission control's; the sweep on another loop must therefore never ask
 * a response anything while it holds admission control's monitor (the two loops deadlocked).
 */
class AdmissionControlLockTest {

    @Test
    void theSweepAsksResponsesNothingWhileHoldingItsMonitor() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AdmissionControl control = new AdmissionControl(ProductionDefaults.CONFIG, registry);
        AtomicInteger asked = new AtomicInteger();
        HttpServerResponse response = mock(HttpServerResponse.class);
        when(response.ended()).thenAnswer(call -> {
            asked.incrementAndGet();
            assertFalse(Thread.holdsLock(control), "a response asked while holding admission control's monitor");
            return true;
        });
        RoutingContext request = mock(RoutingContext.class);
        when(request.normalizedPath()).thenReturn("/api/v1/stats/user/1");
        when(request.response()).thenReturn(response);
        when(request.addEndHandler(any())).thenReturn(0);

        control.admit(request);
        assertEquals(1.0, registry.get("gad.http.in.flight").gauge().value());

        control.sweepOnce();

        assertEquals(1, asked.get());
        assertEquals(0.0, registry.get("gad.http.in.flight").gauge().value(), "the turn of the ended request is back");
    }
}
