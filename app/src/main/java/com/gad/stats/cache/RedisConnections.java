package com.gad.stats.cache;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Where a command on the service's Redis client gets its connection: on a single Redis (or the
 * Sentinel master) one of the client's pool per command; on Cluster the one connection held open
 * ({@link HeldClusterConnection} says why). Waiting for a connection is bounded by
 * {@link RedisGateway#BUSY_DEADLINE}.
 */
@ApplicationScoped
public class RedisConnections {

    private final Redis redis;
    /** On Cluster, the connection every command goes through; null otherwise. */
    private final HeldClusterConnection held;

    RedisConnections(Redis redis,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis;
        this.held = "cluster".equals(clientType.toLowerCase(Locale.ROOT))
                ? new HeldClusterConnection(redis, RedisGateway.BUSY_DEADLINE)
                : null;
    }

    /** A connection for one command; hand it back with {@link #done} when the command has ended. */
    Uni<RedisConnection> connection() {
        return held != null ? held.connection() : pooled(redis, RedisGateway.BUSY_DEADLINE);
    }

    /** The command on {@code connection} has ended, with {@code failure} or null. */
    void done(RedisConnection connection, Throwable failure) {
        if (held == null) {
            connection.closeAndForget();
        } else if (failure != null) {
            held.commandFailed(connection, failure);
        }
    }

    /**
     * One command outside the request breaker, for the service's own checks (the near cache's echo,
     * topology reads): they must see Redis as it is, not as the breaker last judged it.
     */
    public Uni<Response> send(Request command) {
        return connection().chain(connection -> connection.send(command)
                .onTermination().invoke((reply, failure, cancelled) -> done(connection, failure)));
    }

    /** Commands pipelined in one round trip (one slot), outside the request breaker like {@link #send}. */
    public Uni<List<Response>> batch(List<Request> commands) {
        return connection().chain(connection -> connection.batch(commands)
                .onTermination().invoke((replies, failure, cancelled) -> done(connection, failure)));
    }

    /** The masters changed: on Cluster, a connection made on the new topology takes over. */
    void masterChanged(@Observes MasterChange change) {
        if (held != null) {
            held.topologyChanged();
        }
    }

    @PreDestroy
    void close() {
        if (held != null) {
            held.close();
        }
    }

    /**
     * A connection of {@code client}'s pool, waited for at most {@code limit}. The client hands it
     * over all the same when it comes (a cancelled wait does not cancel the pool's), so it is closed
     * then, not leaked.
     */
    static Uni<RedisConnection> pooled(Redis client, Duration limit) {
        Uni<RedisConnection> connecting = client.connect().memoize().indefinitely();
        return connecting.ifNoItem().after(limit).recoverWithUni(() -> {
            connecting.subscribe().with(RedisConnection::closeAndForget, failure -> {
            });
            return Uni.createFrom().failure(new TimeoutException("no Redis connection within the busy deadline"));
        });
    }
}
