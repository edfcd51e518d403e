package com.gad.stats.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;

import javax.crypto.SecretKey;

import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import com.gad.stats.auth.CompactJwt.VerifiedClaims;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Remembers bearer tokens that passed full verification, so a client that sends the same token
 * on every request pays the RS256 signature check and the claims parsing once, not per request
 * (the benchmark profile showed them as the largest single cost of a cache hit).
 *
 * <p>Safe because the key is a SHA-256 digest of the exact token text: a cached answer is only ever
 * returned for the very bytes that smallrye-jwt verified (signature, issuer, algorithm, required
 * claims). The digest rather than the text keeps an entry small (32 bytes instead of ~700); its
 * cost, well under a microsecond, is a small fraction of the RS256 check it saves. Time is the
 * only thing that changes a verified token's validity, so every hit re-checks {@code exp} (without
 * the verifier's clock-skew allowance: a cached token is never accepted longer than the verifier
 * would). Failed verifications are never cached.
 *
 * <p>Bounded by {@link #MAX_BYTES} of heap in a Caffeine cache, each entry weighed by the bytes its
 * claims hold ({@link CompactJwt.VerifiedClaims#weight()}): a count bound let a few large tokens
 * fill the 64 MiB heap while requests waited on Redis. Caffeine's admission policy keeps the tokens
 * in frequent use when more are active than fit.
 */
@Decorator
@Priority(10)
public class VerifiedTokenCache implements JWTParser {

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });

    /**
     * The heap the remembered tokens may hold: about 10,000 of the tokens the login endpoint issues
     * (~0.7 KB each), the users of one busy instance, in an eighth of the 64 MiB heap.
     */
    static final long MAX_BYTES = 8L * 1024 * 1024;

    private final JWTParser delegate;
    private final Cache<String, VerifiedClaims> verified;

    @Inject
    VerifiedTokenCache(@Delegate @Any JWTParser delegate) {
        this(delegate, MAX_BYTES);
    }

    VerifiedTokenCache(JWTParser delegate, long maxBytes) {
        this.delegate = delegate;
        this.verified = maxBytes <= 0 ? null
                : Caffeine.newBuilder()
                        // No per-entry expiry: every hit checks exp itself, and an expired entry is
                        // replaced or evicted like any other (a timer wheel would cost every read)
                        .maximumWeight(maxBytes)
                        .weigher((String key, VerifiedClaims claims) -> claims.weight())
                        .executor(Runnable::run) // maintenance is small and amortized: no hop to another pool
                        .build();
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        if (verified == null || token == null) {
            return delegate.parse(token);
        }
        long now = System.currentTimeMillis() / 1000;
        String key = digest(token);
        VerifiedClaims cached = verified.getIfPresent(key);
        if (cached != null) {
            if (now < cached.exp()) {
                return new CompactJwt(token, cached);
            }
            verified.invalidate(key);
        }
        JsonWebToken jwt = delegate.parse(token);
        VerifiedClaims claims = VerifiedClaims.of(jwt);
        if (now >= claims.exp()) {
            return jwt;
        }
        verified.put(key, claims);
        return new CompactJwt(token, claims);
    }

    /** The digest as a 32-character string: compact, with the equality and hash a cache key needs. */
    static String digest(String token) {
        return new String(SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8)), StandardCharsets.ISO_8859_1);
    }

    // Everything else is passed through unchanged.

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return delegate.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return delegate.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return delegate.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return delegate.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return delegate.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return delegate.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return delegate.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return delegate.parseOnly(token);
    }
}
