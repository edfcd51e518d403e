package com.gad.stats.tasks.rest;

import java.net.URI;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.gad.stats.auth.Caller;
import com.gad.stats.auth.Roles;
import com.gad.stats.common.ApiException;
import com.gad.stats.common.Params;
import com.gad.stats.common.Problem;
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
@RolesAllowed({ Roles.EFECTIVO, Roles.SUPERVISOR, Roles.ADMIN })
@APIResponse(responseCode = "400", description = "Invalid input; `field` names it",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "403", description = "Role or ownership does not allow it",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class TaskResource {

    static final int MAX_LIMIT = 100;

    private final TaskService tasks;
    private final SecurityIdentity identity;

    TaskResource(TaskService tasks, SecurityIdentity identity) {
        this.tasks = tasks;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ Roles.SUPERVISOR, Roles.ADMIN })
    @Operation(summary = "Create a task (supervisor, admin); invalidates the delegado's cached statistics")
    @RequestBody(content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "201", description = "Created; Location names it",
            content = @Content(schema = @Schema(implementation = Task.class)))
    public Uni<Response> create(JsonNode body) {
        TaskChanges changes = TaskChanges.complete(body);
        return tasks.create(caller(), changes)
                .map(task -> Response.created(URI.create("/api/v1/tasks/" + task.id())).entity(task).build());
    }

    @GET
    @Operation(summary = "List tasks, newest first: an efectivo sees their own; supervisors and admins all or one delegado's")
    @APIResponse(responseCode = "200", description = "A page of tasks with `_cache`",
            content = @Content(schema = @Schema(implementation = TaskPage.class)))
    public Uni<Response> list(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
            @QueryParam("estado") String estado, @QueryParam("delegado_usuario_id") String delegado) {
        int pageSize = Params.intInRange("limit", limit, 1, MAX_LIMIT, MAX_LIMIT);
        int skip = Params.intInRange("offset", offset, 0, 1_000_000, 0);
        String state = estado == null ? null : requireEstado(estado);
        Long delegadoId = delegado == null ? null : Params.id("delegado_usuario_id", delegado);
        Caller caller = caller();
        if (!caller.supervisor() && !caller.admin()) {
            if (delegadoId != null && delegadoId != caller.id()) {
                throw ApiException.forbidden("You may only list your own tasks");
            }
            delegadoId = caller.id();
        }
        return tasks.list(delegadoId, state, pageSize, skip)
                .map(page -> Response.ok(page.body(), MediaType.APPLICATION_JSON_TYPE).build());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One task (own for an efectivo)")
    @APIResponse(responseCode = "404", description = "No such live task",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Task> get(@PathParam("id") String id) {
        return tasks.get(caller(), Params.id("id", id));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace a task; an estado change must be a legal transition (409 otherwise)")
    @RequestBody(content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "409", description = "Illegal estado transition",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Task> replace(@PathParam("id") String id, JsonNode body) {
        long taskId = Params.id("id", id);
        Caller caller = caller();
        // an efectivo may send just {"estado": ...}, which PUT then treats as a partial change
        boolean staff = caller.supervisor() || caller.admin();
        TaskChanges changes = staff ? TaskChanges.complete(body) : TaskChanges.partial(body);
        return tasks.update(caller, taskId, changes, staff);
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change some fields of a task; an efectivo may change only the estado of own tasks")
    @RequestBody(content = @Content(schema = @Schema(implementation = Task.class)))
    @APIResponse(responseCode = "409", description = "Illegal estado transition",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Task> patch(@PathParam("id") String id, JsonNode body) {
        long taskId = Params.id("id", id);
        return tasks.update(caller(), taskId, TaskChanges.partial(body), false);
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({ Roles.SUPERVISOR, Roles.ADMIN })
    @Operation(summary = "Soft-delete a task (supervisor, admin)")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Response> delete(@PathParam("id") String id) {
        return tasks.delete(Params.id("id", id))
                .map(ignored -> Response.noContent().build());
    }

    private Caller caller() {
        return Caller.of(identity);
    }

    private static String requireEstado(String estado) {
        if (Estado.parse(estado) == null) {
            throw ApiException.badRequest("estado", "estado must be one of " + Estado.allowedValues());
        }
        return estado;
    }
}
