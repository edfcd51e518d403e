package com.gad.stats.auth.service;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.gad.stats.auth.Roles;
import com.gad.stats.auth.repository.UserAccount;
import com.gad.stats.auth.repository.UserRepository;
import com.gad.stats.common.ApiException;
import com.gad.stats.config.GadConfig;

import io.quarkus.logging.Log;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;

/**
 * Email + password → RS256 token. Claims: {@code sub} = user id (decimal string), {@code upn} =
 * email, {@code groups} = the role of the user's nivel, {@code iss} = mp.jwt.verify.issuer. Signed
 * with smallrye.jwt.sign.key(.location), so any issuer holding the same key is interchangeable.
 */
@ApplicationScoped
public class LoginService {

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final String issuer;
    private final long lifespanSeconds;

    LoginService(UserRepository users, PasswordHasher hasher, GadConfig config,
            @ConfigProperty(name = "mp.jwt.verify.issuer") String issuer) {
        this.users = users;
        this.hasher = hasher;
        this.issuer = issuer;
        this.lifespanSeconds = config.auth().tokenLifespan().toSeconds();
    }

    /** A token for valid credentials; one and the same 401 for an unknown email and a bad password. */
    public Uni<TokenResponse> login(String email, String password) {
        return users.findByEmail(email)
                .chain(account -> hasher.verify(password, account == null ? null : account.hashedPassword())
                        .map(matches -> {
                            if (!matches || !account.activo()) {
                                Log.infof("login refused for an account (%s)", account == null ? "unknown email" : "bad credentials");
                                throw ApiException.unauthorized("Invalid email or password");
                            }
                            return issue(account);
                        }));
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
