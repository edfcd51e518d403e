package com.gad.stats.common;

/**
 * Parsing of path and query parameters. Resources take raw strings so that a malformed value
 * gets a 400 naming the parameter instead of the framework's bare 404.
 */
public final class Params {

    private Params() {
    }

    /** A positive decimal id. */
    public static long id(String name, String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > 19 || !isDigits(raw)) {
            throw ApiException.badRequest(name, name + " must be a positive integer");
        }
        long value;
        try {
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, name + " must be a positive integer");
        }
        if (value <= 0) {
            throw ApiException.badRequest(name, name + " must be a positive integer");
        }
        return value;
    }

    /** An integer in [min, max], or the default when absent. */
    public static int intInRange(String name, String raw, int min, int max, int defaultValue) {
        if (raw == null) {
            return defaultValue;
        }
        String message = name + " must be an integer between " + min + " and " + max;
        if (raw.isEmpty() || raw.length() > 10 || !isDigits(raw.startsWith("-") ? raw.substring(1) : raw)) {
            throw ApiException.badRequest(name, message);
        }
        long value = Long.parseLong(raw);
        if (value < min || value > max) {
            throw ApiException.badRequest(name, message);
        }
        return (int) value;
    }

    /** true/false (case-insensitive), or the default when absent. */
    public static boolean bool(String name, String raw, boolean defaultValue) {
        if (raw == null) {
            return defaultValue;
        }
        if ("true".equalsIgnoreCase(raw)) {
            return true;
        }
        if ("false".equalsIgnoreCase(raw)) {
            return false;
        }
        throw ApiException.badRequest(name, name + " must be true or false");
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
