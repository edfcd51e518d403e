package com.gad.stats.common;

import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.function.Function;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ext.ParamConverter;
import jakarta.ws.rs.ext.ParamConverterProvider;
import jakarta.ws.rs.ext.Provider;

/**
 * Conversion of typed path and query parameters ({@code long}, {@code int}, {@code boolean}). The
 * JAX-RS defaults ({@code Long.valueOf}, {@code Boolean.valueOf}) accept what this API refuses
 * ({@code +5}, non-ASCII digits) and read {@code maybe} as false, and a value they refuse becomes
 * a bare 404. These accept plain decimal numbers and true/false (any case) only, and refuse the rest
 * with an {@link InvalidInput} naming the parameter in the words of its own constraint
 * ({@code @Positive}, {@code @Min}, {@code @Max}), so a malformed and an out-of-range value read
 * alike. Ranges themselves are Bean Validation's job.
 */
@Provider
public class Params implements ParamConverterProvider {

    /** The rule of every id. */
    public static final String POSITIVE_INTEGER = "must be a positive integer";
    public static final String TRUE_OR_FALSE = "must be true or false";
    static final String INTEGER = "must be an integer";

    @Override
    @SuppressWarnings("unchecked")
    public <T> ParamConverter<T> getConverter(Class<T> rawType, Type genericType, Annotation[] annotations) {
        String name = name(annotations);
        if (name == null) {
            return null;
        }
        if (rawType == long.class || rawType == Long.class) {
            return (ParamConverter<T>) new Strict<>(name, rule(annotations), raw -> decimal(raw, 19));
        }
        if (rawType == int.class || rawType == Integer.class) {
            return (ParamConverter<T>) new Strict<>(name, rule(annotations), raw -> Math.toIntExact(decimal(raw, 10)));
        }
        if (rawType == boolean.class || rawType == Boolean.class) {
            return (ParamConverter<T>) new Strict<>(name, TRUE_OR_FALSE, Params::bool);
        }
        return null;
    }

    /**
     * Refuses a query parameter that is present but empty ({@code days=}): the framework reads it as
     * absent and applies the default, converting nothing, so no converter can refuse it.
     */
    public static void refuseEmpty(jakarta.ws.rs.core.UriInfo uri, String name, String rule) {
        java.util.List<String> values = uri.getQueryParameters().get(name);
        if (values != null && values.stream().anyMatch(String::isEmpty)) {
            throw new InvalidInput(name, name + " " + rule);
        }
    }

    /** The name of a path or query parameter on the wire, or null when it is neither. */
    static String name(Annotation[] annotations) {
        for (Annotation annotation : annotations) {
            if (annotation instanceof PathParam path) {
                return path.value();
            }
            if (annotation instanceof QueryParam query) {
                return query.value();
            }
        }
        return null;
    }

    /** The message of the parameter's constraint: malformed input breaks the same rule. */
    private static String rule(Annotation[] annotations) {
        for (Annotation annotation : annotations) {
            String message = null;
            if (annotation instanceof Positive positive) {
                message = positive.message();
            } else if (annotation instanceof Min min) {
                message = min.message();
            } else if (annotation instanceof Max max) {
                message = max.message();
            }
            if (message != null && !message.startsWith("{")) {
                return message;
            }
        }
        return INTEGER;
    }

    /** An optional minus sign and at most {@code maxDigits} ASCII digits ({@code Long.parseLong} takes any script's digits). */
    private static long decimal(String raw, int maxDigits) {
        int start = raw.startsWith("-") ? 1 : 0;
        int digits = raw.length() - start;
        if (digits == 0 || digits > maxDigits || !raw.chars().skip(start).allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new NumberFormatException();
        }
        return Long.parseLong(raw);
    }

    private static boolean bool(String raw) {
        if ("true".equalsIgnoreCase(raw)) {
            return true;
        }
        if ("false".equalsIgnoreCase(raw)) {
            return false;
        }
        throw new IllegalArgumentException();
    }

    private record Strict<T>(String name, String rule, Function<String, T> parse) implements ParamConverter<T> {

        @Override
        public T fromString(String raw) {
            try {
                return parse.apply(raw);
            } catch (RuntimeException e) {
                throw new InvalidInput(name, name + " " + rule);
            }
        }

        @Override
        public String toString(T value) {
            return String.valueOf(value);
        }
    }
}
