package com.gad.stats.cache;

/**
 * Told of every user invalidation that reached Redis ({@link CacheInvalidation}), after
 * Redis acknowledged it. Called on the thread that completed the invalidation (often an event
 * loop): an implementation must return at once and never block.
 */
@FunctionalInterface
public interface InvalidationObserver {

    /** Observes nothing: the pipeline outside CDI (the unit tests of the cache core) has no observer. */
    InvalidationObserver NONE = userId -> {
    };

    void invalidated(long userId);
}
