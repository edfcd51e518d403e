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

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;

import com.gad.stats.config.GadConfig;
import com.gad.stats.overload.EventLoopLag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
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
 * What the service does when Redis misbehaves, in one place:
 * <ul>
 * <li><b>deadline</b>: a Redis call fails when its reply is later than {@code gad.cache.redis-timeout}
 * (admin scans: {@link #ADMIN_DEADLINE}) <em>because of Redis</em>. When the deadline passes, the
 * event loop is probed ({@link EventLoopLag#probe}): a slow hop means this process is saturated and
 * the reply may already sit in a socket, so the call gets another deadline, up to
 * {@code gad.cache.redis-busy-deadline} in all; a quick hop means the loop has read its sockets since,
 * so a reply that had come is accepted and one that has not means Redis is late: the call fails. A busy process therefore never
 * counts as a Redis failure, and a slow or hung Redis is still cut after one deadline and a probe;</li>
 * <li><b>breaker</b>: one SmallRye circuit breaker for the whole Redis. After repeated failures it
 * opens and calls fail at once without touching the network; after its delay, probe calls close it
 * again. Its state is the gauge {@code gad_cache_circuit_state} (0 closed, 1 open, 2 half-open);</li>
 * <li><b>fallback</b>: a read Redis could not serve is answered from PostgreSQL, through a SmallRye
 * bulkhead ({@code gad.cache.fallback.*}): at most so many such reads run at once and so many wait;
 * beyond that the request is shed with 503 and Retry-After ({@link CacheOverloadedException}), never
 * piled onto the database. Nothing is stored. A failed write-back is logged and counted and never
 * fails the request; a failed invalidation after a task write is logged and counted (the value
 * expires within its TTL), while the invalidation endpoint answers 503.</li>
 * </ul>
 */
@ApplicationScoped
public class CacheFailurePolicy implements DatabaseFallback {

    /** Name under which the breaker is known to SmallRye's CircuitBreakerMaintenance. */
    public static final String BREAKER = "redis";
    /** Admin scans walk the whole keyspace in batches: each batch may take longer than a lookup. */
    static final Duration ADMIN_DEADLINE = Duration.ofSeconds(5);
    /** A hop onto an idle event loop takes well under a millisecond; this much means it is busy. */
    static final Duration BUSY_LOOP = Duration.ofMillis(5);

    private final Redis redis;
    private final TypedGuard<Uni<Object>> breaker;
    private final TypedGuard<Uni<byte[]>> fallbacks;
    private final EventLoopLag loop;
    private final Duration requestDeadline;
    private final Duration busyDeadline;
    private final Counter excusedDeadlines;
    private final Counter fallbacksRun;
    private final Counter fallbacksShed;

    CacheFailurePolicy(Redis redis, GadConfig config, EventLoopLag loop, MeterRegistry registry) {
        this.redis = redis;
        GadConfig.Cache cache = config.cache();
        GadConfig.Breaker settings = cache.breaker();
        this.loop = loop;
        this.requestDeadline = cache.redisTimeout();
        this.busyDeadline = cache.redisBusyDeadline();
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
        this.fallbacks = TypedGuard.create(new TypeLiteral<Uni<byte[]>>() {
        })
                .withBulkhead()
                .limit(cache.fallback().concurrency())
                .queueSize(cache.fallback().queue())
                .done()
                .build();
        Gauge.builder("gad.cache.circuit.state", this, CacheFailurePolicy::stateCode)
                .description("Redis circuit breaker: 0 closed, 1 open, 2 half-open")
                .register(registry);
        this.excusedDeadlines = Counter.builder("gad.cache.deadline.excused")
                .description("Redis replies later than the deadline because this process, not Redis, was busy; accepted")
                .register(registry);
        this.fallbacksRun = fallbacks(registry, "redis_fault");
        this.fallbacksShed = fallbacks(registry, "bulkhead_full");
    }

    private static Counter fallbacks(MeterRegistry registry, String cause) {
        return Counter.builder("gad.cache.fallbacks")
                .description("Reads Redis could not serve: run on PostgreSQL (redis_fault) or shed (bulkhead_full)")
                .tag("cause", cause)
                .register(registry);
    }

    /** A Redis command of a request: the request deadline, under the breaker. */
    public Uni<Response> send(Request command) {
        return guarded(redis, connection -> connection.send(command), requestDeadline)
                .map(Response.class::cast);
    }

    /** Commands of a request pipelined in one round trip (one slot): the request deadline, under the breaker. */
    @SuppressWarnings("unchecked")
    public Uni<List<Response>> sendBatch(List<Request> commands) {
        return guarded(redis, connection -> connection.batch(commands), requestDeadline)
                .map(replies -> (List<Response>) replies);
    }

    /** A Redis command of an admin endpoint: a longer deadline, under the same breaker. */
    public Uni<Response> sendAdmin(Request command) {
        return sendAdmin(redis, command);
    }

    /**
     * An admin command to one node through its own client ({@code node}), e.g. a SCAN on one
     * Cluster master, which the cluster client cannot address: same deadline and breaker.
     */
    public Uni<Response> sendAdmin(Redis node, Request command) {
        return guarded(node, connection -> connection.send(command), ADMIN_DEADLINE)
                .map(Response.class::cast);
    }

    /** Admin commands to one node, pipelined in one round trip; the replies in order. */
    @SuppressWarnings("unchecked")
    public Uni<List<Response>> sendAdminBatch(Redis node, List<Request> commands) {
        return guarded(node, connection -> connection.batch(commands), ADMIN_DEADLINE)
                .map(replies -> (List<Response>) replies);
    }

    @Override
    public Uni<byte[]> read(Supplier<Uni<byte[]>> databaseRead) {
        return fallbacks.get(() -> {
            fallbacksRun.increment();
            return databaseRead.get();
        })
                .onFailure(BulkheadException.class).transform(full -> {
                    fallbacksShed.increment();
                    return new CacheOverloadedException(full);
                });
    }

    /**
     * The deadline counts from the moment the command has a connection: waiting for one of the
     * client's pooled connections (this process's queue) is bounded by the busy deadline instead.
     */
    private Uni<Object> guarded(Redis client, Function<RedisConnection, Uni<?>> call, Duration deadline) {
        return breaker.get(() -> Uni.createFrom().<Object> deferred(() -> {
            Context caller = Vertx.currentContext();
            long giveUpNanos = System.nanoTime() + busyDeadline.toNanos();
            Uni<RedisConnection> connecting = client.connect()
                    .memoize().indefinitely();
            return connecting
                    .ifNoItem().after(busyDeadline).recoverWithUni(() -> givenBackWhenItComes(connecting))
                    .chain(connection -> {
                        Uni<Object> running = call.apply(connection)
                                .onTermination().call(connection::close)
                                .map(Object.class::cast)
                                .memoize().indefinitely();
                        return judged(running, deadline, caller, giveUpNanos);
                    });
        }));
    }

    /**
     * Gives up waiting for a connection. The client hands it over all the same when it comes (a
     * cancelled wait does not cancel the pool's), so it is closed then, not leaked: on Cluster one
     * connection holds one pooled socket to every node.
     */
    private static Uni<RedisConnection> givenBackWhenItComes(Uni<RedisConnection> connecting) {
        connecting.subscribe().with(RedisConnection::closeAndForget, failure -> {
        });
        return Uni.createFrom().failure(new TimeoutException("no Redis connection within the busy deadline"));
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
