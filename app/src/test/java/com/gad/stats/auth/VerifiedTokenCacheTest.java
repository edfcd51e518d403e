package com.gad.stats.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

/** The verified-token cache never answers for a token the verifier would not accept now. */
class VerifiedTokenCacheTest {

    private final Map<String, Long> expiry = new HashMap<>();
    private final Map<String, Integer> verifications = new HashMap<>();

    /** A verifier that accepts tokens listed in {@link #expiry} and counts its calls. */
    private final JWTParser verifier = (JWTParser) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] { JWTParser.class }, (proxy, method, args) -> {
                String token = (String) args[0];
                verifications.merge(token, 1, Integer::sum);
                Long exp = expiry.get(token);
                if (exp == null) {
                    throw new ParseException("invalid token");
                }
                return jwt(exp);
            });

    @Test
    void aValidTokenIsVerifiedOnce() throws ParseException {
        VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 100);
        expiry.put("a", now() + 600);
        JsonWebToken first = cache.parse("a");
        assertSame(first, cache.parse("a"));
        assertSame(first, cache.parse("a"));
        assertEquals(1, verifications.get("a"));
    }

    @Test
    void anExpiredEntryGoesBackToTheVerifier() throws ParseException {
        VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 100);
        expiry.put("a", now() - 1); // accepted by the verifier (clock skew) but never cached
        cache.parse("a");
        cache.parse("a");
        assertEquals(2, verifications.get("a"));
        expiry.remove("a"); // now the verifier rejects it
        assertThrows(ParseException.class, () -> cache.parse("a"));
    }

    @Test
    void rejectedTokensAreNotCached() {
        VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 100);
        assertThrows(ParseException.class, () -> cache.parse("bad"));
        assertThrows(ParseException.class, () -> cache.parse("bad"));
        assertEquals(2, verifications.get("bad"));
    }

    @Test
    void theCacheIsBoundedAndCanBeTurnedOff() throws ParseException {
        VerifiedTokenCache bounded = new VerifiedTokenCache(verifier, 2);
        for (String t : new String[] { "a", "b", "c", "a" }) {
            expiry.put(t, now() + 600);
            bounded.parse(t);
        }
        assertEquals(2, verifications.get("a")); // dropped when "c" overflowed the bound
        VerifiedTokenCache off = new VerifiedTokenCache(verifier, 0);
        off.parse("b");
        off.parse("b");
        assertEquals(3, verifications.get("b"));
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static JsonWebToken jwt(long exp) {
        return new JsonWebToken() {
            @Override
            public String getName() {
                return "user";
            }

            @Override
            public Set<String> getClaimNames() {
                return Set.of("exp");
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T getClaim(String claimName) {
                return "exp".equals(claimName) ? (T) Long.valueOf(exp) : null;
            }

            @Override
            public long getExpirationTime() {
                return exp;
            }
        };
    }
}
