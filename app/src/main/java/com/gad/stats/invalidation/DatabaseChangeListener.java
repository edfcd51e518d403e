package com.gad.stats.invalidation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.gad.stats.database.PgPoolWithoutAcquireTimer;
import com.gad.stats.invalidation.InvalidationMetrics.Reason;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;

/**
 * LISTENs on one dedicated PostgreSQL connection (Vert.x {@link PgSubscriber}, non-blocking, with
 * reconnection) for the notifications of the {@code tareas} triggers, and hands them to the
 * {@link ChangeInvalidator}.
 *
 * <p>Notifications sent while nobody listens are lost. So:
 * <ul>
 * <li>every time LISTEN is (re)established, every value cached before is made stale;</li>
 * <li>every {@link #CHECK_INTERVAL} the connection is checked with {@code SELECT 1}
 * (a silently dropped connection is closed and reopened); while not listening, if PostgreSQL
 * answers the request pool, changes may be happening unheard and every cached value is made stale
 * again. If PostgreSQL does not answer, nothing is changing that this instance could read, and
 * cached values keep being served (as they are while PostgreSQL is down), each for its TTL at most.</li>
 * </ul>
 * {@code gad_invalidation_listener_up} is 1 while listening with nothing owed (no full invalidation
 * pending), 0 otherwise.
 */
@ApplicationScoped
public class DatabaseChangeListener {

    /** Where the V3 triggers send the changed delegados. */
    public static final String CHANGES_CHANNEL = "gad_stats_invalidate";
    /** Where instances tell each other a new cache epoch. */
    public static final String EPOCH_CHANNEL = "gad_stats_epoch";
    /** {@code application_name} of the listening connection, as pg_stat_activity shows it. */
    public static final String APPLICATION_NAME = "gad-stats-listener";
    /** Pause between attempts to (re)open the listening connection. */
    static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);
    /**
     * Every this long the listening connection is checked; while it is down and PostgreSQL answers
     * the pool, every cached value is made stale. So nothing cached more than this long before is
     * served while changes cannot be heard: the bound of docs/database-invalidation.md.
     */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    /** Time limit of that check, and of opening the listening connection: far above a healthy round trip. */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Vertx vertx;
    private final Pool pool;
    private final ChangeInvalidator invalidator;
    private final InvalidationMetrics metrics;
    private final InvalidationConfig config;
    private final PgPoolWithoutAcquireTimer poolServers;
    private final AtomicBoolean listening = new AtomicBoolean();
    private volatile Instant since = Instant.now();
    private volatile PgSubscriber subscriber;
    /** The connection LISTEN was last established on: listening only while it is still the subscriber's. */
    private volatile io.vertx.pgclient.PgConnection listenedOn;
    private long timer = -1;
    private volatile boolean stopped;
    /** First connection attempts that failed (only the first is logged as a warning). */
    private int failedConnects;

    DatabaseChangeListener(Vertx vertx, Pool pool, ChangeInvalidator invalidator, InvalidationMetrics metrics,
            InvalidationConfig config, PgPoolWithoutAcquireTimer poolServers, MeterRegistry registry) {
        this.vertx = vertx;
        this.pool = pool;
        this.invalidator = invalidator;
        this.metrics = metrics;
        this.config = config;
        this.poolServers = poolServers;
        Gauge.builder("gad.invalidation.listener.up", this, listener -> listener.up() ? 1 : 0)
                .description("1 while listening for database changes with every missed change covered, 0 otherwise")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        if (!config.listen()) {
            Log.info("database change listener off (gad.invalidation.listen=false): only API writes invalidate");
            return;
        }
        long retryMillis = RECONNECT_INTERVAL.toMillis();
        // the request pool (a CDI client proxy) is built on its first call, and its creator learns the
        // servers then: one call builds it, before its servers are copied
        pool.getDelegate().size();
        subscriber = PgSubscriber.subscriber(vertx, listenerOptions(poolServers.firstServer(), config.url()))
                .reconnectPolicy(attempt -> retryMillis);
        subscriber.channel(CHANGES_CHANNEL)
                .subscribeHandler(this::subscribed)
                .handler(invalidator::accept);
        subscriber.channel(EPOCH_CHANNEL)
                .handler(invalidator::adoptEpoch);
        connect();
        timer = vertx.setPeriodic(CHECK_INTERVAL.toMillis(), id -> check());
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (subscriber != null) {
            subscriber.closeAndForget();
        }
    }

    /** {@code up}, {@code catching_up} (listening, a full invalidation pending), {@code down} or {@code off}. */
    public String state() {
        if (subscriber == null) {
            return "off";
        }
        if (!listening()) {
            return "down";
        }
        return invalidator.owesFullInvalidation() ? "catching_up" : "up";
    }

    /** When listening last started or stopped. */
    public Instant since() {
        return since;
    }

    boolean up() {
        return listening() && !invalidator.owesFullInvalidation();
    }

    /**
     * LISTEN holds on the subscriber's current connection. A dropped connection is seen at once (the
     * subscriber forgets it), not only at the next check; a new one counts only once LISTEN is on it,
     * so "up" is never reported between a reconnection and the full invalidation it owes.
     */
    private boolean listening() {
        io.vertx.pgclient.PgConnection listened = listenedOn;
        // the Mutiny wrapper is new at every call: compare the connections it wraps
        return listening.get() && listened != null && listened == subscriber.getDelegate().actualConnection();
    }

    /**
     * The first connection. Later drops are the subscriber's to reconnect, but a first attempt that
     * fails leaves it waiting for another connect() (after close()).
     */
    private void connect() {
        if (stopped) {
            return;
        }
        subscriber.connect()
                .subscribe().with(
                        connected -> Log.debug("database change listener connected"),
                        failure -> {
                            if (failedConnects++ == 0) {
                                Log.warnf("database change listener cannot connect yet (%s); trying every %s",
                                        failure.getClass().getSimpleName(), RECONNECT_INTERVAL);
                            }
                            subscriber.close()
                                    .subscribe().with(closed -> connectLater(), closeFailure -> connectLater());
                        });
    }

    private void connectLater() {
        vertx.setTimer(RECONNECT_INTERVAL.toMillis(), id -> connect());
    }

    /** LISTEN is active on a new connection: what was said before it may have been missed. */
    private void subscribed() {
        metrics.subscribed();
        if (listening.compareAndSet(false, true)) {
            since = Instant.now();
        }
        Log.infof("database change listener: listening on %s (backend %d); making every cached value stale",
                CHANGES_CHANNEL, subscriber.actualConnection() == null ? -1 : subscriber.actualConnection().processId());
        invalidator.invalidateEverything(Reason.LISTENER_UP);
        listenedOn = subscriber.getDelegate().actualConnection();
    }

    private void lost(String why) {
        if (listening.compareAndSet(true, false)) {
            since = Instant.now();
            Log.warnf("database change listener: not listening (%s); reconnecting every %s", why, RECONNECT_INTERVAL);
        }
    }

    /** Periodic: is the connection alive; while not listening, may changes be happening unheard. */
    private void check() {
        invalidator.retryOwed();
        PgConnection connection = subscriber.actualConnection();
        if (connection == null) {
            lost("no connection");
            makeStaleIfDatabaseAnswers();
            return;
        }
        connection.query("SELECT 1").execute()
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .subscribe().with(
                        rows -> {
                        },
                        failure -> {
                            lost("connection check failed: " + failure.getClass().getSimpleName());
                            // the subscriber reconnects when its connection closes
                            connection.closeAndForget();
                            makeStaleIfDatabaseAnswers();
                        });
    }

    private void makeStaleIfDatabaseAnswers() {
        pool.query("SELECT 1").execute()
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .subscribe().with(
                        rows -> invalidator.invalidateEverything(Reason.LISTENER_DOWN),
                        failure -> Log.debugf("database change listener: PostgreSQL unreachable (%s); cached values stay",
                                failure.getClass().getSimpleName()));
    }

    /**
     * The listening connection's options: the request pool's first server as Quarkus configured it
     * (credentials, TLS mode and trust, connect properties), pointed at {@code gad.invalidation.url}
     * when that is set; credentials and {@code sslmode} the URL carries win. Copied, never rebuilt
     * from {@code quarkus.datasource.*}, so no pool setting is lost on the way.
     */
    static PgConnectOptions listenerOptions(PgConnectOptions poolServer, Optional<String> url) {
        PgConnectOptions options = new PgConnectOptions(poolServer);
        url.ifPresent(given -> {
            PgConnectOptions target = PgConnectOptions.fromUri(given.startsWith("vertx-reactive:")
                    ? given.substring("vertx-reactive:".length())
                    : given);
            options.setHost(target.getHost()).setPort(target.getPort()).setDatabase(target.getDatabase());
            if (given.contains("@")) {
                options.setUser(target.getUser()).setPassword(target.getPassword());
            }
            if (given.contains("sslmode=")) {
                options.setSslMode(target.getSslMode());
            }
        });
        options.setConnectTimeout((int) CHECK_TIMEOUT.toMillis());
        options.addProperty("application_name", APPLICATION_NAME);
        // its own client_name in the Vert.x client meters, apart from the request pool's
        options.setMetricsName(APPLICATION_NAME);
        return options;
    }
}
