package com.gad.stats.invalidation;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.stats.service.StatsService;

import io.quarkus.arc.DefaultBean;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * {@link FullInvalidation} by invalidating every user of {@code usuarios} (one generation SET each,
 * {@code concurrency} at a time), used until the cache has an O(1) epoch. Users created after the
 * sweep started are left alone: every value of theirs is computed after the listener was back.
 * Until the sweep has reached a user, that user's older values can still be served.
 */
@DefaultBean
@ApplicationScoped
public class UserSweep implements FullInvalidation {

    static final int PAGE = 1000;

    private final Pool pool;
    private final StatsService stats;
    private final int concurrency;

    UserSweep(Pool pool, StatsService stats, InvalidationConfig config) {
        this.pool = pool;
        this.stats = stats;
        this.concurrency = config.concurrency();
    }

    @Override
    public Uni<OptionalLong> invalidateEverything() {
        long start = System.nanoTime();
        return pool.query("SELECT coalesce(max(id), 0) FROM usuarios").execute()
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(lastId -> sweptFrom(0, lastId, 0))
                .invoke(users -> Log.infof("cache: every user's cached values made stale (%d users, %d ms)", users,
                        (System.nanoTime() - start) / 1_000_000))
                .replaceWith(OptionalLong.empty());
    }

    @Override
    public void adoptEpoch(long epoch) {
        // no epoch: every instance sweeps the shared Redis itself
    }

    /** Invalidates the users with ids in (afterId, lastId], a page at a time; emits how many in all. */
    private Uni<Long> sweptFrom(long afterId, long lastId, long sweptSoFar) {
        return pool.preparedQuery("SELECT id FROM usuarios WHERE id > $1 AND id <= $2 ORDER BY id LIMIT " + PAGE)
                .execute(Tuple.of(afterId, lastId))
                .map(rows -> {
                    List<Long> ids = new ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getLong(0)));
                    return ids;
                })
                .chain(ids -> ids.isEmpty()
                        ? Uni.createFrom().item(sweptSoFar)
                        : invalidated(ids).chain(() -> sweptFrom(ids.get(ids.size() - 1), lastId, sweptSoFar + ids.size())));
    }

    /** Fails as soon as one user could not be invalidated. */
    private Uni<Void> invalidated(List<Long> ids) {
        return Multi.createFrom().iterable(ids)
                .onItem().transformToUni(id -> stats.invalidate(id))
                .merge(concurrency)
                .collect().last()
                .replaceWithVoid();
    }
}
