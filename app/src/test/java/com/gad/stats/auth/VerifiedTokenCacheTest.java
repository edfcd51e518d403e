package com.gad.stats.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
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
                return jwt(exp, token.startsWith("big") ? "x".repeat(4_000) : null);
            });

    @Test
    void aValidTokenIsVerifiedOnce() throws ParseException {
        VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 64 * 1024);
        expiry.put("a", now() + 600);
        JsonWebToken first = cache.parse("a");
        JsonWebToken again = cache.parse("a");
        assertEquals(1, verifications.get("a"));
        assertEquals("a", again.getRawToken()); // the text each request presented
        assertEquals(first.getExpirationTime(), again.getExpirationTime());
        expiry.put("b-not-a", now() + 600);
        cache.parse("b-not-a"); // another text is verified on its own
        assertEquals(1, verifications.get("b-not-a"));
    }

    @Test
    void anExpiredEntryGoesBackToTheVerifier() throws ParseException {
        VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 64 * 1024);
        expiry.put("a", now() - 1); // accepted by the verifier (clock skew) but never cached
        cache.parse("a");
        cache.parse("a");
        assertEquals(2, verifications.get("a"));
        expiry.remove("a"); // now the verifier rejects it
        assertThrows(ParseException.class, () -> cache.parse("a"));
    }

    @Test
    void rejectedTokensAreNotCached() {
        VerifiedTokenCache cache = new VerifiedTokenCache(verifier, 64 * 1024);
        assertThrows(ParseException.class, () -> cache.parse("bad"));
        assertThrows(ParseException.class, () -> cache.parse("bad"));
        assertEquals(2, verifications.get("bad"));
    }

    @Test
    void theCacheIsBoundedByTheBytesItsTokensHold() throws ParseException {
        // 64 KB: room for every one of 30 small tokens, for about 15 of 30 tokens carrying 4 KB each
        VerifiedTokenCache bounded = new VerifiedTokenCache(verifier, 64 * 1024);
        for (String kind : List.of("small", "big")) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 30; i++) {
                    expiry.put(kind + i, now() + 600);
                    bounded.parse(kind + i);
                }
            }
        }
        int small = verifications.entrySet().stream().filter(e -> e.getKey().startsWith("small")).mapToInt(Map.Entry::getValue).sum();
        int big = verifications.entrySet().stream().filter(e -> e.getKey().startsWith("big")).mapToInt(Map.Entry::getValue).sum();
        assertEquals(30, small, "the small tokens all fit: each verified once");
        assertTrue(big >= 30 + 14, "at most about 16 large tokens fit in 64 KB, but only " + big + " verifications in 60 reads");
    }

    @Test
    void theCacheIsBoundedAndCanBeTurnedOff() throws ParseException {
        VerifiedTokenCache bounded = new VerifiedTokenCache(verifier, 500);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10; i++) {
                expiry.put("t" + i, now() + 600);
                bounded.parse("t" + i);
            }
        }
        int total = verifications.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(total >= 18, "at most 2 of 10 tokens kept (about 220 bytes each), but only " + total + " verifications in 20 reads");
        VerifiedTokenCache off = new VerifiedTokenCache(verifier, 0);
        expiry.put("u", now() + 600);
        off.parse("u");
        off.parse("u");
        assertEquals(2, verifications.get("u"));
    }

    @Test
    void theRememberedTokenAnswersEveryClaimAsTheParsedOne() throws Exception {
        long exp = now() + 600;
        String raw = "header.payload.signature";
        JwtClaims claims = JwtClaims.parse("{\"iss\":\"gad-stats\",\"sub\":\"42\",\"upn\":\"ana@gad.test\","
                + "\"groups\":[\"supervisor\",\"efectivo\"],\"aud\":[\"b\",\"a\"],\"iat\":" + (exp - 3600)
                + ",\"exp\":" + exp + ",\"jti\":\"j-1\",\"team\":{\"id\":7},\"zone\":\"norte\"}");
        JsonWebToken parsed = new DefaultJWTCallerPrincipal(raw, "JWT", claims);
        expiry.put(raw, exp);
        JWTParser returnsParsed = new VerifiedTokenCache(verifier, 0) {
            @Override
            public JsonWebToken parse(String token) {
                return parsed;
            }
        };
        JsonWebToken remembered = new VerifiedTokenCache(returnsParsed, 64 * 1024).parse(raw);

        assertEquals(parsed.getClaimNames(), remembered.getClaimNames());
        Set<String> asked = new HashSet<>(parsed.getClaimNames());
        asked.addAll(Set.of("nbf", "auth_time", "updated_at", "email", "preferred_username", "absent"));
        for (String name : asked) {
            assertEquals((Object) parsed.getClaim(name), remembered.getClaim(name), name);
        }
        assertEquals(parsed.getName(), remembered.getName());
        assertEquals(parsed.getGroups(), remembered.getGroups());
        assertEquals(List.copyOf(parsed.getAudience()), List.copyOf(remembered.getAudience())); // order kept
        assertEquals(raw, remembered.getRawToken());
        remembered.getGroups().add("admin"); // a caller's copy, as smallrye-jwt hands out
        assertEquals(Set.of("supervisor", "efectivo"), remembered.getGroups());
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** A verified token with its exp and, when {@code padding} is given, a claim that large. */
    private static JsonWebToken jwt(long exp, String padding) {
        return new JsonWebToken() {
            @Override
            public String getName() {
                return "user";
            }

            @Override
            public Set<String> getClaimNames() {
                return padding == null ? Set.of("exp") : Set.of("exp", "padding");
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T getClaim(String claimName) {
                return "exp".equals(claimName) ? (T) Long.valueOf(exp) : "padding".equals(claimName) ? (T) padding : null;
            }

            @Override
            public long getExpirationTime() {
                return exp;
            }
        };
    }
}
