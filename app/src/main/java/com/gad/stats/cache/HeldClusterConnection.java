package com.gad.stats.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;

/**
 * On Redis Cluster, the one connection through which the gateway sends every command, held open
 * instead of taken from the client per command as on a single Redis.
 *
 * <p>Why: the Vert.x cluster client's {@code connect()} takes a pooled socket to every node the
 * cluster lists, replicas included, and completes only when all of them are ready; one node that
 * refuses fails it. A replica that stops answering (a stopped process, a partition) then stalled
 * every connection that needed a new socket to it, and the stalled ones kept their sockets to the
 * masters until the pools ran dry: one silent replica, which serves no command of ours, took the
 * whole cache down until it answered again. A held connection needs no new socket to a node it
 * already has; each node's socket pipelines the commands of every request (Redis runs them one at a
 * time anyway), and each reply is handed back on its caller's event loop.
 *
 * <p>It is renewed when one of its sockets ends or fails, when a command on it fails other than by
 * its deadline, and when the masters change. The renewal is built beside it and takes over only
 * once ready: while a dead master is still listed (a new connection cannot be made before the
 * cluster fails it over), the held one keeps serving the other masters. One renewal is built at a
 * time; one not ready within {@code connectLimit} is abandoned (closed when it comes) and the next
 * reason to renew starts another.
 */
final class HeldClusterConnection {

    private final Redis client;
    private final Duration connectLimit;
    /** The connection in use; null before the first is ready. */
    private final AtomicReference<RedisConnection> current = new AtomicReference<>();
    /** The connection being made (the first, or a renewal); null when none is. */
    private final AtomicReference<CompletableFuture<RedisConnection>> making = new AtomicReference<>();

    HeldClusterConnection(Redis client, Duration connectLimit) {
        this.client = client;
        this.connectLimit = connectLimit;
    }

    /** The held connection; before the first is ready, waits for it (at most the limit). */
    Uni<RedisConnection> connection() {
        RedisConnection ready = current.get();
        if (ready != null) {
            return Uni.createFrom().item(ready);
        }
        CompletableFuture<RedisConnection> first = make("first use");
        return Uni.createFrom().completionStage(first)
                .ifNoItem().after(connectLimit)
                .failWith(() -> new TimeoutException("no Redis connection within the busy deadline"));
    }

    /** A command on {@code connection} failed other than by its deadline: a socket of it may be gone. */
    void commandFailed(RedisConnection connection, Throwable failure) {
        if (current.get() == connection) {
            make("a command failed: " + CacheLog.describe(failure));
        }
    }

    /** The masters changed: a connection made on the new topology takes over once ready. */
    void topologyChanged() {
        make("the masters changed");
    }

    void close() {
        RedisConnection closing = current.getAndSet(null);
        if (closing != null) {
            closing.closeAndForget();
        }
    }

    /** Starts making a connection unless one is being made; the one being made. */
    private CompletableFuture<RedisConnection> make(String why) {
        CompletableFuture<RedisConnection> inFlight = making.get();
        if (inFlight != null) {
            return inFlight;
        }
        CompletableFuture<RedisConnection> next = new CompletableFuture<>();
        if (!making.compareAndSet(null, next)) {
            return making.get() == null ? make(why) : making.get();
        }
        Log.debugf("cache: making a Redis Cluster connection (%s)", why);
        RedisConnections.pooled(client, connectLimit)
                .subscribe().with(connection -> takeOver(next, connection), failure -> {
                    making.compareAndSet(next, null);
                    next.completeExceptionally(failure);
                    Log.debugf("cache: could not make a Redis Cluster connection (%s)", CacheLog.describe(failure));
                });
        return next;
    }

    private void takeOver(CompletableFuture<RedisConnection> made, RedisConnection connection) {
        if (!making.compareAndSet(made, null)) {
            connection.closeAndForget(); // abandoned meanwhile
            return;
        }
        // a socket of it that ends or fails: renew, this one serving meanwhile what it still can
        connection.endHandler(() -> make("a node's socket closed"));
        connection.exceptionHandler(failure -> make("a node's socket failed: " + CacheLog.describe(failure)));
        RedisConnection previous = current.getAndSet(connection);
        if (previous != null) {
            previous.closeAndForget();
        }
        made.complete(connection);
    }
}
