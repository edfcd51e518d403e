package com.gad.stats.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.gad.stats.cache.CacheFailurePolicy;

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

    private final CacheFailurePolicy policy;

    RedisHealthCheck(CacheFailurePolicy policy) {
        this.policy = policy;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return policy.send(Request.cmd(Command.PING))
                .map(pong -> "up")
                .onFailure().recoverWithItem("down")
                .map(state -> HealthCheckResponse.named("redis-cache")
                        .up()
                        .withData("redis", state)
                        .withData("circuit", policy.breakerState())
                        .withData("required", false)
                        .build());
    }
}
