package com.gad.stats.cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;


import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Where a command of the service's Redis client gets its connection, and the commands the service
 * sends outside the request breaker for its own checks. On a single Redis and on Cluster, one
 * connection held open ({@link HeldConnection} says why). On Sentinel, one of the client's pool per
 * command: the client asks its cached topology for the master at every connect, whereas a held
 * connection would stay on a master that Sentinel demoted while it stayed up, and the failover
 * watch reading through it would never see the change.
 */
@ApplicationScoped
public class RedisConnections {

    private final Redis redis;
    /** The connection every command goes through; null on Sentinel (one per command). */
    private final HeldConnection held;

    RedisConnections(Redis redis, RedisTopology topology) {
        this.redis = redis;
        this.held = topology.sentinel()
                ? null
                : new HeldConnection(redis, RedisGateway.BUSY_DEADLINE);
    }

    /** One command's use of a connection: tell it how the command ended. */
    interface Lease {
        RedisConnection connection();

        /** The command has ended, with {@code failure} or null. */
        void ended(Throwable failure);

        /** Its reply is later than its deadline because of Redis. */
        void late();
    }

    /** The connection for one command. */
    Uni<Lease> lease() {
        return held != null ? held.lease() : pooledLease(redis, RedisGateway.BUSY_DEADLINE);
    }

    /** A connection of {@code client}'s pool for one command, given back when the command ends. */
    static Uni<Lease> pooledLease(Redis client, Duration limit) {
        return pooled(client, limit).map(connection -> new Lease() {
            @Override
            public RedisConnection connection() {
                return connection;
            }

            @Override
            public void ended(Throwable failure) {
                connection.closeAndForget();
            }

            @Override
            public void late() {
                // its reply still comes on this connection, which goes back to the pool only then
            }
        });
    }

    /**
     * One command outside the request breaker, for the service's own checks (the near cache's echo,
     * topology reads): they must see Redis as it is, not as the breaker last judged it.
     */
    public Uni<Response> send(Request command) {
        return unguarded(connection -> connection.send(command));
    }

    /** Commands pipelined in one round trip (one slot), outside the request breaker like {@link #send}. */
    public Uni<List<Response>> batch(List<Request> commands) {
        return unguarded(connection -> connection.batch(commands));
    }

    private <T> Uni<T> unguarded(Function<RedisConnection, Uni<T>> call) {
        return lease().chain(lease -> call.apply(lease.connection())
                .onTermination().invoke((reply, failure, cancelled) -> lease.ended(failure)));
    }

    /**
     * Makes the connection at start (without waiting for it), so the first requests do not spend
     * their deadline on connection set-up; the readiness check's PING waits for it.
     */
    void connectAtStart(@Observes StartupEvent event) {
        send(Request.cmd(Command.PING))
                .subscribe().with(pong -> Log.debug("Redis connection ready"),
                        failure -> Log.warnf("Redis not reachable at start (%s); serving from PostgreSQL until it is",
                                CacheLog.describe(failure)));
    }

    /** The masters changed: a connection made on the new topology takes over. */
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
