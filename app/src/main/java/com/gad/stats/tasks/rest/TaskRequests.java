package com.gad.stats.tasks.rest;

import java.time.OffsetDateTime;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.gad.stats.tasks.model.Estado;
import com.gad.stats.tasks.model.TaskChanges;
import com.gad.stats.tasks.model.Tipo;

/**
 * The request bodies of the task endpoints as the OpenAPI document shows them: only the members a
 * client may send (never id, timestamps or creado_por_usuario_id, which are refused), with their
 * limits. Bodies are read by {@link TaskChanges}, whose constants these share; OpenApiTest checks
 * that the members documented here are exactly the ones it accepts.
 */
final class TaskRequests {

    private TaskRequests() {
    }

    /** PATCH: only the members sent change; an efectivo may send only {@code estado}. */
    @Schema(name = "TaskUpdateRequest", minProperties = 1, additionalProperties = Schema.False.class)
    static class Update {

        @Schema(pattern = "^" + TaskChanges.CODIGO_PATTERN + "$",
                description = "Generated when absent on create; may be sent on a change only with the task's own value")
        public String codigo;

        @Schema(minLength = 1, maxLength = TaskChanges.MAX_TITULO, description = "Trimmed; not blank")
        public String titulo;

        @Schema(maxLength = TaskChanges.MAX_DESCRIPCION, nullable = true)
        public String descripcion;

        public Tipo tipo;

        @Schema(minimum = "" + TaskChanges.MIN_PRIORIDAD, maximum = "" + TaskChanges.MAX_PRIORIDAD,
                description = "Absent on create or replacement: " + TaskChanges.DEFAULT_PRIORIDAD)
        public Integer prioridad;

        /** Absent on create: programada. A change must follow the task's state machine (409 otherwise). */
        public Estado estado;

        @JsonProperty("delegado_usuario_id")
        @Schema(minimum = "1", description = "An existing user")
        public Long delegadoUsuarioId;

        @JsonProperty("inicio_programado")
        @Schema(nullable = true)
        public OffsetDateTime inicioProgramado;

        @JsonProperty("fin_programado")
        @Schema(nullable = true, description = "Not before inicio_programado")
        public OffsetDateTime finProgramado;
    }

    /** POST, and a supervisor's or admin's PUT: a whole task. */
    @Schema(name = "TaskCreateRequest", requiredProperties = { "titulo", "tipo", "delegado_usuario_id" },
            additionalProperties = Schema.False.class)
    static class Create extends Update {
    }

    /** An efectivo's PUT: the estado of an own task, nothing else. */
    @Schema(name = "TaskEstadoRequest", requiredProperties = "estado", additionalProperties = Schema.False.class)
    static class EstadoOnly {

        public Estado estado;
    }
}
