package com.gad.stats.cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;


import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;

/**
 * Keeps the {@link NearCache} told of every change Redis sees under the cache's key prefixes,
 * whoever makes it (any instance, the database-driven invalidation, the admin endpoints, redis-cli),
 * through Redis server-assisted client-side caching in broadcasting mode:
 *
 * <pre>
 *   subscriber connection:  CLIENT ID → n;  SUBSCRIBE __redis__:invalidate   (waits for the confirmation)
 *   tracking connection:    CLIENT TRACKING on REDIRECT n BCAST PREFIX gad:gen: PREFIX gad:stats: ...
 * </pre>
 *
 * Only then is the link up and the near cache used. The lost-link rule: when either connection
 * closes or fails, or a periodic check finds tracking off, its redirect broken, the node no longer
 * a master (Sentinel failover), or its own echo not delivered: a SET and DEL of this instance's echo
 * key under the generation prefix, sent like any cache write (the service's client, wherever it now
 * routes writes), must come back through the subscriber within one check. That proves the whole
 * path end to end, and that tracking runs on the node the writes go to (after a Sentinel failover
 * the old master may still accept connections for a while), the near cache is flushed and bypassed, and the link is made again from
 * scratch. RESP2 pub/sub messages and RESP3 {@code invalidate} pushes are both understood.
 *
 * <p>On Redis Cluster this bean links nothing itself: {@link ClusterInvalidationLinks} makes one
 * such link per master, each on a client of its own node.
 */
@ApplicationScoped
public class InvalidationLink {

    /**
     * How often the link is checked (tracking still on, redirect intact, still the master). A check
     * that fails or takes longer than this counts as a lost link, so this is also how long a lost
     * link can go unseen: the near cache's staleness bound (docs/near-cache.md).
     */
    static final Duration LINK_CHECK = Duration.ofSeconds(1);
    /** Wait between attempts to re-establish a lost link: the near cache is bypassed meanwhile. */
    static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);

    static final String CHANNEL = "__redis__:invalidate";

    /** The two connections of one attempt at a link; an attempt that is no longer current is ignored. */
    private static final class Attempt {
        final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        volatile RedisConnection subscriber;
        volatile RedisConnection tracker;
        volatile boolean up;
        volatile boolean echoPending;
    }


    /** Where the two connections come from (the service's client, or one Cluster node's). */
    private final Redis node;
    /** Where the echo is written: the service's own client, routed like any cache write. */
    private final RedisConnections commands;
    private final String where;
    private final Runnable onUp;
    private final Runnable onLost;
    private final NearCache nearCache;
    private final Vertx vertx;
    private final List<String> prefixes;
    private final String echoPrefix;
    private final String echoKey;
    private final AtomicReference<Attempt> current = new AtomicReference<>();
    private volatile boolean stopped;
    private long checkTimer = -1;

    @Inject
    InvalidationLink(Redis redis, RedisConnections commands, NearCache nearCache, CacheKeys keys, Vertx vertx) {
        this(redis, commands, "", echoKeyOf(keys), nearCache::linkUp, nearCache::linkLost, nearCache, keys, vertx);
    }

    /**
     * A link whose connections come from {@code node} and whose echo {@code echoKey} is written
     * through {@code commands}; {@code onUp} and {@code onLost} are told of its state instead of the
     * near cache (a Cluster near cache is up only while every master's link is).
     */
    InvalidationLink(Redis node, RedisConnections commands, String where, String echoKey, Runnable onUp, Runnable onLost,
            NearCache nearCache, CacheKeys keys, Vertx vertx) {
        this.node = node;
        this.commands = commands;
        this.where = where;
        this.onUp = onUp;
        this.onLost = onLost;
        this.nearCache = nearCache;
        this.vertx = vertx;
        this.prefixes = keys.trackedPrefixes();
        this.echoPrefix = echoPrefixOf(keys);
        this.echoKey = echoKey;
    }

    static String echoPrefixOf(CacheKeys keys) {
        return keys.prefix() + "gen:link:";
    }

    /** This instance's echo key: under the generation prefix (tracked), unique per instance. */
    static String echoKeyOf(CacheKeys keys) {
        return echoPrefixOf(keys) + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    /** The one place that picks the link for the topology: this one, or one per Cluster master. */
    void start(@Observes StartupEvent event, ClusterInvalidationLinks cluster) {
        if (cluster.onCluster()) {
            cluster.start();
        } else {
            start();
        }
    }

    /** Starts linking (and keeps the link); nothing when the near cache is off. */
    void start() {
        if (!nearCache.active()) {
            Log.infof("near cache: %s", nearCache.offReason());
            return;
        }
        checkTimer = vertx.setPeriodic(LINK_CHECK.toMillis(), id -> check());
        connect();
    }

    void stop(@Observes ShutdownEvent event, ClusterInvalidationLinks cluster) {
        stop();
        cluster.stop();
    }

    void stop() {
        stopped = true;
        if (checkTimer >= 0) {
            vertx.cancelTimer(checkTimer);
        }
        Attempt attempt = current.getAndSet(null);
        if (attempt != null) {
            close(attempt);
        }
    }

    private void connect() {
        if (stopped) {
            return;
        }
        Attempt attempt = new Attempt();
        current.set(attempt);
        subscribed(attempt)
                .chain(clientId -> tracking(attempt, clientId))
                .ifNoItem().after(LINK_CHECK.multipliedBy(5)).fail()
                .subscribe().with(ignored -> {
                    if (current.get() == attempt && !stopped) {
                        attempt.up = true;
                        onUp.run();
                        Log.infof("near cache: invalidation link up%s (Redis tracking, broadcasting mode)", where);
                    } else {
                        close(attempt);
                    }
                }, failure -> lost(attempt, "could not be made (" + CacheLog.describe(failure) + ")"));
    }

    /** The subscriber connection, subscribed (confirmation received); its client id. */
    private Uni<Long> subscribed(Attempt attempt) {
        return node.connect()
                .map(connection -> stillCurrent(attempt, connection))
                .chain(connection -> {
                    attempt.subscriber = connection;
                    connection.handler(message -> received(attempt, message));
                    connection.exceptionHandler(failure -> lost(attempt, "subscriber failed (" + CacheLog.describe(failure) + ")"));
                    connection.endHandler(() -> lost(attempt, "subscriber connection closed"));
                    return connection.send(Request.cmd(Command.CLIENT).arg("ID"))
                            .map(Response::toLong)
                            .call(() -> connection.send(Request.cmd(Command.SUBSCRIBE).arg(CHANNEL)))
                            .call(() -> Uni.createFrom().completionStage(attempt.subscribed));
                });
    }

    private Uni<Void> tracking(Attempt attempt, long subscriberId) {
        return node.connect()
                .map(connection -> stillCurrent(attempt, connection))
                .chain(connection -> {
                    attempt.tracker = connection;
                    // RESP3 sends this connection a push when the redirect breaks: any push is a lost link
                    connection.handler(push -> lost(attempt, "tracking connection got " + push));
                    connection.exceptionHandler(failure -> lost(attempt, "tracking failed (" + CacheLog.describe(failure) + ")"));
                    connection.endHandler(() -> lost(attempt, "tracking connection closed"));
                    Request on = Request.cmd(Command.CLIENT).arg("TRACKING").arg("on").arg("REDIRECT").arg(subscriberId).arg("BCAST");
                    prefixes.forEach(prefix -> on.arg("PREFIX").arg(prefix));
                    return connection.send(on).replaceWithVoid();
                });
    }

    /** A connection that arrives for an attempt given up meanwhile is closed, not kept. */
    private RedisConnection stillCurrent(Attempt attempt, RedisConnection connection) {
        if (current.get() != attempt) {
            connection.closeAndForget();
            throw new IllegalStateException("the attempt was given up");
        }
        return connection;
    }

    /** A pub/sub message (RESP2) or push (RESP3) on the subscriber connection. */
    private void received(Attempt attempt, Response message) {
        if (current.get() != attempt || message == null || message.size() < 2) {
            return;
        }
        String kind = message.get(0).toString();
        switch (kind) {
            case "subscribe" -> {
                if (CHANNEL.equals(message.get(1).toString())) {
                    attempt.subscribed.complete(null);
                }
            }
            case "message" -> {
                if (message.size() == 3 && CHANNEL.equals(message.get(1).toString())) {
                    invalidated(attempt, message.get(2));
                }
            }
            case "invalidate" -> invalidated(attempt, message.get(1));
            default -> Log.debugf("near cache: ignored %s message", kind);
        }
    }

    /** The keys Redis names; none (null) means the whole database was flushed. */
    private void invalidated(Attempt attempt, Response keys) {
        if (keys == null) {
            nearCache.flushedByRedis();
            return;
        }
        if (keys.type() != ResponseType.MULTI) {
            invalidatedKey(attempt, keys.toString()); // a single key sent as a bulk string
            return;
        }
        for (Response key : keys) {
            invalidatedKey(attempt, key.toString());
        }
    }

    private void invalidatedKey(Attempt attempt, String key) {
        if (key.startsWith(echoPrefix)) {
            if (key.equals(echoKey)) {
                attempt.echoPending = false;
            }
            return; // another instance's echo
        }
        long user = CacheKeys.userOf(key);
        if (user < 0) {
            nearCache.flushedByRedis(); // a key under a tracked prefix without a user: play safe
        } else {
            nearCache.invalidatedByRedis(user);
        }
    }

    /**
     * The periodic check: the last echo came back, tracking is still on with its redirect intact, on
     * a master; then the next echo.
     */
    private void check() {
        Attempt attempt = current.get();
        if (attempt == null || !attempt.up || stopped) {
            return;
        }
        if (attempt.echoPending) {
            lost(attempt, "its echo did not come back within " + LINK_CHECK.toMillis() + " ms");
            return;
        }
        attempt.echoPending = true;
        // set and deleted in one pipeline: Redis runs both in one go, so the key never lingers
        commands.batch(List.of(Request.cmd(Command.SET).arg(echoKey).arg("echo"), Request.cmd(Command.DEL).arg(echoKey)))
                .ifNoItem().after(LINK_CHECK).fail()
                .subscribe().with(sent -> {
                }, failure -> lost(attempt, "echo not sent (" + CacheLog.describe(failure) + ")"));
        attempt.tracker.batch(List.of(Request.cmd(Command.CLIENT).arg("TRACKINGINFO"), Request.cmd(Command.ROLE)))
                .ifNoItem().after(LINK_CHECK).fail()
                .subscribe().with(replies -> {
                    String tracking = String.valueOf(replies.get(0));
                    String role = replies.get(1).get(0).toString();
                    if (!tracking.contains("bcast") || tracking.contains("broken_redirect")) {
                        lost(attempt, "tracking is off or its redirect is broken");
                    } else if (!"master".equals(role)) {
                        lost(attempt, "the node is a " + role + " now (failover)");
                    }
                }, failure -> lost(attempt, "check failed (" + CacheLog.describe(failure) + ")"));
    }

    /** The lost-link rule: flush and bypass the near cache, drop both connections, link again later. */
    private void lost(Attempt attempt, String why) {
        if (!current.compareAndSet(attempt, null)) {
            return; // an older attempt, already replaced
        }
        onLost.run();
        if (!stopped) {
            if (attempt.up) {
                Log.warnf("near cache: invalidation link%s lost, %s; flushed and bypassed until it is back", where, why);
            } else {
                Log.debugf("near cache: invalidation link%s %s; trying again", where, why); // once a second while Redis is away
            }
            vertx.setTimer(RECONNECT_DELAY.toMillis(), id -> connect());
        }
        close(attempt);
    }

    private static void close(Attempt attempt) {
        attempt.subscribed.completeExceptionally(new IllegalStateException("link closed"));
        RedisConnection tracker = attempt.tracker;
        if (tracker != null) {
            // Tracking off, then back to the pool clean. Not QUIT: its reply comes before the server
            // closes the socket, and in between the pool could lend the connection to a cache read,
            // which then failed on the closed channel (seen in FaultTest: a read declared Redis at
            // fault, 2 s after a lost link, when the delayed QUIT got its answer). The command fails
            // only on a broken connection, and the pool does not take back a closed one. The handlers
            // set above stay on the pooled connection and answer only this attempt, no longer current.
            tracker.send(Request.cmd(Command.CLIENT).arg("TRACKING").arg("off"))
                    .onTermination().invoke(tracker::closeAndForget)
                    .subscribe().with(ok -> {
                    }, failure -> {
                    });
        }
        RedisConnection subscriber = attempt.subscriber;
        if (subscriber != null) {
            subscriber.closeAndForget(); // subscribed: the pool closes it instead of reusing it
        }
    }
}
