package com.gad.stats.overload;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * The probe sees a saturated loop even when it is not the caller's: a Redis reply may be read there;
 * and the sampled lag metric sees whichever loop is busy.
 */
class EventLoopLagTest {

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aBusyOtherLoopMakesTheProbeSlowAndTheAnswerComesOnTheCallersContext() throws Exception {
        EventLoopLag lag = new EventLoopLag(vertx, new SimpleMeterRegistry());
        Context caller = vertx.getOrCreateContext();
        EventExecutor callersLoop = ((ContextInternal) caller).nettyEventLoop();
        EventExecutor otherLoop = null;
        for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
            if (loop != callersLoop) {
                otherLoop = loop;
            }
        }
        // The other loop stays busy until 200 ms after the probe was asked for, however long that takes
        AtomicLong probeAskedAt = new AtomicLong();
        CountDownLatch spinning = new CountDownLatch(1);
        otherLoop.execute(() -> {
            spinning.countDown();
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < giveUp
                    && (probeAskedAt.get() == 0 || System.nanoTime() - probeAskedAt.get() < TimeUnit.MILLISECONDS.toNanos(200))) {
                Thread.onSpinWait();
            }
        });
        assertTrue(spinning.await(5, TimeUnit.SECONDS));

        CompletableFuture<Duration> slowest = new CompletableFuture<>();
        CompletableFuture<Context> answeredOn = new CompletableFuture<>();
        caller.runOnContext(v -> lag.probe(caller).onSubscription().invoke(() -> probeAskedAt.set(System.nanoTime()))
                .subscribe().with(hop -> {
            answeredOn.complete(Vertx.currentContext());
            slowest.complete(hop);
        }, slowest::completeExceptionally));

        Duration hop = slowest.get(5, TimeUnit.SECONDS);
        assertTrue(hop.compareTo(Duration.ofMillis(100)) > 0, "the busy loop's hop was seen: " + hop);
        assertSame(caller, answeredOn.get(5, TimeUnit.SECONDS));
    }

    @Test
    void theSampledLagSeesWhicheverLoopIsBusy() throws Exception {
        for (EventExecutor busy : ((VertxInternal) vertx).nettyEventLoopGroup()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            EventLoopLag lag = new EventLoopLag(vertx, registry);
            lag.start(null);
            try {
                CountDownLatch spun = new CountDownLatch(1);
                // Busy until 250 ms after the sampler's probe reached this loop's queue, however late the
                // sampler runs on a loaded machine (nothing else queues work on these loops)
                SingleThreadEventExecutor loop = (SingleThreadEventExecutor) busy;
                busy.execute(() -> {
                    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    long probeQueuedAt = 0;
                    while (System.nanoTime() < giveUp
                            && (probeQueuedAt == 0 || System.nanoTime() - probeQueuedAt < TimeUnit.MILLISECONDS.toNanos(250))) {
                        if (probeQueuedAt == 0 && loop.pendingTasks() > 0) {
                            probeQueuedAt = System.nanoTime();
                        }
                        Thread.onSpinWait();
                    }
                    spun.countDown();
                });
                assertTrue(spun.await(5, TimeUnit.SECONDS));
                Timer sampled = registry.get("gad.event.loop.lag").timer();
                await().atMost(Duration.ofSeconds(2)).until(() -> sampled.max(TimeUnit.MILLISECONDS) >= 200);
            } finally {
                lag.stop(null);
            }
        }
    }
}
