package com.gad.stats.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.gad.stats.invalidation.DatabaseChangeListener;

/**
 * Reports the database change listener in the readiness data but always UP: while it is down the
 * service still answers correctly, bounding what it serves from the cache instead
 * (docs/database-invalidation.md), so taking it out of the load balancer would only hurt.
 */
@Readiness
@ApplicationScoped
public class DatabaseListenerHealthCheck implements HealthCheck {

    private final DatabaseChangeListener listener;

    DatabaseListenerHealthCheck(DatabaseChangeListener listener) {
        this.listener = listener;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("database-invalidation")
                .up()
                .withData("listener", listener.state())
                .withData("since", listener.since().toString())
                .withData("channel", DatabaseChangeListener.CHANGES_CHANNEL)
                .withData("required", false)
                .build();
    }
}
