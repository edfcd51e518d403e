package com.gad.stats.tasks.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonValue;
import com.gad.stats.common.InvalidInput;

/**
 * Task states (the Spanish words stored in {@code tareas.estado}) and the legal transitions:
 * programada → en_curso → pausada → en_curso → finalizada, and any open state → cancelada.
 */
@Schema(description = "programada → en_curso → pausada → en_curso → finalizada, and any open state → cancelada")
public enum Estado {
    PROGRAMADA,
    EN_CURSO,
    PAUSADA,
    FINALIZADA,
    CANCELADA;

    /** States in which work has started: entering one stamps inicio_real when unset. */
    private static final Set<Estado> STARTED = Set.of(EN_CURSO, PAUSADA, FINALIZADA);

    private static final String RULE = "estado must be one of "
            + Arrays.stream(values()).map(Estado::value).collect(Collectors.joining(", "));

    /** The stored and JSON word. */
    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The state named by {@code value}, exactly as stored (lower case). Also the JAX-RS conversion of
     * the {@code estado} query parameter, so the query and the JSON member are refused alike.
     */
    public static Estado fromString(String value) {
        for (Estado estado : values()) {
            if (estado.value().equals(value)) {
                return estado;
            }
        }
        throw new InvalidInput("estado", RULE);
    }

    public boolean isOpen() {
        return this == PROGRAMADA || this == EN_CURSO || this == PAUSADA;
    }

    public boolean canBecome(Estado next) {
        if (next == this) {
            return true;
        }
        if (next == CANCELADA) {
            return isOpen();
        }
        return switch (this) {
            case PROGRAMADA -> next == EN_CURSO;
            case EN_CURSO -> next == PAUSADA || next == FINALIZADA;
            case PAUSADA -> next == EN_CURSO;
            default -> false;
        };
    }

    /** {@code next}, when this state may become it. */
    public Estado requireTransition(Estado next) {
        if (!canBecome(next)) {
            throw new InvalidTransition(this, next);
        }
        return next;
    }

    public boolean stampsStart() {
        return STARTED.contains(this);
    }

    public boolean stampsEnd() {
        return this == FINALIZADA;
    }
}
