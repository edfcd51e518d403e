package com.gad.stats.auth.service;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.gad.stats.auth.Roles;
import com.gad.stats.auth.repository.UserAccount;
import com.gad.stats.auth.repository.UserRepository;
import com.gad.stats.common.ApiException;
import com.gad.stats.config.GadConfig;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Email + password → RS256 token. Claims: {@code sub} = user id (decimal string), {@code upn} =
 * email, {@code groups} = the role of the user's nivel, {@code iss} = mp.jwt.verify.issuer. Signed
 * with smallrye.jwt.sign.key(.location), so any issuer holding the same key is interchangeable.
 *
 * <p>Brute force: the per-address and per-account rate limits ({@link LoginThrottle}) run first;
 * then every attempt costs the same whatever the outcome — one SELECT, one bcrypt verification
 * (against a dummy hash for an unknown email) and one UPDATE (the failure count, the reset on
 * success, or a no-op statement) — and every refusal is the same 401, so neither the answer nor
 * its timing tells an unknown email, a wrong password, a locked or an inactive account apart.
 * {@code maxFailures} wrong passwords in a row lock the account ({@code bloqueado_hasta}).
 */
@ApplicationScoped
public class LoginService {

    /** recordFailure on this id matches no row: the unknown-email path runs the same statement. */
    private static final long NO_ACCOUNT = 0;

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final LoginThrottle throttle;
    private final String issuer;
    private final long lifespanSeconds;
    private final int maxFailures;
    private final double lockSeconds;
    private final MeterRegistry registry;

    LoginService(UserRepository users, PasswordHasher hasher, LoginThrottle throttle, GadConfig config,
            MeterRegistry registry, @ConfigProperty(name = "mp.jwt.verify.issuer") String issuer) {
        this.users = users;
        this.hasher = hasher;
        this.throttle = throttle;
        this.issuer = issuer;
        this.lifespanSeconds = config.auth().tokenLifespan().toSeconds();
        GadConfig.Login protection = config.auth().login();
        this.maxFailures = Math.max(1, protection.maxFailures());
        this.lockSeconds = protection.lockDuration().toMillis() / 1000.0;
        this.registry = registry;
    }

    /**
     * A token for valid credentials; one and the same 401 for an unknown email, a bad password, a
     * locked and an inactive account; 429 when a rate limit is exhausted.
     */
    public Uni<TokenResponse> login(String email, String password, String clientAddress) {
        try {
            throttle.acquire(clientAddress, email);
        } catch (LoginThrottledException e) {
            count("throttled");
            return Uni.createFrom().failure(e);
        }
        return users.findByEmail(email)
                .chain(account -> hasher.verify(password, account == null ? null : account.hashedPassword())
                        .chain(matches -> decide(account, matches)));
    }

    private Uni<TokenResponse> decide(UserAccount account, boolean matches) {
        if (account == null) {
            return users.recordFailure(NO_ACCOUNT, maxFailures, lockSeconds)
                    .map(ignored -> refuse("unknown email", null));
        }
        if (account.locked()) {
            // the right password does not open a locked account; the lock is not extended either
            return users.recordFailure(NO_ACCOUNT, maxFailures, lockSeconds)
                    .map(ignored -> refuse("account locked", account.id()));
        }
        if (!matches) {
            return users.recordFailure(account.id(), maxFailures, lockSeconds)
                    .map(state -> {
                        if (state != null && state.locked()) {
                            Log.warnf("account %d locked for %ss after %d failed logins", account.id(),
                                    (long) lockSeconds, state.failures());
                            registry.counter("gad.auth.lockouts").increment();
                        }
                        return refuse("bad password", account.id());
                    });
        }
        if (!account.activo()) {
            return users.recordFailure(NO_ACCOUNT, maxFailures, lockSeconds)
                    .map(ignored -> refuse("inactive account", account.id()));
        }
        return users.recordSuccess(account.id())
                .chain(unlocked -> {
                    if (!unlocked) {
                        return Uni.createFrom().item(() -> refuse("account locked", account.id()));
                    }
                    count("success");
                    // the database answer arrives on the event loop: RSA signing runs on a worker, like bcrypt
                    return Uni.createFrom().item(() -> issue(account)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                });
    }

    /** Logs the reason (never the email or password submitted) and throws the one 401 of every refusal. */
    private TokenResponse refuse(String reason, Long userId) {
        count("refused");
        if (userId == null) {
            Log.infof("login refused: %s", reason);
        } else {
            Log.infof("login refused: %s (user %d)", reason, userId);
        }
        throw ApiException.unauthorized("Invalid email or password");
    }

    private void count(String outcome) {
        registry.counter("gad.auth.logins", "outcome", outcome).increment();
    }

    private TokenResponse issue(UserAccount account) {
        String token = Jwt.issuer(issuer)
                .subject(Long.toString(account.id()))
                .upn(account.email())
                .groups(Set.of(Roles.fromNivel(account.nivel())))
                .expiresIn(lifespanSeconds)
                .sign();
        return new TokenResponse(token, "bearer", lifespanSeconds);
    }
}
