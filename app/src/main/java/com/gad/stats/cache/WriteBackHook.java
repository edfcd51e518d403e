package com.gad.stats.cache;

import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * A seam between a miss's database read and its write-back. Empty in production; tests install
 * a pause here to force the stale-set interleaving (a write committing and invalidating while a
 * miss holds pre-write figures) instead of hoping for it with sleeps.
 */
@ApplicationScoped
public class WriteBackHook {

    private volatile Function<CacheKey, Uni<Void>> beforeWriteBack;

    public void install(Function<CacheKey, Uni<Void>> hook) {
        this.beforeWriteBack = hook;
    }

    public void clear() {
        this.beforeWriteBack = null;
    }

    Uni<Void> beforeWriteBack(CacheKey key) {
        Function<CacheKey, Uni<Void>> hook = beforeWriteBack;
        return hook == null ? Uni.createFrom().voidItem() : hook.apply(key);
    }
}
