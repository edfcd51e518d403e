package com.gad.stats.common;

import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.function.Function;

import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ext.ParamConverter;
import jakarta.ws.rs.ext.ParamConverterProvider;
import jakarta.ws.rs.ext.Provider;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import io.vertx.ext.web.RoutingContext;

/**
 * Conversion and checking of typed path and query parameters ({@code long}, {@code int},
 * {@code boolean}). The JAX-RS defaults ({@code Long.valueOf}, {@code Boolean.valueOf}) accept what
 * this API refuses ({@code +5}, non-ASCII digits) and read {@code maybe} as false, and a value they
 * refuse becomes a bare 404. These accept plain decimal numbers and true/false (any case) only, and
 * numbers only within the bounds the parameter's OpenAPI schema states
 * ({@code @Parameter(schema = @Schema(minimum, maximum))}): the range the API document promises is
 * the range enforced, written once. Anything else is an {@link InvalidInput} naming the parameter
 * and its rule ("must be a positive integer", "must be an integer between 1 and 365"), so a
 * malformed and an out-of-range value read alike.
 *
 * <p>Why here and not Bean Validation's {@code @Min}/{@code @Max}: a constraint on a resource
 * method's parameter makes Hibernate Validator intercept every call, ~2.6 µs of CPU on each cache
 * hit (~7 % of it, bench/README.md "What the profiles showed"), to check what the converter has in
 * hand already. Bean Validation keeps the request bodies.
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
            Bounds bounds = Bounds.of(annotations, Long.MIN_VALUE, Long.MAX_VALUE);
            return (ParamConverter<T>) new Strict<>(name, bounds.rule(), raw -> bounds.check(decimal(raw, 19)));
        }
        if (rawType == int.class || rawType == Integer.class) {
            Bounds bounds = Bounds.of(annotations, Integer.MIN_VALUE, Integer.MAX_VALUE);
            return (ParamConverter<T>) new Strict<>(name, bounds.rule(), raw -> Math.toIntExact(bounds.check(decimal(raw, 10))));
        }
        if (rawType == boolean.class || rawType == Boolean.class) {
            return (ParamConverter<T>) new Strict<>(name, TRUE_OR_FALSE, Params::bool);
        }
        return null;
    }

    /**
     * Refuses a query parameter that is present but empty ({@code days=}): the framework reads it as
     * absent and applies the default, converting nothing, so no converter can refuse it. Reads the
     * request's decoded query parameters, parsed once per request and shared with the framework
     * ({@code UriInfo.getQueryParameters()} parsed the whole query again on every call: ~1.6 % of a hit's CPU).
     */
    public static void refuseEmpty(RoutingContext request, String name, String rule) {
        for (String value : request.queryParam(name)) {
            if (value.isEmpty()) {
                throw new InvalidInput(name, name + " " + rule);
            }
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

    /** The inclusive range a number parameter's OpenAPI schema states, and its rule in words. */
    record Bounds(long min, long max, String rule) {

        static Bounds of(Annotation[] annotations, long typeMin, long typeMax) {
            for (Annotation annotation : annotations) {
                if (annotation instanceof Parameter parameter) {
                    Schema schema = parameter.schema();
                    long min = schema.minimum().isEmpty() ? typeMin
                            : Long.parseLong(schema.minimum()) + (schema.exclusiveMinimum() ? 1 : 0);
                    long max = schema.maximum().isEmpty() ? typeMax
                            : Long.parseLong(schema.maximum()) - (schema.exclusiveMaximum() ? 1 : 0);
                    return new Bounds(min, max, describe(min, max, typeMax));
                }
            }
            return new Bounds(typeMin, typeMax, INTEGER);
        }

        private static String describe(long min, long max, long typeMax) {
            if (max == typeMax) {
                return min == 1 ? POSITIVE_INTEGER : "must be an integer of at least " + min;
            }
            return "must be an integer between " + min + " and " + max;
        }

        long check(long value) {
            if (value < min || value > max) {
                throw new IllegalArgumentException();
            }
            return value;
        }
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
