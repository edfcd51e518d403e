package com.gad.stats.cache.admin;

import java.util.regex.Pattern;

import com.gad.stats.common.InvalidInput;

/**
 * Admin key and pattern arguments are relative to the prefix, and the prefix is always put in
 * front of them, so they can only name keys under it. On top of that they are restricted to the
 * characters of our own key layout: no glob escapes or classes ({@code \ [ ]}), no path tricks
 * ({@code .. /}), no whitespace or control characters. Patterns may use {@code *} and {@code ?}.
 */
public final class KeyArguments {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9:_{}.-]{1,256}");
    private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9:_{}.*?-]{1,256}");

    private KeyArguments() {
    }

    public static String key(String raw) {
        return checked("key", raw, KEY);
    }

    public static String pattern(String raw) {
        return checked("pattern", raw, GLOB);
    }

    /** The prefix as a literal inside a SCAN MATCH pattern. */
    public static String escapeGlob(String literal) {
        StringBuilder sb = new StringBuilder(literal.length() + 4);
        for (char c : literal.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String checked(String field, String raw, Pattern allowed) {
        if (raw == null || !allowed.matcher(raw).matches() || raw.contains("..")) {
            throw new InvalidInput(field, field + " must be 1-256 characters of letters, digits and :_{}.-"
                    + ("pattern".equals(field) ? " plus the wildcards * and ?" : "") + ", relative to the cache prefix");
        }
        return raw;
    }
}
