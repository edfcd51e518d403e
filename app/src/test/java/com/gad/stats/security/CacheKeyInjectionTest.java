package com.gad.stats.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.gad.stats.cache.CacheKey;
import com.gad.stats.cache.admin.KeyArguments;
import com.gad.stats.common.DomainException;
import com.gad.stats.common.InvalidInput;

/**
 * Properties of the cache-key arguments over seeded random input (no Quarkus needed): what the
 * admin endpoints accept is confined to the prefix under Redis' own glob rules, whatever the
 * prefix, and keys built from requests contain only validated numbers and fixed words. (The
 * running service is checked end to end by {@link InputFuzzTest}: no key outside the layout appears.)
 */
class CacheKeyInjectionTest {

    static final long SEED = Long.getLong("gad.fuzz.seed", 20251012L);
    static final int TRIALS = 20_000;
    static final String ALPHABET = "abcgdAZ09:_{}.-*?[]\\^/ \r\n\u0000%$#!'\"ñ🚀";
    static final Pattern KEY = Pattern.compile("[A-Za-z0-9:_{}.-]{1,256}");
    static final Pattern GLOB = Pattern.compile("[A-Za-z0-9:_{}.*?-]{1,256}");

    static String random(Random r, String alphabet, int maxLength) {
        StringBuilder sb = new StringBuilder();
        int length = r.nextInt(maxLength + 1);
        int[] cps = alphabet.codePoints().toArray();
        for (int i = 0; i < length; i++) {
            sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        }
        return sb.toString();
    }

    @Test
    void acceptedArgumentsStayInsideTheirCharacterSet() {
        Random r = new Random(SEED);
        int accepted = 0;
        for (int i = 0; i < TRIALS; i++) {
            String raw = random(r, ALPHABET, r.nextInt(10) == 0 ? 300 : 12);
            for (boolean glob : new boolean[] { false, true }) {
                try {
                    String value = glob ? KeyArguments.pattern(raw) : KeyArguments.key(raw);
                    accepted++;
                    assertEquals(raw, value);
                    assertTrue((glob ? GLOB : KEY).matcher(value).matches(), value);
                    assertFalse(value.contains(".."), value);
                } catch (InvalidInput refused) {
                    assertEquals(DomainException.Kind.INVALID, refused.kind());
                    assertEquals(glob ? "pattern" : "key", refused.field());
                }
            }
        }
        System.out.printf("[security] cache-key arguments: %d generated cases (seed %d), %d accepted%n", 2 * TRIALS, SEED, accepted);
    }

    @Test
    void noAcceptedPatternMatchesAKeyOutsideThePrefixWhateverThePrefix() {
        // the control: without escaping, a prefix with glob characters would reach outside itself
        assertTrue(RedisGlob.matches("g*d:" + "*", "gXd:other"));
        assertFalse(RedisGlob.matches(KeyArguments.escapeGlob("g*d:") + "*", "gXd:other"));
        Random r = new Random(SEED + 1);
        int checks = 0;
        int matchedInside = 0;
        for (int i = 0; i < TRIALS; i++) {
            String prefix = r.nextInt(4) == 0 ? "gad:" : random(r, "gad:*?[]\\^{}-", 6);
            String relative = random(r, "ab:*?{}.-", 6);
            if (relative.isEmpty() || !GLOB.matcher(relative).matches() || relative.contains("..")) {
                continue;
            }
            String pattern = KeyArguments.escapeGlob(prefix) + KeyArguments.pattern(relative);
            List<String> keys = List.of(prefix + random(r, "ab:{}.-x", 8), random(r, "gad:*?[]\\ab", 10),
                    prefix.isEmpty() ? "x" : prefix.substring(0, prefix.length() - 1) + random(r, "ab:*", 4),
                    "x" + prefix + random(r, "ab:", 3), prefix.toUpperCase() + random(r, "ab", 3));
            for (String key : keys) {
                checks++;
                if (RedisGlob.matches(pattern, key)) {
                    matchedInside++;
                    if (!key.startsWith(prefix)) {
                        fail("pattern " + pattern + " (prefix " + prefix + ", argument " + relative + ") matches " + key);
                    }
                }
            }
            // the prefix alone, escaped, matches exactly the keys that start with it
            assertTrue(RedisGlob.matches(KeyArguments.escapeGlob(prefix) + "*", prefix + "anything"));
        }
        assertTrue(matchedInside > 1000, "the property was exercised: " + matchedInside);
        System.out.printf("[security] cache-key patterns: %d generated key checks (seed %d), %d matches, all inside the prefix%n",
                checks, SEED, matchedInside);
    }

    @Test
    void keysBuiltFromRequestsHoldOnlyValidatedValues() {
        // the only request values in keys: a user id (long), days (int), limit/offset (int) and a validated estado
        assertEquals("d30", CacheKey.stats(42, 30).variant());
        assertEquals("l100:o0:eall", CacheKey.tasks(42, 100, 0, null).variant());
        assertEquals("l5:o10:een_curso", CacheKey.tasks(42, 5, 10, "en_curso").variant());
    }

    /** Redis' glob matching (stringmatchlen): * ? [classes] and backslash escapes. */
    static final class RedisGlob {

        static boolean matches(String pattern, String s) {
            return match(pattern.toCharArray(), 0, s.toCharArray(), 0);
        }

        private static boolean match(char[] p, int pi, char[] s, int si) {
            while (pi < p.length) {
                char c = p[pi];
                if (c == '*') {
                    while (pi + 1 < p.length && p[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == p.length) {
                        return true;
                    }
                    for (int k = si; k <= s.length; k++) {
                        if (match(p, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                }
                if (si >= s.length) {
                    return false;
                }
                if (c == '?') {
                    pi++;
                    si++;
                } else if (c == '[') {
                    pi++;
                    boolean not = pi < p.length && p[pi] == '^';
                    if (not) {
                        pi++;
                    }
                    boolean found = false;
                    while (pi < p.length && p[pi] != ']') {
                        if (p[pi] == '\\' && pi + 1 < p.length) {
                            pi++;
                            found |= p[pi] == s[si];
                        } else if (pi + 2 < p.length && p[pi + 1] == '-') {
                            char lo = (char) Math.min(p[pi], p[pi + 2]);
                            char hi = (char) Math.max(p[pi], p[pi + 2]);
                            found |= s[si] >= lo && s[si] <= hi;
                            pi += 2;
                        } else {
                            found |= p[pi] == s[si];
                        }
                        pi++;
                    }
                    if (found == not) {
                        return false;
                    }
                    pi++;
                    si++;
                } else {
                    if (c == '\\' && pi + 1 < p.length) {
                        pi++;
                        c = p[pi];
                    }
                    if (c != s[si]) {
                        return false;
                    }
                    pi++;
                    si++;
                }
            }
            return si == s.length;
        }
    }
}
