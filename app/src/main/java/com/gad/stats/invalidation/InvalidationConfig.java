package com.gad.stats.invalidation;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Invalidation driven by the database (keys under {@code gad.invalidation.}): the service LISTENs
 * for the notifications the {@code tareas} triggers send (docs/database-invalidation.md).
 */
@ConfigMapping(prefix = "gad.invalidation")
public interface InvalidationConfig {

    /**
     * LISTEN for database changes. Off: only writes made through this service's API invalidate;
     * turn it off only when nothing else ever writes {@code tareas}.
     */
    @WithDefault("true")
    boolean listen();

    /**
     * PostgreSQL URL of the listening connection when it must differ from the request pool's
     * ({@code quarkus.datasource.reactive.url}), e.g. when the pool goes through a PgBouncer in
     * transaction mode, which cannot hold a LISTEN: point this at PostgreSQL itself. Same
     * credentials as the pool.
     */
    Optional<String> url();
}
