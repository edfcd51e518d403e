package com.gad.stats.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Invalidation: the one way anything makes cached values stale. The rule and its guarantees:
 * <ul>
 * <li><b>One user</b>, O(1): the user's generation key gets a fresh value; every cached value of
 * the user carries the generation it was computed under, so a read that finds another one treats it
 * as stale, and a write-back is stored only if the generation it read before its aggregation is
 * still current (the stale-set race: a miss that read the database before a write never leaves
 * pre-write figures after the write's invalidation). This instance's near cache drops the user
 * before the caller is answered; the other instances' near caches hear it through Redis tracking.</li>
 * <li><b>Once per committed transaction</b>: the API invalidates right after its commit, and every
 * instance's database listener hears the same transaction from the {@code tareas} triggers; the
 * first to ask changes the generation and the others skip it ({@link #invalidateUserAfterCommit}),
 * so a write costs one generation change, whatever the number of instances.</li>
 * <li><b>Everything at once</b> (a listener that may have missed changes, a Redis master that
 * changed, a TRUNCATE): the cache epoch advances ({@code invalidation.EpochFullInvalidation} and
 * {@link CacheEpoch}); values computed under an older epoch are stale.</li>
 * </ul>
 * Who calls it:
 * <ul>
 * <li>{@code TaskService}, after each task write commits ({@link #invalidateAfterCommit});</li>
 * <li>{@code POST /api/v1/stats/invalidate/user/{id}} (503 when Redis cannot
 * be reached; {@code StatsResource});</li>
 * <li>{@code invalidation.ChangeInvalidator}, for the changes the database listener hears (any
 * writer, SQL included);</li>
 * <li>the admin endpoints delete keys instead ({@code CacheAdminService}: UNLINK, SCAN + UNLINK),
 * which Redis tracking carries to every near cache as well.</li>
 * </ul>
 * A failed invalidation is logged and counted ({@code gad_cache_invalidation_failures_total}); the
 * listeners repeat it when they hear the change, and the value's TTL bounds it in the end.
 */
@ApplicationScoped
public class CacheInvalidation {

    /**
     * How long an invalidation made for a committed transaction is remembered, so that whoever hears
     * of that transaction later skips it. Every listener hears of it milliseconds after the commit,
     * unless its queue is far behind (the queue is bounded): a minute leaves room. A notification
     * heard later only costs one invalidation more, never a stale value.
     */
    static final Duration APPLIED_TRANSACTION_TTL = Duration.ofMinutes(1);

    private final CacheStore store;
    private final CacheKeys keys;
    private final CacheMetrics metrics;
    private final NearCache nearCache;
    /** The consistency monitor's sampling; none outside CDI. */
    @Inject
    InvalidationObserver invalidations = InvalidationObserver.NONE;

    CacheInvalidation(CacheStore store, CacheKeys keys, CacheMetrics metrics, NearCache nearCache) {
        this.store = store;
        this.keys = keys;
        this.metrics = metrics;
        this.nearCache = nearCache;
    }

    /** O(1) invalidation of every cached value of the user. Fails when Redis cannot be reached. */
    public Uni<Void> invalidateUser(long userId) {
        return invalidated(userId, store.invalidateUser(userId).replaceWith(Boolean.TRUE)).replaceWithVoid();
    }

    /**
     * {@link #invalidateUser} for a change committed by the transaction {@code transactionId}, once
     * across all instances: the API right after its commit and every instance's database listener
     * ask, the first changes the generation, the others skip. Fails when Redis cannot be reached (then
     * nothing is recorded and the next to ask does it).
     *
     * @return true when this call changed the generation, false when it had been done for that transaction
     */
    public Uni<Boolean> invalidateUserAfterCommit(long userId, long transactionId) {
        return invalidated(userId, store.invalidateUserOnce(userId, transactionId, APPLIED_TRANSACTION_TTL));
    }

    /** Logs and counts an invalidation; this instance's near cache drops the user whatever happened. */
    private Uni<Boolean> invalidated(long userId, Uni<Boolean> invalidation) {
        long start = System.nanoTime();
        String generationKey = keys.generationKey(userId);
        return invalidation
                // after Redis answered (or failed), before the caller is: read-your-writes in this
                // instance, for the near cache and for database reads shared while Redis is down
                // (CacheAside). A skipped one was done earlier by whoever changed the generation,
                // which reaches the near cache through Redis tracking: another drop would only cost
                // a read, and split a load that misses share.
                .onTermination().invoke((changed, failure, cancelled) -> {
                    if (failure != null || cancelled || Boolean.TRUE.equals(changed)) {
                        nearCache.invalidatedHere(userId);
                    }
                })
                .invoke(changed -> {
                    metrics.operation("invalidate", start, true);
                    if (changed) {
                        CacheLog.info("invalidate", generationKey, userId);
                        invalidations.invalidated(userId);
                    } else {
                        CacheLog.debug("invalidate_skipped", generationKey, userId);
                    }
                })
                .onFailure().invoke(failure -> {
                    metrics.operation("invalidate", start, false);
                    metrics.invalidationFailed();
                    CacheLog.warn("invalidate_failed", generationKey, userId, failure);
                });
    }

    /**
     * Invalidates each user once, {@code concurrency} at a time, after the transaction
     * {@code transactionId} committed a change. Never fails: a user whose invalidation failed is
     * logged and counted, and the database listeners, which hear of the same transaction, do it.
     */
    public Uni<Void> invalidateAfterCommit(long transactionId, Collection<Long> users, int concurrency) {
        return Multi.createFrom().iterable(Set.copyOf(users))
                .onItem().transformToUni(user -> invalidateUserAfterCommit(user, transactionId).onFailure().recoverWithNull())
                .merge(concurrency)
                .collect().last()
                .replaceWithVoid();
    }
}
