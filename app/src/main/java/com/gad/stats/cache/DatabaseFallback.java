package com.gad.stats.cache;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/** How a read that Redis could not serve reaches the database: bounded, so overload never floods it. */
@FunctionalInterface
public interface DatabaseFallback {

    /** Runs {@code databaseRead} when there is room; fails with {@link CacheOverloadedException} when there is none. */
    Uni<byte[]> read(Supplier<Uni<byte[]>> databaseRead);
}
