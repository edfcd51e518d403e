package com.gad.stats.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;

/**
 * The one connection through which every command of the service's Redis client goes on a single
 * Redis and on Cluster, held open instead of taken from the client's pool per command (not on
 * Sentinel: {@link RedisConnections}). Each socket pipelines the commands of every
 * request (Redis runs them one at a time anyway), and each reply is handed back on its caller's
 * event loop. Why (both measured):
 * <ul>
 * <li><b>a slow Redis</b>: per command, while a slow Redis held every pooled connection, a new
 * command waited for one up to the busy deadline (1 s) although this process was idle; on a held
 * connection a command waits for nothing but its reply, and the deadline cuts that;</li>
 * <li><b>a silent Cluster node</b>: the Vert.x cluster client's {@code connect()} takes a pooled
 * socket to every node the cluster lists, replicas included, and completes only when all of them
 * are ready. A replica that stopped answering stalled every connection that needed a new socket to
 * it, and the stalled ones kept their sockets to the masters until the pools ran dry: one silent
 * replica, which serves no command of ours, took the whole cache down. A held connection needs
 * no new socket to a node it already has.</li>
 * </ul>
 *
 * <p>It is renewed when one of its sockets ends or fails, when a command on it fails (a closed
 * socket, a master demoted to replica answering {@code READONLY}) or is answered later than its
 * deadline (what follows on that socket would wait behind it), and when the masters change. The
 * renewal is made beside it and takes over only once ready: while a dead Cluster master is still
 * listed (a new connection cannot be made before it is failed over), the held one keeps serving the
 * other masters. One renewal is made at a time; one not ready within {@code connectLimit} is
 * abandoned (closed when it comes) and the next reason to renew starts another. A connection taken
 * over is closed once its last command has ended, so its sockets go back to the client's pool with
 * no late reply still to come.
 */
final class HeldConnection {

    /** One command's use of the held connection. */
    final class Lease implements RedisConnections.Lease {
        private final Slot slot;

        private Lease(Slot slot) {
            this.slot = slot;
        }

        @Override
        public RedisConnection connection() {
            return slot.connection;
        }

        /** A failure means a socket of it may be gone: renew. */
        @Override
        public void ended(Throwable failure) {
            if (failure != null && current.get() == slot) {
                make("a command failed: " + CacheLog.describe(failure));
            }
            slot.release();
        }

        /** What follows on its sockets would wait behind the late reply: renew. */
        @Override
        public void late() {
            if (current.get() == slot) {
                make("a reply was later than its deadline");
            }
        }
    }

    /** A connection and the commands in flight on it; closed once taken over and idle. */
    private static final class Slot {
        final RedisConnection connection;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile boolean retired;

        Slot(RedisConnection connection) {
            this.connection = connection;
        }

        void release() {
            if (inFlight.decrementAndGet() == 0 && retired) {
                close();
            }
        }

        void retire() {
            retired = true;
            if (inFlight.get() == 0) {
                close();
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                connection.closeAndForget();
            }
        }
    }

    private final Redis client;
    private final Duration connectLimit;
    /** The connection in use; null before the first is ready. */
    private final AtomicReference<Slot> current = new AtomicReference<>();
    /** The connection being made (the first, or a renewal); null when none is. */
    private final AtomicReference<CompletableFuture<Slot>> making = new AtomicReference<>();

    HeldConnection(Redis client, Duration connectLimit) {
        this.client = client;
        this.connectLimit = connectLimit;
    }

    /** The held connection for one command; before the first is ready, waits for it (at most the limit). */
    Uni<RedisConnections.Lease> lease() {
        Lease lease = leaseOfCurrent();
        if (lease != null) {
            return Uni.createFrom().item(lease);
        }
        return Uni.createFrom().completionStage(make("first use"))
                .ifNoItem().after(connectLimit)
                .failWith(() -> new TimeoutException("no Redis connection within the busy deadline"))
                .map(ready -> {
                    RedisConnections.Lease leased = leaseOfCurrent();
                    if (leased == null) {
                        throw new IllegalStateException("the Redis connection was closed");
                    }
                    return leased;
                });
    }

    private Lease leaseOfCurrent() {
        while (true) {
            Slot slot = current.get();
            if (slot == null) {
                return null;
            }
            slot.inFlight.incrementAndGet();
            if (!slot.retired) {
                return new Lease(slot);
            }
            slot.release(); // taken over meanwhile: lease its successor
        }
    }

    /** The masters changed: a connection made on the new topology takes over once ready. */
    void topologyChanged() {
        make("the masters changed");
    }

    void close() {
        Slot closing = current.getAndSet(null);
        if (closing != null) {
            closing.close();
        }
    }

    /** Starts making a connection unless one is being made; the one being made. */
    private CompletableFuture<Slot> make(String why) {
        CompletableFuture<Slot> inFlight = making.get();
        if (inFlight != null) {
            return inFlight;
        }
        CompletableFuture<Slot> next = new CompletableFuture<>();
        if (!making.compareAndSet(null, next)) {
            CompletableFuture<Slot> other = making.get();
            return other != null ? other : make(why);
        }
        Log.debugf("cache: making a Redis connection (%s)", why);
        RedisConnections.pooled(client, connectLimit)
                .subscribe().with(connection -> takeOver(next, connection), failure -> {
                    making.compareAndSet(next, null);
                    next.completeExceptionally(failure);
                    Log.debugf("cache: could not make a Redis connection (%s)", CacheLog.describe(failure));
                });
        return next;
    }

    private void takeOver(CompletableFuture<Slot> made, RedisConnection connection) {
        if (!making.compareAndSet(made, null)) {
            connection.closeAndForget(); // abandoned meanwhile
            return;
        }
        Slot slot = new Slot(connection);
        // a socket of it that ends or fails: renew, this one serving meanwhile what it still can
        connection.endHandler(() -> {
            if (current.get() == slot) {
                make("a socket closed");
            }
        });
        connection.exceptionHandler(failure -> {
            if (current.get() == slot) {
                make("a socket failed: " + CacheLog.describe(failure));
            }
        });
        Slot previous = current.getAndSet(slot);
        if (previous != null) {
            previous.retire();
        }
        made.complete(slot);
    }
}
