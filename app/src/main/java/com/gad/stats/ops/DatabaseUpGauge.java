package com.gad.stats.ops;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * {@code gad_database_up}: 1 while PostgreSQL answers the reactive pool, 0 when it does not, so
 * the "database down" alert does not depend on a request missing the cache (cached answers keep
 * flowing without PostgreSQL). One {@code SELECT 1} every 15 s on the event loop, non-blocking,
 * with a 2 s timeout; -1 until the first probe has answered.
 */
@Singleton
public class DatabaseUpGauge {

    static final Duration INTERVAL = Duration.ofSeconds(15);
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final AtomicInteger up = new AtomicInteger(-1);
    private final Pool pool;
    private final Vertx vertx;
    private long timer = -1;

    DatabaseUpGauge(Pool pool, Vertx vertx, MeterRegistry registry) {
        this.pool = pool;
        this.vertx = vertx;
        Gauge.builder("gad.database.up", up, AtomicInteger::get)
                .description("1 when PostgreSQL answered the last probe of the reactive pool, 0 when not, -1 before the first")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        probe();
        timer = vertx.setPeriodic(INTERVAL.toMillis(), id -> probe());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void probe() {
        pool.query("SELECT 1").execute()
                .ifNoItem().after(TIMEOUT).fail()
                .subscribe().with(rows -> up.set(1), failure -> up.set(0));
    }
}
