package com.gad.stats.cache;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;

import com.gad.stats.config.GadConfig;
import com.gad.stats.overload.EventLoopLag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Every Redis command of the service goes through here, and so does the judgement of a Redis failure:
 * <ul>
 * <li><b>deadline</b>: a Redis call fails when its reply is later than {@code gad.cache.redis-timeout}
 * (admin scans: {@link #ADMIN_DEADLINE}) <em>because of Redis</em>. When the deadline passes, the
 * event loop is probed ({@link EventLoopLag#probe}): a slow hop means this process is saturated and
 * the reply may already sit in a socket, so the call gets another deadline, up to
 * {@link #BUSY_DEADLINE} in all; a quick hop means the loop has read its sockets since, so a reply
 * that had come is accepted and one that has not means Redis is late: the call fails. A busy process
 * therefore never counts as a Redis failure, and a slow or hung Redis is still cut after one deadline
 * and a probe;</li>
 * <li><b>breaker</b>: one SmallRye circuit breaker for the whole Redis. After repeated failures it
 * opens and calls fail at once without touching the network; after its delay, probe calls close it
 * again. Its state is the gauge {@code gad_cache_circuit_state} (0 closed, 1 open, 2 half-open).</li>
 * </ul>
 * What a failed call then costs is the caller's to decide: a read goes to PostgreSQL through
 * {@link DatabaseFallbackBulkhead}, a failed write-back is only counted, a failed invalidation is
 * counted and the database listeners repeat it ({@link CacheInvalidation}); docs/failure-behaviour.md
 * has the table.
 */
@Startup // the breaker's gauge is exposed from the start
@ApplicationScoped
public class RedisGateway {

    /** Name under which the breaker is known to SmallRye's CircuitBreakerMaintenance. */
    public static final String BREAKER = "redis";
    /** Admin scans walk the whole keyspace in batches: each batch may take longer than a lookup. */
    static final Duration ADMIN_DEADLINE = Duration.ofSeconds(5);
    /** A hop onto an idle event loop takes well under a millisecond; this much means it is busy. */
    static final Duration BUSY_LOOP = Duration.ofMillis(5);
    /**
     * The longest a call may wait in all (for a connection to be made, and for its reply while this
     * process is too busy to judge Redis): past it the request is served from PostgreSQL, which a
     * saturated process would otherwise never reach. A second is well past any healthy reply.
     */
    static final Duration BUSY_DEADLINE = Duration.ofSeconds(1);
    /**
     * The breaker judges the last 20 calls and opens when half of them failed: a few timeouts of a
     * healthy Redis (a fork for a snapshot) never open it, a dead or hung one opens it within 20
     * requests. Open, it lets a probe through after 5 s, the time a Sentinel or Cluster failover
     * takes, and two successful probes close it.
     */
    static final int BREAKER_WINDOW = 20;
    static final double BREAKER_FAILURE_RATIO = 0.5;
    static final Duration BREAKER_DELAY = Duration.ofSeconds(5);
    static final int BREAKER_PROBES_TO_CLOSE = 2;

    private final RedisConnections connections;
    private final TypedGuard<Uni<Object>> breaker;
    private final EventLoopLag loop;
    private final Duration requestDeadline;
    private final Counter excusedDeadlines;

    RedisGateway(RedisConnections connections, GadConfig config, EventLoopLag loop, MeterRegistry registry) {
        this.connections = connections;
        this.loop = loop;
        this.requestDeadline = config.cache().redisTimeout();
        this.breaker = TypedGuard.create(new TypeLiteral<Uni<Object>>() {
        })
                .withCircuitBreaker()
                .name(BREAKER)
                .requestVolumeThreshold(BREAKER_WINDOW)
                .failureRatio(BREAKER_FAILURE_RATIO)
                .delay(BREAKER_DELAY.toMillis(), ChronoUnit.MILLIS)
                .successThreshold(BREAKER_PROBES_TO_CLOSE)
                .onStateChange(RedisGateway::stateChanged)
                .done()
                .build();
        Gauge.builder("gad.cache.circuit.state", this, RedisGateway::stateCode)
                .description("Redis circuit breaker: 0 closed, 1 open, 2 half-open")
                .register(registry);
        this.excusedDeadlines = Counter.builder("gad.cache.deadline.excused")
                .description("Redis replies later than the deadline because this process, not Redis, was busy; accepted")
                .register(registry);
    }

    /** A Redis command of a request: the request deadline, under the breaker. */
    public Uni<Response> send(Request command) {
        return guarded(connections::lease, connection -> connection.send(command), requestDeadline)
                .map(Response.class::cast);
    }

    /** Commands of a request pipelined in one round trip (one slot): the request deadline, under the breaker. */
    @SuppressWarnings("unchecked")
    public Uni<List<Response>> sendBatch(List<Request> commands) {
        return guarded(connections::lease, connection -> connection.batch(commands), requestDeadline)
                .map(replies -> (List<Response>) replies);
    }

    /** A Redis command of an admin endpoint: a longer deadline, under the same breaker. */
    public Uni<Response> sendAdmin(Request command) {
        return guarded(connections::lease, connection -> connection.send(command), ADMIN_DEADLINE)
                .map(Response.class::cast);
    }

    /**
     * An admin command to one node through its own client ({@code node}), e.g. a SCAN on one
     * Cluster master, which the cluster client cannot address: same deadline and breaker.
     */
    public Uni<Response> sendAdmin(Redis node, Request command) {
        return guarded(() -> RedisConnections.pooledLease(node, BUSY_DEADLINE), connection -> connection.send(command), ADMIN_DEADLINE)
                .map(Response.class::cast);
    }

    /** Admin commands to one node, pipelined in one round trip; the replies in order. */
    @SuppressWarnings("unchecked")
    public Uni<List<Response>> sendAdminBatch(Redis node, List<Request> commands) {
        return guarded(() -> RedisConnections.pooledLease(node, BUSY_DEADLINE), connection -> connection.batch(commands), ADMIN_DEADLINE)
                .map(replies -> (List<Response>) replies);
    }

    /**
     * The deadline counts from the moment the command has a connection: the service's is held open
     * ({@link RedisConnections}); waiting for one being made, or for an admin node client's pooled
     * one, is bounded by the busy deadline instead.
     */
    private Uni<Object> guarded(Supplier<Uni<RedisConnections.Lease>> leasing, Function<RedisConnection, Uni<?>> call,
            Duration deadline) {
        return breaker.get(() -> Uni.createFrom().<Object> deferred(() -> {
            Context caller = Vertx.currentContext();
            long giveUpNanos = System.nanoTime() + BUSY_DEADLINE.toNanos();
            return leasing.get().chain(lease -> {
                Uni<Object> running = call.apply(lease.connection())
                        .onTermination().invoke((reply, failure, cancelled) -> lease.ended(failure))
                        .map(Object.class::cast)
                        .memoize().indefinitely();
                return judged(running, deadline, caller, giveUpNanos)
                        .onFailure(TimeoutException.class).invoke(lease::late);
            });
        }));
    }

    /** The reply, or a failure once Redis (not this process) has let {@code deadline} pass. */
    private Uni<Object> judged(Uni<Object> running, Duration deadline, Context caller, long giveUpNanos) {
        return running.ifNoItem().after(deadline).recoverWithUni(() -> loop.probe(caller)
                .chain(hop -> {
                    if (hop.compareTo(BUSY_LOOP) > 0 && System.nanoTime() < giveUpNanos) {
                        excusedDeadlines.increment();
                        return judged(running, deadline, caller, giveUpNanos);
                    }
                    // the loop has read its sockets since the deadline: a reply that had come is in
                    return running.ifNoItem().after(Duration.ofMillis(1)).failWith(TimeoutException::new)
                            .invoke(() -> excusedDeadlines.increment());
                }));
    }

    /** closed, open or half_open. */
    public String breakerState() {
        return currentState().name().toLowerCase(Locale.ROOT);
    }

    private static CircuitBreakerState currentState() {
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
