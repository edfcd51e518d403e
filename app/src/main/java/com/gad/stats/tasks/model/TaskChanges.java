package com.gad.stats.tasks.model;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.gad.stats.common.ApiException;

/**
 * The fields of a task write (POST, PUT or PATCH), parsed and validated from the JSON body.
 * One parser for the three verbs keeps their validation identical: every error is a 400 naming
 * the field, and nothing is written. Only the fields present in the body are set.
 */
public final class TaskChanges {

    public static final Set<String> TIPOS = Set.of("patrullaje", "investigacion", "vigilancia", "intervencion",
            "administrativa", "entrenamiento");
    static final Set<String> WRITABLE = Set.of("codigo", "titulo", "descripcion", "tipo", "prioridad", "estado",
            "delegado_usuario_id", "inicio_programado", "fin_programado");
    static final Set<String> REQUIRED_ON_CREATE = Set.of("titulo", "tipo", "delegado_usuario_id");
    private static final Pattern CODIGO = Pattern.compile("[A-Za-z0-9_-]{1,50}");
    static final OffsetDateTime EARLIEST = OffsetDateTime.parse("1900-01-01T00:00:00Z");
    static final OffsetDateTime LATEST = OffsetDateTime.parse("9999-12-31T23:59:59.999999Z");

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

    /** A create or full replacement: titulo, tipo and delegado_usuario_id are required. */
    public static TaskChanges complete(JsonNode body) {
        TaskChanges changes = parse(body);
        for (String field : REQUIRED_ON_CREATE) {
            if (!changes.has(field)) {
                throw ApiException.badRequest(field, field + " is required");
            }
        }
        return changes;
    }

    /** A partial update: at least one field. */
    public static TaskChanges partial(JsonNode body) {
        TaskChanges changes = parse(body);
        if (changes.present.isEmpty()) {
            throw ApiException.badRequest(null, "The body must contain at least one field to change");
        }
        return changes;
    }

    public boolean has(String field) {
        return present.contains(field);
    }

    /** True when the body changes nothing but {@code estado} (what an efectivo may do). */
    public boolean onlyEstado() {
        return present.equals(Set.of("estado"));
    }

    private static TaskChanges parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(null, "The body must be a JSON object");
        }
        TaskChanges c = new TaskChanges();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            String field = entry.getKey();
            JsonNode value = entry.getValue();
            if (!WRITABLE.contains(field)) {
                throw ApiException.badRequest(safeName(field), "Unknown or read-only field");
            }
            c.present.add(field);
            switch (field) {
                case "codigo" -> c.codigo = pattern(field, text(field, value, false), CODIGO, "1-50 letters, digits, '-' or '_'");
                case "titulo" -> c.titulo = length(field, plain(field, text(field, value, false), false).trim(), 1, 200);
                case "descripcion" -> c.descripcion = value.isNull() ? null
                        : length(field, plain(field, text(field, value, true), true), 0, 10_000);
                case "tipo" -> c.tipo = oneOf(field, text(field, value, false), TIPOS);
                case "prioridad" -> c.prioridad = (int) integer(field, value, 1, 5);
                case "estado" -> c.estado = estado(text(field, value, false));
                case "delegado_usuario_id" -> c.delegadoUsuarioId = integer(field, value, 1, Long.MAX_VALUE);
                case "inicio_programado" -> c.inicioProgramado = timestamp(field, value);
                case "fin_programado" -> c.finProgramado = timestamp(field, value);
                default -> throw new IllegalStateException(field);
            }
        }
        return c;
    }

    private static String text(String field, JsonNode value, boolean nullable) {
        if (value.isTextual()) {
            return value.textValue();
        }
        throw ApiException.badRequest(field, field + " must be a string" + (nullable ? " or null" : ""));
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
                throw ApiException.badRequest(field, field + " must not contain control characters or invalid Unicode");
            }
        }
        return value;
    }

    private static String length(String field, String value, int min, int max) {
        if (value.length() < min || value.length() > max) {
            throw ApiException.badRequest(field, field + " must have " + min + " to " + max + " characters");
        }
        return value;
    }

    private static String pattern(String field, String value, Pattern pattern, String rule) {
        if (!pattern.matcher(value).matches()) {
            throw ApiException.badRequest(field, field + " must be " + rule);
        }
        return value;
    }

    private static String oneOf(String field, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw ApiException.badRequest(field, field + " must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return value;
    }

    private static Estado estado(String value) {
        Estado estado = Estado.parse(value);
        if (estado == null) {
            throw ApiException.badRequest("estado", "estado must be one of " + Estado.allowedValues());
        }
        return estado;
    }

    private static long integer(String field, JsonNode value, long min, long max) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw ApiException.badRequest(field, field + " must be an integer between " + min + " and " + max);
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
                throw ApiException.badRequest(field, field + " must be between the years 1900 and 9999 (UTC)");
            }
            return parsed;
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field, field + " must be an ISO-8601 timestamp with offset, e.g. 2025-10-12T08:00:00Z");
        }
    }

    /** Field names come from the client: echo them only when short and plain. */
    private static String safeName(String field) {
        return field.length() <= 64 && field.chars().allMatch(ch -> ch == '_' || Character.isLetterOrDigit(ch)) ? field : "body";
    }
}
