package com.gad.stats.invalidation;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.gad.stats.cache.CacheInvalidation;
import com.gad.stats.cache.MasterChange;
import com.gad.stats.invalidation.InvalidationMetrics.Kind;
import com.gad.stats.invalidation.InvalidationMetrics.Reason;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Applies database change notifications to the cache. Each notified user is invalidated (one O(1)
 * Redis command), at most {@code gad.invalidation.concurrency} at a time across all notifications:
 * a statement that changed 100,000 tasks of 1,000 users costs 1,000 invalidations, queued and run a
 * few at a time, never a burst that holds the event loop. A notification that names its transaction
 * is applied once across all instances and the API: whoever is first changes the user's
 * generation, the others skip it ({@link CacheInvalidation#invalidateUserAfterCommit}). At most
 * {@link #QUEUE_CAPACITY} notifications wait ({@link NoticeQueue}).
 *
 * <p>When changes may have gone unheard, every cached value is made stale ({@link FullInvalidation},
 * run by a {@link FullInvalidationRunner}); one that fails is retried at the listener's next check.
 */
@ApplicationScoped
public class ChangeInvalidator {

    /**
     * Notifications waiting to be applied, at most. They are applied in order, so the last of a
     * thousand waits behind 999 others: that many only pile up when Redis is failing or slow
     * (each user then takes its deadline and retries), and by then one full invalidation, a miss per
     * value, is cheaper than applying them late one by one. It also bounds the memory held: a
     * notification carries at most 7,000 bytes of ids.
     */
    static final int QUEUE_CAPACITY = 1_000;
    /**
     * Users invalidated at once (Redis commands in flight) while applying notifications: a bulk
     * statement of a thousand users is applied in about 60 round trips, and the Redis connection
     * keeps room for the requests.
     */
    static final int CONCURRENCY = 16;

    private final CacheInvalidation cache;
    private final FullInvalidation fullInvalidation;
    private final FullInvalidationRunner full;
    private final InvalidationMetrics metrics;
    private final Pool pool;
    private final NoticeQueue notices;

    /** Retries of a user invalidation that failed, before every cached value is made stale instead. */
    static final int RETRIES = 2;
    static final Duration RETRY_FIRST = Duration.ofMillis(100);
    static final Duration RETRY_MAX = Duration.ofMillis(400);

    ChangeInvalidator(CacheInvalidation cache, FullInvalidation fullInvalidation, InvalidationMetrics metrics, Pool pool) {
        this.cache = cache;
        this.fullInvalidation = fullInvalidation;
        this.full = new FullInvalidationRunner(fullInvalidation, this::announced, metrics);
        this.metrics = metrics;
        this.pool = pool;
        this.notices = new NoticeQueue(QUEUE_CAPACITY, CONCURRENCY, this::invalidations, full, metrics);
        metrics.backlog(notices::backlog);
    }

    /** A notification of the changes channel (called on the listening connection's event loop). */
    void accept(String payload) {
        notices.offer(ChangeNotice.parse(payload));
    }

    /** A notification of the epoch channel: another instance made every value stale. */
    void adoptEpoch(String payload) {
        metrics.received(Kind.EPOCH);
        try {
            fullInvalidation.adoptEpoch(Long.parseLong(payload));
        } catch (NumberFormatException e) {
            Log.warnf("database change listener: ignored an epoch notification that is not a number");
        }
    }

    /** Every cached value must be made stale; starts doing it. */
    void invalidateEverything(Reason reason) {
        full.owe(reason);
        full.runIfOwed();
    }

    /** A Redis master changed: it may lack invalidations made on its predecessor. */
    void masterChanged(@Observes MasterChange change) {
        invalidateEverything(Reason.FAILOVER);
    }

    /** Runs the owed full invalidation, if any (the listener's periodic check). */
    void retryOwed() {
        full.runIfOwed();
    }

    /** True while a full invalidation is owed: the cache may hold values that missed a change. */
    boolean owesFullInvalidation() {
        return full.owed();
    }

    /** Tells the other instances the new epoch (best effort: they only need it if they missed changes too). */
    private Uni<Void> announced(OptionalLong epoch) {
        if (epoch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("SELECT pg_notify($1, $2)")
                .execute(Tuple.of(DatabaseChangeListener.EPOCH_CHANNEL, Long.toString(epoch.getAsLong())))
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    Log.warnf("cache: could not tell the other instances epoch %d (%s)", epoch.getAsLong(),
                            failure.getClass().getSimpleName());
                    return Uni.createFrom().voidItem();
                });
    }

    /** The work of one notification, as lazy invalidations. */
    private Multi<Uni<Void>> invalidations(ChangeNotice notice) {
        if (notice instanceof ChangeNotice.Users users) {
            metrics.received(Kind.USERS);
            AtomicInteger remaining = new AtomicInteger(users.userIds().length);
            return Multi.createFrom().items(LongStream.of(users.userIds()).boxed())
                    .map(userId -> userInvalidation(userId, users.transactionId(), users.changedAtMillis(), remaining));
        }
        if (notice instanceof ChangeNotice.AllUsers) {
            metrics.received(Kind.ALL_USERS);
            return Multi.createFrom().item(Uni.createFrom().voidItem().invoke(() -> invalidateEverything(Reason.TRUNCATE)));
        }
        ChangeNotice.Unreadable unreadable = (ChangeNotice.Unreadable) notice;
        metrics.received(Kind.UNREADABLE);
        Log.warnf("database change listener: unreadable notification '%s'; making every cached value stale",
                unreadable.excerpt());
        return Multi.createFrom().item(Uni.createFrom().voidItem().invoke(() -> invalidateEverything(Reason.UNREADABLE)));
    }

    private Uni<Void> userInvalidation(long userId, OptionalLong transactionId, long changedAtMillis, AtomicInteger remaining) {
        return Uni.createFrom().deferred(() -> transactionId.isPresent()
                ? cache.invalidateUserAfterCommit(userId, transactionId.getAsLong())
                : cache.invalidateUser(userId).replaceWith(Boolean.TRUE))
                // a Redis deadline missed once (a busy moment) is retried before anything drastic
                .onFailure().retry().withBackOff(RETRY_FIRST, RETRY_MAX).atMost(RETRIES)
                .invoke(changed -> {
                    if (changed) {
                        metrics.invalidated();
                    } else {
                        metrics.invalidationSkipped();
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(failure -> {
                    // the value it could not invalidate must not be served once Redis answers again
                    invalidateEverything(Reason.FAILED_INVALIDATION);
                    metrics.invalidationFailed();
                })
                .onFailure().recoverWithNull()
                .onTermination().invoke(() -> {
                    if (remaining.decrementAndGet() == 0) {
                        metrics.applied(changedAtMillis);
                    }
                });
    }
}
