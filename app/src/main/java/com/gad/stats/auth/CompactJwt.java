package com.gad.stats.auth;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.jwt.Claims;
import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;

/**
 * A verified token as {@link VerifiedTokenCache} hands it out: the request's token text and the
 * claims remembered for it ({@link VerifiedClaims}, shared by every request that presents the token).
 *
 * <p>The parsed token smallrye-jwt returns keeps the claims twice (jose4j's map and its JSON text)
 * plus the token text, about 2.3 KB per token; ten thousand remembered tokens took a third of a
 * 64 MiB heap and made full collections under load. This one answers every claim exactly as the
 * parsed token does (same values, same fresh mutable sets for {@code groups} and {@code aud}, 0 for
 * an absent NumericDate claim).
 */
final class CompactJwt extends JWTCallerPrincipal {

    private static final Set<String> NUMERIC_DATES = Set.of(Claims.exp.name(), Claims.iat.name(),
            Claims.auth_time.name(), Claims.nbf.name(), Claims.updated_at.name());

    private final VerifiedClaims claims;

    CompactJwt(String rawToken, VerifiedClaims claims) {
        super(rawToken, "JWT");
        this.claims = claims;
    }

    /**
     * The claim values of one verified token, without its text: what the cache keeps. {@code exp}
     * is also kept apart: every cache hit checks it, and reading it from the map costs a lookup and a
     * conversion.
     */
    record VerifiedClaims(Map<String, Object> values, long exp) {

        static VerifiedClaims of(JsonWebToken verified) {
            Map<String, Object> values = new HashMap<>();
            for (String name : verified.getClaimNames()) {
                if (Claims.raw_token.name().equals(name)) {
                    continue; // the text comes with each request
                }
                Object value = verified.getClaim(name);
                if (value instanceof Set<?> set) {
                    // groups, aud: kept in their order, handed out as a fresh set on every read as smallrye-jwt does
                    value = new StoredSet(set.stream().map(CompactJwt::shared).toList());
                }
                if (value != null) {
                    values.put(name.intern(), value); // claim names repeat in every token: one copy
                }
            }
            return new VerifiedClaims(Map.copyOf(values), verified.getExpirationTime());
        }

        /**
         * About the heap an entry holds, in bytes: its 32-byte key, this record and its map, and
         * every claim value (strings at a byte per character, as the JVM stores Latin-1 text; other
         * JSON values by their text). Shared (interned) names and roles are counted all the same:
         * an upper bound is what a memory bound needs.
         */
        int weight() {
            int bytes = 160;
            for (Object value : values.values()) {
                bytes += 48 + bytesOf(value);
            }
            return bytes;
        }

        private static int bytesOf(Object value) {
            if (value instanceof String text) {
                return 40 + text.length();
            }
            if (value instanceof StoredSet set) {
                return 32 + set.members().stream().mapToInt(member -> 16 + bytesOf(member)).sum();
            }
            if (value instanceof Number || value instanceof Boolean) {
                return 16;
            }
            return 40 + 2 * String.valueOf(value).length();
        }
    }

    VerifiedClaims claims() {
        return claims;
    }

    @Override
    protected Collection<String> doGetClaimNames() {
        return claims.values().keySet();
    }

    @Override
    protected Object getClaimValue(String claimName) {
        Object value = claims.values().get(claimName);
        if (value == null && NUMERIC_DATES.contains(claimName)) {
            return 0L;
        }
        if (value instanceof StoredSet set) {
            return Claims.aud.name().equals(claimName) ? new LinkedHashSet<>(set.members()) : new HashSet<>(set.members());
        }
        return value;
    }

    /** Role names and audiences repeat across tokens: one copy of each string. */
    private static Object shared(Object member) {
        return member instanceof String s ? s.intern() : member;
    }

    private record StoredSet(List<Object> members) {
    }
}
