package com.gad.stats.tasks.rest;

import java.net.URI;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.gad.stats.auth.Caller;
import com.gad.stats.auth.Roles;
import com.gad.stats.tasks.model.Estado;
import com.gad.stats.tasks.model.Task;
import com.gad.stats.tasks.model.TaskChanges;
import com.gad.stats.tasks.model.TaskPage;
import com.gad.stats.tasks.service.TaskService;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

@Path("/api/v1/tasks")
@Tag(name = "tasks")
@SecurityRequirement(name = "jwt")
@Produces(MediaType.APPLICATION_JSON)
// any known role; who may do what with which task is TaskService's to decide
@RolesAllowed({ Roles.EFECTIVO, Roles.SUPERVISOR, Roles.ADMIN })
@APIResponse(responseCode = "401", description = "No valid bearer token")
@APIResponse(responseCode = "400", description = "Invalid input; `field` names it")
@APIResponse(responseCode = "403", description = "Role or ownership does not allow it")
public class TaskResource {

    static final int MAX_LIMIT = 100;
    static final int MAX_OFFSET = 1_000_000;

    private final TaskService tasks;
    private final SecurityIdentity identity;

    TaskResource(TaskService tasks, SecurityIdentity identity) {
        this.tasks = tasks;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createTask", summary = "Create a task (supervisor, admin); invalidates the delegado's cached statistics")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = TaskRequests.Create.class)))
    @APIResponse(responseCode = "201", description = "Created; Location names it",
            content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "409", description = "The codigo is taken")
    public Uni<Response> create(JsonNode body) {
        return tasks.create(caller(), TaskChanges.from(body))
                .map(task -> Response.created(URI.create("/api/v1/tasks/" + task.id())).entity(task).build());
    }

    @GET
    @Operation(operationId = "listTasks",
            summary = "List tasks, newest first: an efectivo sees their own; supervisors and admins all or one delegado's")
    @APIResponse(responseCode = "200", description = "A page of tasks with `_cache`",
            content = @Content(schema = @Schema(implementation = TaskPage.class)))
    public Uni<Response> list(
            @QueryParam("limit") @DefaultValue("" + MAX_LIMIT)
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int32",
                    minimum = "1", maximum = "" + MAX_LIMIT)) int limit,
            @QueryParam("offset") @DefaultValue("0")
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int32",
                    minimum = "0", maximum = "" + MAX_OFFSET)) int offset,
            @QueryParam("estado") Estado estado,
            @QueryParam("delegado_usuario_id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) Long delegado) {
        return tasks.list(caller(), delegado, estado, limit, offset)
                .map(page -> Response.ok(page.body(), MediaType.APPLICATION_JSON_TYPE).build());
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getTask", summary = "One task (own for an efectivo)")
    @APIResponse(responseCode = "200", description = "The task", content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "404", description = "No such live task")
    public Uni<Task> get(
            @PathParam("id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) long id) {
        return tasks.get(caller(), id);
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "replaceTask",
            summary = "Replace a task (supervisor, admin: every member the create takes); an efectivo may send only "
                    + "the estado of an own task. An estado change must be a legal transition (409 otherwise)")
    @RequestBody(required = true, content = @Content(schema = @Schema(
            oneOf = { TaskRequests.Create.class, TaskRequests.EstadoOnly.class })))
    @APIResponse(responseCode = "200", description = "The task as replaced",
            content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "404", description = "No such live task")
    @APIResponse(responseCode = "409", description = "Illegal estado transition")
    public Uni<Task> replace(
            @PathParam("id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) long id, JsonNode body) {
        return tasks.update(caller(), id, TaskChanges.from(body), true);
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "patchTask", summary = "Change some members of a task; an efectivo may change only the estado of own tasks")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = TaskRequests.Update.class)))
    @APIResponse(responseCode = "200", description = "The task as changed",
            content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "404", description = "No such live task")
    @APIResponse(responseCode = "409", description = "Illegal estado transition")
    public Uni<Task> patch(
            @PathParam("id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) long id, JsonNode body) {
        return tasks.update(caller(), id, TaskChanges.from(body), false);
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "deleteTask", summary = "Soft-delete a task (supervisor, admin)")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such live task")
    public Uni<Response> delete(
            @PathParam("id") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) long id) {
        return tasks.delete(caller(), id)
                .map(ignored -> Response.noContent().build());
    }

    private Caller caller() {
        return Caller.of(identity);
    }
}
