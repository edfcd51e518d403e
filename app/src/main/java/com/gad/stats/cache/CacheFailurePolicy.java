package com.gad.stats.cache;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;

import com.gad.stats.config.GadConfig;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;

/**
 * What the service does when Redis misbehaves, in one place:
 * <ul>
 * <li><b>deadline</b>: a request-path Redis call fails after {@code gad.cache.redis-timeout};
 * admin scans get {@link #ADMIN_DEADLINE};</li>
 * <li><b>breaker</b>: one SmallRye circuit breaker for the whole Redis. After repeated failures it
 * opens and calls fail at once without touching the network; after its delay, probe calls close it
 * again. Its state is the gauge {@code gad_cache_circuit_state} (0 closed, 1 open, 2 half-open);</li>
 * <li><b>fallback</b>: a failed read is answered from PostgreSQL and nothing is stored
 * ({@link CacheAside}, outcome {@link CacheOutcome#UNAVAILABLE}); a failed write-back is logged
 * and counted and never fails the request; a failed invalidation after a task write is logged and
 * counted (the value expires within its TTL), while the invalidation endpoint answers 503.</li>
 * </ul>
 * Every Redis command of the service goes through {@link #onRequestPath} or {@link #onAdminPath}.
 */
@ApplicationScoped
public class CacheFailurePolicy {

    /** Name under which the breaker is known to SmallRye's CircuitBreakerMaintenance. */
    public static final String BREAKER = "redis";
    /** Admin scans walk the whole keyspace in batches: each batch may take longer than a lookup. */
    static final Duration ADMIN_DEADLINE = Duration.ofSeconds(5);

    private final TypedGuard<Uni<Object>> breaker;
    private final Duration requestDeadline;

    CacheFailurePolicy(GadConfig config, MeterRegistry registry) {
        GadConfig.Breaker settings = config.cache().breaker();
        this.requestDeadline = config.cache().redisTimeout();
        this.breaker = TypedGuard.create(new TypeLiteral<Uni<Object>>() {
        })
                .withCircuitBreaker()
                .name(BREAKER)
                .requestVolumeThreshold(settings.requestVolume())
                .failureRatio(settings.failureRatio())
                .delay(settings.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(settings.successThreshold())
                .onStateChange(CacheFailurePolicy::stateChanged)
                .done()
                .build();
        Gauge.builder("gad.cache.circuit.state", this, CacheFailurePolicy::stateCode)
                .description("Redis circuit breaker: 0 closed, 1 open, 2 half-open")
                .register(registry);
    }

    /** A Redis call of a request: the request deadline, under the breaker. */
    public <T> Uni<T> onRequestPath(Supplier<Uni<T>> call) {
        return guarded(call, requestDeadline);
    }

    /** A Redis call of an admin endpoint or a probe: a longer deadline, under the same breaker. */
    public <T> Uni<T> onAdminPath(Supplier<Uni<T>> call) {
        return guarded(call, ADMIN_DEADLINE);
    }

    @SuppressWarnings("unchecked")
    private <T> Uni<T> guarded(Supplier<Uni<T>> call, Duration deadline) {
        return (Uni<T>) breaker.get(() -> (Uni<Object>) call.get()
                .ifNoItem().after(deadline).fail());
    }

    /** closed, open or half_open. */
    public String breakerState() {
        return currentState().name().toLowerCase(Locale.ROOT);
    }

    private CircuitBreakerState currentState() {
        return CircuitBreakerMaintenance.get().currentState(BREAKER);
    }

    private int stateCode() {
        return switch (currentState()) {
            case OPEN -> 1;
            case HALF_OPEN -> 2;
            case CLOSED -> 0;
        };
    }

    private static void stateChanged(CircuitBreakerState newState) {
        Log.warnf("Redis circuit breaker %s", newState.name().toLowerCase(Locale.ROOT));
    }
}
