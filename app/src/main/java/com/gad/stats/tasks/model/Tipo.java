package com.gad.stats.tasks.model;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/** Kinds of task, the words stored in {@code tareas.tipo}. */
public enum Tipo {
    PATRULLAJE,
    INVESTIGACION,
    VIGILANCIA,
    INTERVENCION,
    ADMINISTRATIVA,
    ENTRENAMIENTO;

    /** The stored and JSON word. */
    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
