package com.gad.stats.auth.service;

import java.nio.charset.StandardCharsets;

import jakarta.enterprise.context.ApplicationScoped;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Standard bcrypt. Verification accepts {@code $2a$}, {@code $2b$} and {@code $2y$} hashes, so
 * hashes written by other tools (htpasswd, Python's bcrypt/passlib, Spring) work. bcrypt costs
 * tens of milliseconds of CPU: it always runs on a worker thread, never on the event loop.
 * The library compares the computed and stored hashes in constant time
 * ({@code Bytes.equalsConstantTime}); an unknown account is verified against a dummy hash of the
 * cost this service hashes with, so it takes as long as a wrong password.
 */
@ApplicationScoped
public class PasswordHasher {

    static final int COST = 10;

    /**
     * Verified when the email is unknown, so both failures cost the same time: a cost-10 bcrypt
     * hash of "not-a-password". A literal, not computed in the static initializer: the bean's
     * client proxy is loaded at start (BootstrapAdmin), and hashing there cost ~150 ms of start-up.
     */
    static final String DUMMY_HASH = "$2a$10$kv.JuL8.ohD35hBU.XfsreJJlDBOH2M815nv3tKVC1YV2aQTegeSC";

    // Long passwords are truncated at 72 bytes, as the reference bcrypt (and every tool interoperating with it) does.
    private final BCrypt.Verifyer verifyer = BCrypt.verifyer(BCrypt.Version.VERSION_2A, LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));
    private final BCrypt.Hasher hasher = BCrypt.with(LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));
    private final Counter verifications;

    PasswordHasher(MeterRegistry registry) {
        this.verifications = Counter.builder("gad.auth.password.verifications")
                .description("bcrypt verifications run by logins (one per attempt that passed the rate limits)")
                .register(registry);
    }

    /** True when the password matches; a null hash (unknown account) is checked against a dummy. */
    public Uni<Boolean> verify(String password, String hash) {
        return Uni.createFrom().item(() -> {
            verifications.increment();
            return matches(password, hash == null ? DUMMY_HASH : hash) && hash != null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** A new $2a$ hash; blocking, for start-up and tooling. */
    public String hash(String password) {
        return hasher.hashToString(COST, password.toCharArray());
    }

    private boolean matches(String password, String hash) {
        try {
            return verifyer.verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
        } catch (RuntimeException malformedHash) {
            return false;
        }
    }
}
