package com.gad.stats.cache;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The epoch every stored value carries. A value written under an older epoch reads as stale, so
 * advancing it invalidates everything at once (O(1)): the answer to invalidations that may have
 * been lost, for example while the database change listener was disconnected or when Redis failed
 * over to a replica that missed some. It only moves forward.
 *
 * <p>Epochs are numbers of one counter every instance shares (a PostgreSQL sequence, see
 * {@code EpochFullInvalidation}), never a clock: an instance whose clock is ahead or behind cannot
 * make another serve stale values or refuse fresh ones.
 *
 * <p>Between the moment an advance is owed ({@link #owe}) and the moment one that started
 * afterwards has taken a new number ({@link #advanced}), nothing cached may be served: the epoch is
 * not {@link #trusted()}. The same holds from start until the shared epoch has been read once. The
 * advance takes a database round trip; while the database cannot be reached nothing cached is
 * served, which is safe when Redis and the invalidation both fail at once.
 */
@ApplicationScoped
public class CacheEpoch {

    private final AtomicLong current = new AtomicLong();
    /** Advances owed so far; the first is reading the shared epoch at all. */
    private final AtomicLong owed = new AtomicLong(1);
    /** How many of the owed advances a finished one covered. */
    private final AtomicLong covered = new AtomicLong();

    public long current() {
        return current.get();
    }

    /** False while an advance is owed or the shared epoch has not been read yet: no cached value may be served. */
    public boolean trusted() {
        return covered.get() >= owed.get();
    }

    /** Every value cached so far may have missed a change: untrusted until an advance that starts from now has succeeded. */
    public void owe() {
        owed.incrementAndGet();
    }

    /** What an advance starting now covers; hand it to {@link #advanced} when it succeeds. */
    public long owedSoFar() {
        return owed.get();
    }

    /** The shared epoch was read or advanced to {@code epoch} by a run that started when {@link #owedSoFar()} was {@code covering}. */
    public void advanced(long epoch, long covering) {
        advanceTo(epoch);
        covered.accumulateAndGet(covering, Math::max);
    }

    /** Moves to {@code epoch} when it is newer (another instance's advance); an older one is ignored. */
    public void advanceTo(long epoch) {
        current.accumulateAndGet(epoch, Math::max);
    }
}
