package com.gad.stats.overload;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * How far behind the event loop runs: the time between asking it to run something and it running.
 * A probe every {@link #SAMPLE_INTERVAL} feeds {@code gad_event_loop_lag_seconds}; {@link #probe()}
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
     * The time for a hop onto {@code loop} (the caller's event loop; any when null) plus one more turn of it (a 1 ms timer is run
     * only after the loop has read its sockets again). When the hop is slow the loop is saturated;
     * when it completes, any reply that had reached a socket before the probe began has been read.
     */
    public Uni<Duration> probe(Context loop) {
        Context context = loop != null ? loop : vertx.getOrCreateContext();
        return Uni.createFrom().emitter(emitter -> {
            long asked = System.nanoTime();
            context.runOnContext(hop -> {
                long hopNanos = System.nanoTime() - asked;
                vertx.setTimer(1, turn -> emitter.complete(Duration.ofNanos(hopNanos)));
            });
        });
    }
}
