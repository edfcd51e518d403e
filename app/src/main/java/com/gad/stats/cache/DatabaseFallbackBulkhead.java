package com.gad.stats.cache;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;

import com.gad.stats.common.Meters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;

/**
 * The reads Redis could not serve, answered from PostgreSQL through a SmallRye bulkhead: at most
 * {@link #CONCURRENCY} run at once and {@link #QUEUE} wait; beyond that the request is shed with the
 * overloaded 503 ({@link CacheOverloadedException}), never piled onto the database. Nothing such a
 * read computes is stored. Counted in {@code gad_cache_fallbacks_total{cause}}.
 */
@Startup // its counters are exposed from the start, not from the first Redis failure
@ApplicationScoped
public class DatabaseFallbackBulkhead implements DatabaseFallback {

    /**
     * Well below the reactive pool's size (20), which misses and writes share: a Redis outage turns
     * every hit into a read, and the pool must still have room for those.
     */
    public static final int CONCURRENCY = 8;
    /** Four waiting per running read: it absorbs a burst; a longer queue would only delay the 503 it ends in. */
    public static final int QUEUE = 32;

    private final TypedGuard<Uni<byte[]>> bulkhead = TypedGuard.create(new TypeLiteral<Uni<byte[]>>() {
    })
            .withBulkhead()
            .limit(CONCURRENCY)
            .queueSize(QUEUE)
            .done()
            .build();
    private final Counter run;
    private final Counter shed;

    DatabaseFallbackBulkhead(MeterRegistry registry) {
        this.run = counter(registry, "redis_fault");
        this.shed = counter(registry, "bulkhead_full");
    }

    private static Counter counter(MeterRegistry registry, String cause) {
        return Meters.counter(registry, "gad.cache.fallbacks",
                "Reads Redis could not serve: run on PostgreSQL (redis_fault) or shed (bulkhead_full)", "cause", cause);
    }

    @Override
    public Uni<byte[]> read(Supplier<Uni<byte[]>> databaseRead) {
        return bulkhead.get(() -> {
            run.increment();
            return databaseRead.get();
        })
                .onFailure(BulkheadException.class).transform(full -> {
                    shed.increment();
                    return new CacheOverloadedException(full);
                });
    }
}
