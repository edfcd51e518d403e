package com.gad.stats.stats.model;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.gad.stats.common.CacheStatus;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Statistics of one user over a window of days. Field names are the public contract
 * (consumers already parse them); {@code _cache} is appended at response time.
 */
@RegisterForReflection
@JsonPropertyOrder({ "user_id", "period_days", "total", "completadas", "en_progreso", "programadas", "canceladas",
        "pausadas", "promedio_duracion_horas", "productividad_diaria", "estados", "calculated_at" })
@Schema(additionalProperties = Schema.False.class, requiredProperties = CacheStatus.MEMBER,
        properties = @SchemaProperty(name = CacheStatus.MEMBER, implementation = CacheStatus.class))
public record UserStats(
        @Schema(required = true) @JsonProperty("user_id") long userId,
        @Schema(required = true) @JsonProperty("period_days") int periodDays,
        @Schema(required = true) long total,
        @Schema(required = true) long completadas,
        @Schema(required = true) @JsonProperty("en_progreso") long enProgreso,
        @Schema(required = true) long programadas,
        @Schema(required = true) long canceladas,
        @Schema(required = true) long pausadas,
        @Schema(required = true, description = "Mean hours from inicio_real to fin_real of the finalizada tasks, 2 decimals")
        @JsonProperty("promedio_duracion_horas") double promedioDuracionHoras,
        @Schema(required = true, description = "completadas / days, 2 decimals")
        @JsonProperty("productividad_diaria") double productividadDiaria,
        @Schema(required = true) Estados estados,
        @Schema(required = true, format = "date-time") @JsonProperty("calculated_at") String calculatedAt) {

    /** The same counts under the English state names. */
    @RegisterForReflection
    @JsonPropertyOrder({ "COMPLETED", "IN_PROGRESS", "PROGRAMMED", "CANCELLED", "PAUSED" })
    @Schema(additionalProperties = Schema.False.class)
    public record Estados(
            @Schema(required = true) @JsonProperty("COMPLETED") long completed,
            @Schema(required = true) @JsonProperty("IN_PROGRESS") long inProgress,
            @Schema(required = true) @JsonProperty("PROGRAMMED") long programmed,
            @Schema(required = true) @JsonProperty("CANCELLED") long cancelled,
            @Schema(required = true) @JsonProperty("PAUSED") long paused) {
    }
}
