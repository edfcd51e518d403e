package com.gad.stats.localservices;

import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/** Dev mode: tells how to get a token for the demo data. */
@IfBuildProfile("dev")
public class DevBanner {

    void onStart(@Observes StartupEvent event, @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port) {
        String base = "http://localhost:" + port;
        Log.infof("""

                gad-stats dev mode: demo users admin@, supervisor@, efectivo1@, efectivo2@gad.local, password demo1234
                  TOKEN=$(curl -s %1$s/api/v1/auth/login -H 'Content-Type: application/json' \\
                          -d '{"email":"admin@gad.local","password":"demo1234"}' | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')
                  curl -s %1$s/api/v1/stats/user/3 -H "Authorization: Bearer $TOKEN"
                  Swagger UI: %1$s/q/swagger-ui   metrics: %1$s/q/metrics   health: %1$s/q/health
                """, base);
    }
}
