package com.gad.stats.cache.rest;

import java.util.List;

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

import com.fasterxml.jackson.annotation.JsonProperty;
import com.gad.stats.auth.Roles;
import com.gad.stats.cache.CacheKeys;
import com.gad.stats.cache.admin.CacheAdminService;
import com.gad.stats.cache.admin.CacheStatsView;
import com.gad.stats.common.ApiException;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

@Path("/api/v1/cache")
@Tag(name = "cache")
@SecurityRequirement(name = "jwt")
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid bearer token")
@APIResponse(responseCode = "403", description = "Role does not allow it")
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
    @Operation(operationId = "cacheStats", summary = "Redis INFO figures for the prefix plus this instance's hit/miss counts; "
            + "the Redis figures are null while Redis cannot be reached")
    @APIResponse(responseCode = "200", description = "The figures",
            content = @Content(schema = @Schema(implementation = StatsDocument.class)))
    public Uni<CacheStatsView> stats() {
        return admin.stats();
    }

    @POST
    @Path("/invalidate/{key}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "invalidateCacheKey", summary = "Delete one key, relative to the prefix (e.g. stats:v2:{u42}:d30)")
    @APIResponse(responseCode = "400", description = "Not a key of the service's layout")
    @APIResponse(responseCode = "503", description = "Redis unreachable")
    @APIResponse(responseCode = "200", description = "Deleted (0 when there was no such key)",
            content = @Content(schema = @Schema(implementation = KeyDeleted.class)))
    public Uni<KeyDeleted> invalidateKey(@PathParam("key") String key) {
        return unavailableAs503(admin.invalidateKey(key))
                .map(n -> new KeyDeleted(n, keys.prefix() + key));
    }

    @POST
    @Path("/invalidate-pattern/{pattern}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "invalidateCachePattern",
            summary = "Delete keys matching a glob relative to the prefix (e.g. stats:v2:{u42}:*), by SCAN + UNLINK")
    @APIResponse(responseCode = "400", description = "Not a pattern of the service's layout")
    @APIResponse(responseCode = "503", description = "Redis unreachable")
    @APIResponse(responseCode = "200", description = "The number of keys deleted",
            content = @Content(schema = @Schema(implementation = PatternDeleted.class)))
    public Uni<PatternDeleted> invalidatePattern(@PathParam("pattern") String pattern) {
        return unavailableAs503(admin.invalidatePattern(pattern))
                .map(n -> new PatternDeleted(n, keys.prefix() + pattern));
    }

    @POST
    @Path("/clear")
    @RolesAllowed(Roles.ADMIN)
    @Operation(operationId = "clearCache", summary = "Delete every key under the prefix, by SCAN + UNLINK (never FLUSHDB)")
    @APIResponse(responseCode = "503", description = "Redis unreachable")
    @APIResponse(responseCode = "200", description = "The number of keys deleted",
            content = @Content(schema = @Schema(implementation = PrefixCleared.class)))
    public Uni<PrefixCleared> clear() {
        return unavailableAs503(admin.clear())
                .map(n -> new PrefixCleared(n, keys.prefix()));
    }

    @RegisterForReflection
    @Schema(additionalProperties = Schema.False.class)
    public record KeyDeleted(@Schema(required = true) long deleted, @Schema(required = true) String key) {
    }

    @RegisterForReflection
    @Schema(additionalProperties = Schema.False.class)
    public record PatternDeleted(@Schema(required = true) long deleted, @Schema(required = true) String pattern) {
    }

    @RegisterForReflection
    @Schema(additionalProperties = Schema.False.class)
    public record PrefixCleared(@Schema(required = true) long deleted, @Schema(required = true) String prefix) {
    }

    /**
     * {@link CacheStatsView} as the document shows it, with the Redis figures nullable.
     * OpenApiTest validates real answers (Redis up and down) against it, so the two cannot drift apart.
     */
    @Schema(name = "CacheStats", additionalProperties = Schema.False.class)
    record StatsDocument(
            @Schema(required = true) boolean connected,
            @Schema(required = true, nullable = true) @JsonProperty("keys_count") Long keysCount,
            @Schema(required = true, nullable = true) @JsonProperty("keyspace_hits") Long keyspaceHits,
            @Schema(required = true, nullable = true) @JsonProperty("keyspace_misses") Long keyspaceMisses,
            @Schema(required = true, nullable = true, description = "Percent") @JsonProperty("hit_rate") Double hitRate,
            @Schema(required = true, nullable = true) @JsonProperty("evicted_keys") Long evictedKeys,
            @Schema(required = true) String prefix,
            @Schema(required = true, enumeration = { "closed", "open", "half_open" })
            @JsonProperty("circuit_state") String circuitState,
            @Schema(required = true, nullable = true, description = "Each master's own figures (one on standalone and Sentinel)")
            List<NodeDocument> nodes,
            @Schema(required = true) ServiceDocument service) {
    }

    /** {@link CacheStatsView.Node} as the document shows it. */
    @Schema(name = "CacheNodeStats", additionalProperties = Schema.False.class, description = "One Redis master")
    record NodeDocument(
            @Schema(required = true) String address,
            @Schema(required = true) @JsonProperty("keys_count") long keysCount,
            @Schema(required = true) @JsonProperty("keyspace_hits") long keyspaceHits,
            @Schema(required = true) @JsonProperty("keyspace_misses") long keyspaceMisses,
            @Schema(required = true) @JsonProperty("evicted_keys") long evictedKeys) {
    }

    /** {@link CacheStatsView.Service} as the document shows it. */
    @Schema(name = "CacheServiceCounts", additionalProperties = Schema.False.class,
            description = "This instance's cache-aside counts since start")
    record ServiceDocument(
            @Schema(required = true) long hits,
            @Schema(required = true) long misses,
            @Schema(required = true) long stale,
            @Schema(required = true) long bypass,
            @Schema(required = true) long errors,
            @Schema(required = true, description = "Percent") @JsonProperty("hit_rate") double hitRate) {
    }

    private static Uni<Long> unavailableAs503(Uni<Long> operation) {
        return ApiException.unavailableOnFailure(operation, "The cache could not be reached");
    }
}
