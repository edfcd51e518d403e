package com.gad.stats.support;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;

/** Tokens minted with the test signing key (src/test/resources/privateKey.pem). */
public final class Tokens {

    public static final String ISSUER = "gad-stats";

    private static final PrivateKey KEY = load("privateKey.pem");
    private static final PrivateKey OTHER_KEY = load("otherPrivateKey.pem");

    private Tokens() {
    }

    /** The test signing key, loaded explicitly so packaged-artifact tests (no Quarkus config here) mint the same tokens. */
    public static PrivateKey key() {
        return KEY;
    }

    /** A key the service does not trust. */
    public static PrivateKey otherKey() {
        return OTHER_KEY;
    }

    private static PrivateKey load(String resource) {
        try {
            return KeyUtils.readPrivateKey(resource);
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String forUser(long userId, String role) {
        return Jwt.issuer(ISSUER)
                .subject(Long.toString(userId))
                .upn("user" + userId + "@gad.test")
                .groups(Set.of(role))
                .expiresIn(600)
                .sign(KEY);
    }
}
