package com.gad.stats.cache.rest;

import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.gad.stats.auth.Roles;
import com.gad.stats.cache.CacheKeys;
import com.gad.stats.cache.admin.CacheAdminService;
import com.gad.stats.cache.admin.CacheStatsView;
import com.gad.stats.common.ApiException;
import com.gad.stats.common.Problem;

import io.smallrye.mutiny.Uni;

@Path("/api/v1/cache")
@Tag(name = "cache")
@SecurityRequirement(name = "jwt")
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "403", description = "Role does not allow it",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "503", description = "Redis unreachable",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class CacheAdminResource {

    private final CacheAdminService admin;
    private final CacheKeys keys;

    CacheAdminResource(CacheAdminService admin, CacheKeys keys) {
        this.admin = admin;
        this.keys = keys;
    }

    @GET
    @Path("/stats")
    @RolesAllowed({ Roles.SUPERVISOR, Roles.ADMIN })
    @Operation(summary = "Redis INFO figures for the prefix plus this instance's hit/miss counts")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = CacheStatsView.class)))
    public Uni<CacheStatsView> stats() {
        return admin.stats();
    }

    @POST
    @Path("/invalidate/{key}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Delete one key, relative to the prefix (e.g. stats:v1:{u42}:d30)")
    public Uni<Map<String, Object>> invalidateKey(@PathParam("key") String key) {
        return unavailableAs503(admin.invalidateKey(key))
                .map(n -> Map.of("deleted", n, "key", keys.prefix() + key));
    }

    @POST
    @Path("/invalidate-pattern/{pattern}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Delete keys matching a glob relative to the prefix (e.g. stats:v1:{u42}:*), by SCAN + UNLINK")
    public Uni<Map<String, Object>> invalidatePattern(@PathParam("pattern") String pattern) {
        return unavailableAs503(admin.invalidatePattern(pattern))
                .map(n -> Map.of("deleted", n, "pattern", keys.prefix() + pattern));
    }

    @POST
    @Path("/clear")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Delete every key under the prefix, by SCAN + UNLINK (never FLUSHDB)")
    public Uni<Map<String, Object>> clear() {
        return unavailableAs503(admin.clear())
                .map(n -> Map.of("deleted", n, "prefix", keys.prefix()));
    }

    private static Uni<Long> unavailableAs503(Uni<Long> operation) {
        return ApiException.unavailableOnFailure(operation, "The cache could not be reached");
    }
}
