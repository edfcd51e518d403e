package com.gad.stats.tasks.model;

import java.time.OffsetDateTime;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A {@code tareas} row as the API shows it: the column names are the JSON names. Every member is
 * always present; the nullable columns are null when unset.
 */
@RegisterForReflection
@Schema(additionalProperties = Schema.False.class)
public record Task(
        @Schema(required = true) long id,
        @Schema(required = true) String codigo,
        @Schema(required = true) String titulo,
        @Schema(required = true, nullable = true) String descripcion,
        @Schema(required = true, type = SchemaType.STRING, implementation = Tipo.class) String tipo,
        @Schema(required = true, minimum = "" + TaskChanges.MIN_PRIORIDAD, maximum = "" + TaskChanges.MAX_PRIORIDAD) int prioridad,
        @Schema(required = true, type = SchemaType.STRING, implementation = Estado.class) String estado,
        @Schema(required = true) @JsonProperty("delegado_usuario_id") long delegadoUsuarioId,
        @Schema(required = true) @JsonProperty("creado_por_usuario_id") long creadoPorUsuarioId,
        @Schema(required = true, nullable = true) @JsonProperty("inicio_programado") OffsetDateTime inicioProgramado,
        @Schema(required = true, nullable = true) @JsonProperty("fin_programado") OffsetDateTime finProgramado,
        @Schema(required = true, nullable = true, description = "Stamped when the task first enters a started state")
        @JsonProperty("inicio_real") OffsetDateTime inicioReal,
        @Schema(required = true, nullable = true, description = "Stamped when the task becomes finalizada")
        @JsonProperty("fin_real") OffsetDateTime finReal,
        @Schema(required = true) @JsonProperty("created_at") OffsetDateTime createdAt,
        @Schema(required = true) @JsonProperty("updated_at") OffsetDateTime updatedAt) {
}
