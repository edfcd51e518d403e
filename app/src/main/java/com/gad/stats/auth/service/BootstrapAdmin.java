package com.gad.stats.auth.service;

import java.time.Duration;

import jakarta.enterprise.event.Observes;

import com.gad.stats.auth.repository.UserRepository;
import com.gad.stats.config.GadConfig;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/** Creates the administrator named by GAD_BOOTSTRAP_ADMIN_EMAIL/_PASSWORD at start when absent. */
public class BootstrapAdmin {

    void onStart(@Observes StartupEvent event, GadConfig config, UserRepository users, PasswordHasher hasher) {
        var email = config.auth().bootstrapAdminEmail();
        var password = config.auth().bootstrapAdminPassword();
        if (email.isEmpty() || password.isEmpty()) {
            return;
        }
        // Start-up runs on the main thread: waiting here is allowed and keeps "ready" honest.
        boolean created = users.insertAdminIfAbsent(email.get().trim(), hasher.hash(password.get()))
                .await().atMost(Duration.ofSeconds(30));
        if (created) {
            Log.infof("bootstrap administrator created: %s", email.get().trim());
        }
    }
}
