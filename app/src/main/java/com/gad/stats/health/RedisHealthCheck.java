package com.gad.stats.health;

import java.time.Duration;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.gad.stats.cache.MasterWatch;
import com.gad.stats.cache.NearCache;
import com.gad.stats.cache.RedisConnections;
import com.gad.stats.cache.RedisGateway;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * Reports Redis in the readiness data but always UP: without Redis the service still answers
 * correctly (from PostgreSQL), so taking it out of the load balancer would only hurt.
 *
 * <p>Its PING goes through the connection the requests use ({@link RedisConnections}), so the
 * first readiness answer comes only once that connection is made (to every Cluster master): the
 * first burst of requests never waits for one. It runs outside the request breaker and under its
 * own deadline: the data says whether Redis answers now, not what the breaker judged last, and
 * probes never count among the breaker's calls (requests alone open and close it).
 */
@Readiness
@ApplicationScoped
public class RedisHealthCheck implements AsyncHealthCheck {

    /**
     * A probe's own deadline: with the database check's, a hung Redis and a hung PostgreSQL still
     * answer within Kubernetes' probe timeout (deploy/kubernetes: 2 s).
     */
    static final Duration DEADLINE = Duration.ofMillis(800);

    private final RedisConnections connections;
    private final RedisGateway gateway;
    private final NearCache nearCache;
    private final MasterWatch masterWatch;

    RedisHealthCheck(RedisConnections connections, RedisGateway gateway, NearCache nearCache, MasterWatch masterWatch) {
        this.connections = connections;
        this.gateway = gateway;
        this.nearCache = nearCache;
        this.masterWatch = masterWatch;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return connections.send(Request.cmd(Command.PING))
                .ifNoItem().after(DEADLINE).fail()
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
