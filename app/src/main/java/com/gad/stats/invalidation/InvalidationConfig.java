package com.gad.stats.invalidation;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Invalidation driven by the database (keys under {@code gad.invalidation.}): the service LISTENs
 * for the notifications the {@code tareas} triggers send (docs/database-invalidation.md).
 */
@ConfigMapping(prefix = "gad.invalidation")
public interface InvalidationConfig {

    /** LISTEN for database changes. Off: only writes made through this service's API invalidate. */
    @WithDefault("true")
    boolean listen();

    /**
     * PostgreSQL URL of the listening connection when it must differ from the request pool's
     * ({@code quarkus.datasource.reactive.url}), e.g. when the pool goes through a PgBouncer in
     * transaction mode, which cannot hold a LISTEN: point this at PostgreSQL itself. Same
     * credentials as the pool.
     */
    Optional<String> url();

    /** Pause between attempts to (re)open the listening connection. */
    @WithDefault("1s")
    Duration reconnectInterval();

    /**
     * Every this long the listening connection is checked ({@code SELECT 1}); while it is down and
     * PostgreSQL answers the pool, every cached value is made stale. So nothing cached more than
     * this long before is served while changes cannot be heard.
     */
    @WithDefault("5s")
    Duration checkInterval();

    /** Time limit of that check, and of opening the listening connection. */
    @WithDefault("2s")
    Duration checkTimeout();

    /** Users invalidated at once (Redis commands in flight) while applying notifications. */
    @WithDefault("16")
    int concurrency();
}
