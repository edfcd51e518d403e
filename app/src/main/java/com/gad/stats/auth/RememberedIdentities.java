package com.gad.stats.auth;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.smallrye.jwt.runtime.auth.JsonWebTokenCredential;
import io.smallrye.mutiny.Uni;

/**
 * Remembers the {@link SecurityIdentity} accepted for a bearer token, so a client that sends the
 * same token on every request does not have it built again: smallrye-jwt's {@code MpJwtValidator}
 * builds a new identity per request (the groups copied into a fresh set, the builder's sets and
 * maps) and {@link NumericSubjectAugmentor} a second one, ~5 % of a cache hit's CPU
 * (bench/README.md "What the profiles showed").
 *
 * <p>An identity provider tried before {@code MpJwtValidator} (a higher priority): it answers only
 * for the exact token text (its SHA-256 digest, as {@link VerifiedTokenCache}) that
 * {@link NumericSubjectAugmentor} accepted, and only until the token's {@code exp}. For any other
 * token it answers nothing, and {@code MpJwtValidator} verifies it as before: refusals are never
 * remembered. The augmentors still run on a remembered identity; {@link NumericSubjectAugmentor}
 * passes it through, as it has checked it already.
 *
 * <p>The remembered identity has no {@code RoutingContext} attribute (the one
 * {@code MpJwtValidator} adds belongs to a single request; nothing in this service reads it).
 * Bounded by {@link #MAX_BYTES}, each entry weighed by the token text and the claims it holds.
 */
@ApplicationScoped
public class RememberedIdentities implements IdentityProvider<TokenAuthenticationRequest> {

    /**
     * The heap the remembered identities may hold: about 2,000 tokens of the login endpoint
     * (~2 KB each with their claims), a sixteenth of the 64 MiB heap. Caffeine's admission
     * policy keeps those in frequent use; the others take the verifier's path.
     */
    static final long MAX_BYTES = 4L * 1024 * 1024;
    /** The identity, its sets and maps and the digest key, beyond the token text and the claims. */
    private static final int IDENTITY_BYTES = 600;
    /** The attribute {@code MpJwtValidator} sets to the token, kept for code that reads it. */
    private static final String QUARKUS_USER = "quarkus.user";

    private record Remembered(SecurityIdentity identity, long exp, int weight) {
    }

    private final Cache<String, Remembered> byDigest = Caffeine.newBuilder()
            .maximumWeight(MAX_BYTES)
            .weigher((String digest, Remembered remembered) -> remembered.weight())
            .executor(Runnable::run) // maintenance is small and amortized: no hop to another pool
            .build();

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    /** Before the providers of the default priority, {@code MpJwtValidator} among them. */
    @Override
    public int priority() {
        return IdentityProvider.super.priority() + 1;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        if (!(request.getToken() instanceof JsonWebTokenCredential)) {
            return Uni.createFrom().nullItem(); // not a bearer JWT: not ours to answer, as for MpJwtValidator
        }
        Remembered remembered = byDigest.getIfPresent(VerifiedTokenCache.digest(request.getToken().getToken()));
        if (remembered != null && System.currentTimeMillis() / 1000 < remembered.exp()) {
            return Uni.createFrom().item(remembered.identity());
        }
        return Uni.createFrom().nullItem();
    }

    /**
     * Remembers an identity {@link NumericSubjectAugmentor} accepted, if its token came verified
     * from {@link VerifiedTokenCache} (which hands out only tokens before their {@code exp}).
     */
    void remember(SecurityIdentity accepted, long userId) {
        if (!(accepted.getPrincipal() instanceof CompactJwt jwt)) {
            return;
        }
        SecurityIdentity identity = QuarkusSecurityIdentity.builder()
                .setPrincipal(jwt)
                .addCredentials(accepted.getCredentials())
                .addRoles(accepted.getRoles())
                .addAttribute(QUARKUS_USER, jwt)
                .addAttribute(NumericSubjectAugmentor.USER_ID, userId)
                .build();
        int weight = IDENTITY_BYTES + jwt.getRawToken().length() + jwt.claims().weight();
        byDigest.put(VerifiedTokenCache.digest(jwt.getRawToken()), new Remembered(identity, jwt.getExpirationTime(), weight));
    }
}
