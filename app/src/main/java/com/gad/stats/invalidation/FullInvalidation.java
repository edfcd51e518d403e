package com.gad.stats.invalidation;

import java.util.OptionalLong;

import io.smallrye.mutiny.Uni;

/**
 * Makes every value cached so far stale, for every instance: what the listener does when changes
 * may have gone unheard (it was not listening, a TRUNCATE, an unreadable notification, an
 * invalidation that could not reach Redis). Values computed from a database read that started
 * after {@link #invalidateEverything()} was called are not affected.
 */
public interface FullInvalidation {

    /**
     * A full invalidation is owed from now: until one that starts afterwards has succeeded, nothing
     * cached may be served. Called before {@link #invalidateEverything()} is (re)tried.
     */
    void owe();

    /**
     * Emits the cache epoch that now starts, which the other instances may adopt ({@link #adoptEpoch})
     * so that they all agree on which values are current, or empty when there is none to tell. When
     * it fails, the listener tries again at its next check.
     */
    Uni<OptionalLong> invalidateEverything();

    /** Another instance started this epoch ({@code gad_stats_epoch} channel). */
    void adoptEpoch(long epoch);
}
