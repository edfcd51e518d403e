package com.gad.stats.stats.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.gad.stats.auth.Caller;
import com.gad.stats.auth.Roles;
import com.gad.stats.cache.CacheInvalidation;
import com.gad.stats.common.ApiException;
import com.gad.stats.common.Params;
import com.gad.stats.stats.model.UserStats;
import com.gad.stats.stats.service.StatsService;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

@Path("/api/v1/stats")
@Tag(name = "stats")
@SecurityRequirement(name = "jwt")
@RolesAllowed({ Roles.EFECTIVO, Roles.SUPERVISOR, Roles.ADMIN })
@APIResponse(responseCode = "401", description = "No valid bearer token")
public class StatsResource {

    static final int MAX_DAYS = 365;
    static final String DAYS_RULE = "must be an integer between 1 and " + MAX_DAYS;

    private final StatsService stats;
    private final CacheInvalidation invalidation;
    private final SecurityIdentity identity;

    StatsResource(StatsService stats, CacheInvalidation invalidation, SecurityIdentity identity) {
        this.stats = stats;
        this.invalidation = invalidation;
        this.identity = identity;
    }

    @GET
    @Path("/user/{userId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "userStats",
            summary = "Task statistics of a user over the last `days` days (self, supervisor or admin)")
    @APIResponse(responseCode = "200", description = "Statistics, with `_cache` telling where they came from",
            content = @Content(schema = @Schema(implementation = UserStats.class)))
    @APIResponse(responseCode = "400", description = "Invalid userId, days or use_cache")
    @APIResponse(responseCode = "403", description = "An efectivo asking for someone else")
    @APIResponse(responseCode = "404", description = "Unknown user")
    // byte[], not Response: with a concrete entity type RESTEasy Reactive picks the body writer once,
    // at build time; for a Response it looked the writer up on every request (~6 % of a hit's CPU)
    public Uni<byte[]> userStats(
            @PathParam("userId") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) long userId,
            @QueryParam("days") @DefaultValue("30")
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int32",
                    minimum = "1", maximum = "" + MAX_DAYS)) int days,
            @QueryParam("use_cache") @DefaultValue("true") boolean useCache,
            @Context RoutingContext request) {
        Params.refuseEmpty(request, "days", DAYS_RULE);
        Params.refuseEmpty(request, "use_cache", Params.TRUE_OR_FALSE);
        Caller.of(identity).requireSelfOrStaff(userId);
        return stats.userStats(userId, days, useCache)
                .map(result -> {
                    if (result.isAbsent()) {
                        throw ApiException.notFound("No user with id " + userId);
                    }
                    return result.body();
                });
    }

    @POST
    @Path("/invalidate/user/{userId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "invalidateUserStats",
            summary = "Drop the cached statistics of a user (the user themself or an admin); O(1)")
    @APIResponse(responseCode = "200", description = "Invalidated")
    @APIResponse(responseCode = "400", description = "Invalid userId")
    @APIResponse(responseCode = "403", description = "Neither the user themself nor an admin")
    @APIResponse(responseCode = "503", description = "Redis unreachable; cached values expire within the TTL")
    public Uni<InvalidationResult> invalidateUser(
            @PathParam("userId") @Parameter(schema = @Schema(type = SchemaType.INTEGER, format = "int64",
                    minimum = "0", exclusiveMinimum = true)) long userId) {
        Caller.of(identity).requireSelfOrAdmin(userId);
        return ApiException.unavailableOnFailure(invalidation.invalidateUser(userId),
                        "The cache could not be reached; cached values expire within their TTL")
                .map(ignored -> new InvalidationResult(userId, true));
    }
}
