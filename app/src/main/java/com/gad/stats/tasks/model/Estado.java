package com.gad.stats.tasks.model;

import java.util.Arrays;
import java.util.Set;

/**
 * Task states (the Spanish words stored in {@code tareas.estado}) and the legal transitions:
 * programada → en_curso → pausada → en_curso → finalizada, and any open state → cancelada.
 */
public enum Estado {
    PROGRAMADA("programada"),
    EN_CURSO("en_curso"),
    PAUSADA("pausada"),
    FINALIZADA("finalizada"),
    CANCELADA("cancelada");

    private final String value;

    Estado(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public static Estado parse(String value) {
        return Arrays.stream(values()).filter(e -> e.value.equals(value)).findFirst().orElse(null);
    }

    public static String allowedValues() {
        return String.join(", ", Arrays.stream(values()).map(Estado::value).toList());
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

    /** States in which work has started: entering one stamps inicio_real when unset. */
    static final Set<Estado> STARTED = Set.of(EN_CURSO, PAUSADA, FINALIZADA);

    public boolean stampsStart() {
        return STARTED.contains(this);
    }

    public boolean stampsEnd() {
        return this == FINALIZADA;
    }
}
