package com.gad.stats.health;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.gad.stats.cache.RedisGateway;
import com.gad.stats.cache.MasterWatch;
import com.gad.stats.cache.NearCache;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * Reports Redis in the readiness data but always UP: without Redis the service still answers
 * correctly (from PostgreSQL), so taking it out of the load balancer would only hurt.
 */
@Readiness
@ApplicationScoped
public class RedisHealthCheck implements AsyncHealthCheck {

    private final RedisGateway gateway;
    private final NearCache nearCache;
    private final MasterWatch masterWatch;

    RedisHealthCheck(RedisGateway gateway, NearCache nearCache, MasterWatch masterWatch) {
        this.gateway = gateway;
        this.nearCache = nearCache;
        this.masterWatch = masterWatch;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return gateway.send(Request.cmd(Command.PING))
                .map(pong -> "up")
                .onFailure().recoverWithItem("down")
                .map(state -> HealthCheckResponse.named("redis-cache")
                        .up()
                        .withData("redis", state)
                        .withData("circuit", gateway.breakerState())
                        // down: its invalidation link is lost, so it is bypassed (docs/near-cache.md)
                        .withData("near_cache", nearCache.state().name().toLowerCase(Locale.ROOT))
                        // which master process this instance has seen last: after a failover, compare with the node's INFO server
                        .withData("masters", masterWatch.seen())
                        .withData("required", false)
                        .build());
    }
}
