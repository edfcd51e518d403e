package com.gad.stats.stats.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Statistics of one user over a window of days. Field names are the public contract
 * (consumers already parse them); {@code _cache} is appended at response time.
 */
@RegisterForReflection
@JsonPropertyOrder({ "user_id", "period_days", "total", "completadas", "en_progreso", "programadas", "canceladas",
        "pausadas", "promedio_duracion_horas", "productividad_diaria", "estados", "calculated_at" })
public record UserStats(
        @JsonProperty("user_id") long userId,
        @JsonProperty("period_days") int periodDays,
        long total,
        long completadas,
        @JsonProperty("en_progreso") long enProgreso,
        long programadas,
        long canceladas,
        long pausadas,
        @JsonProperty("promedio_duracion_horas") double promedioDuracionHoras,
        @JsonProperty("productividad_diaria") double productividadDiaria,
        Estados estados,
        @JsonProperty("calculated_at") String calculatedAt) {

    /** The same counts under the English state names. */
    @RegisterForReflection
    @JsonPropertyOrder({ "COMPLETED", "IN_PROGRESS", "PROGRAMMED", "CANCELLED", "PAUSED" })
    public record Estados(
            @JsonProperty("COMPLETED") long completed,
            @JsonProperty("IN_PROGRESS") long inProgress,
            @JsonProperty("PROGRAMMED") long programmed,
            @JsonProperty("CANCELLED") long cancelled,
            @JsonProperty("PAUSED") long paused) {
    }
}
