package com.gad.stats.invalidation;

import java.time.Duration;
import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.gad.stats.cache.CacheEpoch;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * {@link FullInvalidation} by advancing the {@link CacheEpoch}: from then on every value stored
 * under an older epoch reads as stale, in O(1), without a Redis round trip.
 *
 * <p>The epochs are the numbers of a PostgreSQL sequence ({@code gad_cache_epoch}, migration V4):
 * {@code nextval} on every advance, {@code last_value} once at start. The sequence is the one
 * order all instances share, so an advance on any instance yields a number above every epoch any
 * instance has used before, whatever the hosts' clocks say (an earlier version took the host's
 * clock in milliseconds, and a host behind the others made advances that did not invalidate
 * their values). The new number reaches the other instances as before (the epoch channel). Chosen
 * over a hybrid logical clock: the database is already the source of truth every instance reaches,
 * and a sequence needs no clock at all. Its cost is one round trip per advance; until it is done
 * the epoch is not trusted and nothing cached is served ({@link CacheEpoch#owe}).
 */
@ApplicationScoped
public class EpochFullInvalidation implements FullInvalidation {

    /** Time limit of one advance or read of the sequence; a failed advance stays owed. */
    static final Duration DEADLINE = Duration.ofSeconds(2);
    static final Duration READ_RETRY_FIRST = Duration.ofMillis(100);
    static final Duration READ_RETRY_MAX = Duration.ofSeconds(2);

    private final CacheEpoch epoch;
    private final Pool pool;

    EpochFullInvalidation(CacheEpoch epoch, Pool pool) {
        this.epoch = epoch;
        this.pool = pool;
    }

    /** Reads the shared epoch, again and again until PostgreSQL answers: until then nothing cached is served. */
    void readAtStart(@Observes StartupEvent event) {
        long covering = epoch.owedSoFar();
        sequence("SELECT last_value FROM gad_cache_epoch")
                .onFailure().retry().withBackOff(READ_RETRY_FIRST, READ_RETRY_MAX).indefinitely()
                .subscribe().with(
                        shared -> epoch.advanced(shared, covering),
                        failure -> Log.errorf(failure, "cache: the shared epoch could not be read"));
    }

    @Override
    public void owe() {
        epoch.owe();
    }

    @Override
    public Uni<OptionalLong> invalidateEverything() {
        long covering = epoch.owedSoFar();
        return sequence("SELECT nextval('gad_cache_epoch')")
                .invoke(next -> epoch.advanced(next, covering))
                .map(OptionalLong::of);
    }

    @Override
    public void adoptEpoch(long newer) {
        epoch.advanceTo(newer);
    }

    private Uni<Long> sequence(String query) {
        return Uni.createFrom().deferred(() -> pool.query(query).execute())
                .ifNoItem().after(DEADLINE).fail()
                .map(rows -> rows.iterator().next().getLong(0));
    }
}
