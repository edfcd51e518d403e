package com.gad.stats.tasks.model;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.gad.stats.common.InvalidInput;

/**
 * The fields of a task write (POST, PUT or PATCH), parsed and validated from the JSON body.
 * One parser for the three verbs keeps their validation identical: every error is an
 * {@link InvalidInput} naming the field, and nothing is written. Only the fields present in the
 * body are set. The limits below are the only copy: the request schemas of the OpenAPI document
 * read them too.
 */
public final class TaskChanges {

    public static final String CODIGO_PATTERN = "[A-Za-z0-9_-]{1,50}";
    public static final int MAX_TITULO = 200;
    public static final int MAX_DESCRIPCION = 10_000;
    public static final int MIN_PRIORIDAD = 1;
    public static final int MAX_PRIORIDAD = 5;
    /** The prioridad of a task created or replaced without one (also the column's default). */
    public static final int DEFAULT_PRIORIDAD = 3;

    /** The members a body may carry, in the order of the request schemas. */
    public static final List<String> WRITABLE = List.of("codigo", "titulo", "descripcion", "tipo", "prioridad", "estado",
            "delegado_usuario_id", "inicio_programado", "fin_programado");
    /** Required by a create and by a full replacement, checked in this order. */
    public static final List<String> REQUIRED = List.of("titulo", "tipo", "delegado_usuario_id");

    private static final Set<String> TIPOS = Arrays.stream(Tipo.values()).map(Tipo::value).collect(Collectors.toSet());
    private static final Pattern CODIGO = Pattern.compile(CODIGO_PATTERN);
    private static final OffsetDateTime EARLIEST = OffsetDateTime.parse("1900-01-01T00:00:00Z");
    private static final OffsetDateTime LATEST = OffsetDateTime.parse("9999-12-31T23:59:59.999999Z");

    private final Set<String> present = new HashSet<>();
    public String codigo;
    public String titulo;
    public String descripcion;
    public String tipo;
    public Integer prioridad;
    public Estado estado;
    public Long delegadoUsuarioId;
    public OffsetDateTime inicioProgramado;
    public OffsetDateTime finProgramado;

    private TaskChanges() {
    }

    /** The members of {@code body}, each valid on its own; see {@link #requireComplete} and {@link #requireAny}. */
    public static TaskChanges from(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInput(null, "The body must be a JSON object");
        }
        TaskChanges c = new TaskChanges();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            c.set(entry.getKey(), entry.getValue());
        }
        return c;
    }

    /** A create or full replacement: titulo, tipo and delegado_usuario_id are required. */
    public TaskChanges requireComplete() {
        for (String field : REQUIRED) {
            if (!has(field)) {
                throw new InvalidInput(field, field + " is required");
            }
        }
        return this;
    }

    /** A partial update: at least one field. */
    public TaskChanges requireAny() {
        if (present.isEmpty()) {
            throw new InvalidInput(null, "The body must contain at least one field to change");
        }
        return this;
    }

    public boolean has(String field) {
        return present.contains(field);
    }

    /** True when the body changes nothing but {@code estado} (what an efectivo may do). */
    public boolean onlyEstado() {
        return present.equals(Set.of("estado"));
    }

    private void set(String field, JsonNode value) {
        if (!WRITABLE.contains(field)) {
            throw new InvalidInput(safeName(field), "Unknown or read-only field");
        }
        present.add(field);
        switch (field) {
            case "codigo" -> codigo = pattern(field, text(field, value, false), CODIGO, "1-50 letters, digits, '-' or '_'");
            case "titulo" -> titulo = length(field, plain(field, text(field, value, false), false).trim(), 1, MAX_TITULO);
            case "descripcion" -> descripcion = value.isNull() ? null
                    : length(field, plain(field, text(field, value, true), true), 0, MAX_DESCRIPCION);
            case "tipo" -> tipo = oneOf(field, text(field, value, false), TIPOS);
            case "prioridad" -> prioridad = (int) integer(field, value, MIN_PRIORIDAD, MAX_PRIORIDAD);
            case "estado" -> estado = Estado.fromString(text(field, value, false));
            case "delegado_usuario_id" -> delegadoUsuarioId = integer(field, value, 1, Long.MAX_VALUE);
            case "inicio_programado" -> inicioProgramado = timestamp(field, value);
            case "fin_programado" -> finProgramado = timestamp(field, value);
            default -> throw new IllegalStateException(field);
        }
    }

    private static String text(String field, JsonNode value, boolean nullable) {
        if (value.isTextual()) {
            return value.textValue();
        }
        throw new InvalidInput(field, field + " must be a string" + (nullable ? " or null" : ""));
    }

    /**
     * Text PostgreSQL can store as sent: no NUL (which it refuses: a 500 before this check) and no
     * unpaired surrogate (which would be stored as '?'); no control characters either, except
     * tab and line breaks in multi-line text.
     */
    private static String plain(String field, String value, boolean multiLine) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            boolean allowedControl = multiLine && (ch == '\t' || ch == '\n' || ch == '\r');
            boolean control = Character.isISOControl(ch) && !allowedControl;
            boolean unpaired = Character.isHighSurrogate(ch)
                    ? i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(++i))
                    : Character.isLowSurrogate(ch);
            if (control || unpaired) {
                throw new InvalidInput(field, field + " must not contain control characters or invalid Unicode");
            }
        }
        return value;
    }

    private static String length(String field, String value, int min, int max) {
        if (value.length() < min || value.length() > max) {
            throw new InvalidInput(field, field + " must have " + min + " to " + max + " characters");
        }
        return value;
    }

    private static String pattern(String field, String value, Pattern pattern, String rule) {
        if (!pattern.matcher(value).matches()) {
            throw new InvalidInput(field, field + " must be " + rule);
        }
        return value;
    }

    private static String oneOf(String field, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new InvalidInput(field, field + " must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return value;
    }

    private static long integer(String field, JsonNode value, long min, long max) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw new InvalidInput(field, field + " must be an integer between " + min + " and " + max);
        }
        return value.longValue();
    }

    private static OffsetDateTime timestamp(String field, JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        String text = text(field, value, true);
        try {
            if (text.length() > 40) {
                throw new DateTimeParseException("too long", text, 0);
            }
            OffsetDateTime parsed = OffsetDateTime.parse(text);
            if (parsed.isBefore(EARLIEST) || parsed.isAfter(LATEST)) {
                // PostgreSQL stores 4713 BC to 294276 AD: beyond it the insert failed with a 500
                throw new InvalidInput(field, field + " must be between the years 1900 and 9999 (UTC)");
            }
            return parsed;
        } catch (DateTimeParseException e) {
            throw new InvalidInput(field, field + " must be an ISO-8601 timestamp with offset, e.g. 2025-10-12T08:00:00Z");
        }
    }

    /** Field names come from the client: echo them only when short and plain. */
    private static String safeName(String field) {
        return field.length() <= 64 && field.chars().allMatch(ch -> ch == '_' || Character.isLetterOrDigit(ch)) ? field : "body";
    }
}
