package com.gad.stats.overload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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

/**
 * How far behind the event loops run: the time between asking one to run something and it running.
 * Every {@link #SAMPLE_INTERVAL} each loop is asked once, and each hop feeds
 * {@code gad_event_loop_lag_seconds}; {@link #probe(Context)} measures it on demand, which is how the
 * cache tells this process's saturation from a slow Redis.
 */
@ApplicationScoped
public class EventLoopLag {

    static final Duration SAMPLE_INTERVAL = Duration.ofMillis(100);

    private final Vertx vertx;
    private final Timer lag;
    private ScheduledExecutorService sampler;

    EventLoopLag(Vertx vertx, MeterRegistry registry) {
        this.vertx = vertx;
        this.lag = Timer.builder("gad.event.loop.lag")
                .description("Delay between scheduling a task on an event loop and its running, sampled on every loop")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    /**
     * The sampler runs on a thread of its own, not on a Vert.x timer: a timer fires on one of the
     * loops, which then cannot see its own lag (the timer itself is late) and, posting to itself,
     * measured only that loop.
     */
    void start(@Observes StartupEvent event) {
        sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "gad-event-loop-lag");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(this::sampleEveryLoop, SAMPLE_INTERVAL.toMillis(), SAMPLE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void sampleEveryLoop() {
        for (EventExecutor loop : loops()) {
            long asked = System.nanoTime();
            loop.execute(() -> lag.record(System.nanoTime() - asked, TimeUnit.NANOSECONDS));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (sampler != null) {
            sampler.shutdownNow();
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
        List<Uni<Long>> hops = new ArrayList<>();
        for (EventExecutor loop : loops()) {
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

    /** Vert.x has no handle on each of its loops; its Netty group (public API of Vertx) reaches all. */
    private Iterable<EventExecutor> loops() {
        return vertx.nettyEventLoopGroup();
    }
}
