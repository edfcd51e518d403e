package com.gad.stats.database;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.core.Future;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

/**
 * The reactive PostgreSQL pool as Quarkus configures it, but without the pool's connection-timeout
 * timer. In the Vert.x SQL client that timer is not cancelled when acquiring a connection fails
 * (PostgreSQL restarting or refusing), so it later fails the same request a second time and logs
 * {@code IllegalStateException: Result is already complete} (eclipse-vertx/vertx-sql-client#1706).
 * Waiting for a connection stays bounded without it: admission control bounds the requests in
 * flight, the cache's fallback bulkhead bounds the database reads of a Redis outage, and a refused
 * connection fails at once.
 */
@ApplicationScoped
public class PgPoolWithoutAcquireTimer implements PgPoolCreator {

    private volatile List<PgConnectOptions> servers;

    @Override
    public Pool create(Input input) {
        List<PgConnectOptions> servers = input.pgConnectOptionsList();
        this.servers = servers;
        AtomicInteger next = new AtomicInteger();
        return PgBuilder.pool()
                .with(input.poolOptions().setConnectionTimeout(0))
                .connectingTo(() -> Future.succeededFuture(servers.get(Math.floorMod(next.getAndIncrement(), servers.size()))))
                .using(input.vertx())
                .build();
    }

    /**
     * The first server of the pool, with every setting Quarkus gave it (credentials, TLS, connect
     * properties): the database change listener connects with a copy. Known once the pool exists.
     */
    public PgConnectOptions firstServer() {
        if (servers == null) {
            throw new IllegalStateException("the reactive pool has not been created yet");
        }
        return servers.get(0);
    }
}
