package com.gad.stats.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Readiness says whether this instance can serve, not whether PostgreSQL, which every instance
 * shares, is up: without PostgreSQL cached answers are still served (uncached ones get 503 with
 * Retry-After), so the check stays UP and reports the database as down in its data. It is DOWN
 * only when the cache cannot answer either: then this instance can answer nothing at all.
 * Replaces Quarkus' reactive-pool check, which is DOWN whenever PostgreSQL is.
 */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements AsyncHealthCheck {

    /**
     * A probe's own deadline: a hung PostgreSQL must not hold the probe past Kubernetes' timeout.
     * With the database down the cache's check runs after it, so both together stay within the 2 s
     * that deploy/kubernetes gives a probe.
     */
    static final Duration DEADLINE = RedisHealthCheck.DEADLINE;

    private final Pool pool;
    private final RedisHealthCheck cache;

    DatabaseHealthCheck(Pool pool, @Readiness RedisHealthCheck cache) {
        this.pool = pool;
        this.cache = cache;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(DEADLINE).fail()
                .map(rows -> true)
                .onFailure().recoverWithItem(false)
                .chain(databaseUp -> databaseUp ? Uni.createFrom().item(response(true, true))
                        // only with the database down does the cache decide readiness
                        : cache.call().map(redis -> response(false, redis.getData()
                                .map(data -> "up".equals(data.get("redis"))).orElse(false))));
    }

    private static HealthCheckResponse response(boolean databaseUp, boolean cacheUp) {
        return HealthCheckResponse.named("postgresql")
                .status(databaseUp || cacheUp)
                .withData("database", databaseUp ? "up" : "down")
                .withData("required", false)
                .build();
    }
}
