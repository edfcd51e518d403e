package com.gad.stats.cache;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.util.TypeLiteral;

import com.gad.stats.config.GadConfig;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Every Redis call of the service goes through here: a time limit per call, and one circuit
 * breaker (SmallRye Fault Tolerance) for the whole Redis. After repeated failures the breaker
 * opens and calls fail at once, without touching the network, so a sick Redis costs nothing
 * but the database reads; after the delay, probe calls close it again.
 * Its state is the gauge {@code gad_cache_circuit_state} (0 closed, 1 open, 2 half-open).
 */
@ApplicationScoped
public class RedisGuard {

    /** Name under which the breaker is known to SmallRye's CircuitBreakerMaintenance. */
    public static final String BREAKER = "redis";

    private final Redis redis;
    private final TypedGuard<Uni<Response>> guard;
    private final AtomicInteger state = new AtomicInteger();

    RedisGuard(Redis redis, GadConfig config, MeterRegistry registry) {
        this.redis = redis;
        GadConfig.Breaker breaker = config.cache().breaker();
        this.guard = TypedGuard.create(new TypeLiteral<Uni<Response>>() {
        })
                .withCircuitBreaker()
                .name(BREAKER)
                .requestVolumeThreshold(breaker.requestVolume())
                .failureRatio(breaker.failureRatio())
                .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(breaker.successThreshold())
                .onStateChange(this::stateChanged)
                .done()
                .build();
        Gauge.builder("gad.cache.circuit.state", state, AtomicInteger::get)
                .description("Redis circuit breaker: 0 closed, 1 open, 2 half-open")
                .register(registry);
    }

    /** Sends one command, failing after {@code limit}; fails at once while the breaker is open. */
    public Uni<Response> send(Request request, Duration limit) {
        return guard.get(() -> redis.send(request)
                .ifNoItem().after(limit).fail());
    }

    /**
     * Opens the first Redis connection at start (without waiting for it), so the first requests do
     * not spend their short Redis time limit on connection set-up.
     */
    void connectEarly(@Observes StartupEvent event) {
        redis.send(Request.cmd(Command.PING))
                .subscribe().with(pong -> Log.debug("Redis connection ready"),
                        failure -> Log.warnf("Redis not reachable at start (%s); serving from PostgreSQL until it is",
                                failure.getClass().getSimpleName()));
    }

    /** Closes the breaker now (operators after a repair; tests between fault scenarios). */
    public void reset() {
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().reset(BREAKER);
        state.set(0);
    }

    /** closed, open or half_open. */
    public String state() {
        return switch (state.get()) {
            case 1 -> "open";
            case 2 -> "half_open";
            default -> "closed";
        };
    }

    private void stateChanged(CircuitBreakerState newState) {
        int code = switch (newState) {
            case OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 0;
        };
        state.set(code);
        Log.warnf("Redis circuit breaker %s", state());
    }
}
