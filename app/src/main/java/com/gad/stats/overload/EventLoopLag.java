package com.gad.stats.overload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/**
 * How far behind the event loop runs: the time between asking it to run something and it running.
 * A probe every {@link #SAMPLE_INTERVAL} feeds {@code gad_event_loop_lag_seconds}; {@link #probe(Context)}
 * measures it on demand, which is how the cache tells this process's saturation from a slow Redis.
 */
@ApplicationScoped
public class EventLoopLag {

    static final Duration SAMPLE_INTERVAL = Duration.ofMillis(100);

    private final Vertx vertx;
    private final Timer lag;
    private long sampler = -1;

    EventLoopLag(Vertx vertx, MeterRegistry registry) {
        this.vertx = vertx;
        this.lag = Timer.builder("gad.event.loop.lag")
                .description("Delay between scheduling a task on the event loop and its running")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        sampler = vertx.setPeriodic(SAMPLE_INTERVAL.toMillis(), id -> {
            long asked = System.nanoTime();
            vertx.runOnContext(v -> lag.record(System.nanoTime() - asked, TimeUnit.NANOSECONDS));
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (sampler >= 0) {
            vertx.cancelTimer(sampler);
        }
    }

    /**
     * The slowest hop onto any event loop plus one more turn of it (a 1 ms timer is run only after
     * the loop has read its sockets again), answered on {@code caller} (any loop's context when
     * null). Every loop, not only the caller's: a Redis reply is read on the loop of its connection,
     * which with several loops is often another one. When a hop is slow, a loop is saturated; when
     * all complete, any reply that had reached a socket before the probe began has been read.
     */
    public Uni<Duration> probe(Context caller) {
        Context answerOn = caller != null ? caller : vertx.getOrCreateContext();
        // Vert.x has no public handle on each of its loops; its Netty group is the one way to reach all
        List<Uni<Long>> hops = new ArrayList<>();
        for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
            hops.add(Uni.createFrom().emitter(emitter -> {
                long asked = System.nanoTime();
                loop.execute(() -> {
                    long hopNanos = System.nanoTime() - asked;
                    loop.schedule(() -> emitter.complete(hopNanos), 1, TimeUnit.MILLISECONDS);
                });
            }));
        }
        return Uni.join().all(hops).andFailFast()
                .map(nanos -> Duration.ofNanos(nanos.stream().mapToLong(Long::longValue).max().orElse(0)))
                .emitOn(task -> answerOn.runOnContext(v -> task.run()));
    }
}
