package com.gad.stats.tasks.model;

import java.time.OffsetDateTime;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A {@code tareas} row as the API shows it: the column names are the JSON names. */
@RegisterForReflection
public record Task(
        long id,
        String codigo,
        String titulo,
        String descripcion,
        String tipo,
        int prioridad,
        String estado,
        @JsonProperty("delegado_usuario_id") long delegadoUsuarioId,
        @JsonProperty("creado_por_usuario_id") long creadoPorUsuarioId,
        @JsonProperty("inicio_programado") OffsetDateTime inicioProgramado,
        @JsonProperty("fin_programado") OffsetDateTime finProgramado,
        @JsonProperty("inicio_real") OffsetDateTime inicioReal,
        @JsonProperty("fin_real") OffsetDateTime finReal,
        @JsonProperty("created_at") OffsetDateTime createdAt,
        @JsonProperty("updated_at") OffsetDateTime updatedAt) {
}
