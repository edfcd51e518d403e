package com.gad.stats.auth.rest;

import jakarta.annotation.security.PermitAll;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;

import com.gad.stats.auth.service.LoginService;
import com.gad.stats.auth.service.TokenResponse;
import com.gad.stats.common.ApiException;
import com.gad.stats.common.Problem;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

@Path("/api/v1/auth")
@Tag(name = "auth")
@PermitAll
@APIResponse(responseCode = "200", description = "A bearer token",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TokenResponse.class)))
@APIResponse(responseCode = "401", description = "Invalid email or password (the same answer for every refusal)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "429", description = "Too many attempts from this address or for this email; see Retry-After",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class AuthResource {

    static final int MAX_EMAIL = 255;
    static final int MAX_PASSWORD = 1024;

    private final LoginService login;

    AuthResource(LoginService login) {
        this.login = login;
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Exchange email and password for a bearer token")
    public Uni<TokenResponse> loginJson(@NotNull @Valid LoginRequest request, @Context HttpServerRequest http) {
        return login.login(plain("email", request.email().strip()), request.password(), clientAddress(http));
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "OAuth2 password grant form (username = email)")
    public Uni<TokenResponse> loginForm(@RestForm String username, @RestForm String password, @Context HttpServerRequest http) {
        String email = plain("username", required("username", username, MAX_EMAIL).strip());
        return login.login(email, required("password", password, MAX_PASSWORD), clientAddress(http));
    }

    /**
     * The TCP peer. It is the forwarded client only when Quarkus' proxy forwarding is enabled and
     * trusts the proxy ({@code quarkus.http.proxy.*}); a client-sent X-Forwarded-For is ignored by default.
     */
    private static String clientAddress(HttpServerRequest http) {
        SocketAddress remote = http == null ? null : http.remoteAddress();
        return remote == null ? "unknown" : remote.hostAddress();
    }

    private static String required(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field, field + " is required");
        }
        if (value.length() > max) {
            throw ApiException.badRequest(field, field + " is too long");
        }
        return value;
    }

    /** An email never contains control characters; PostgreSQL rejects NUL in text, so refuse them here (400, not 500). */
    private static String plain(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw ApiException.badRequest(field, field + " must not contain control characters");
            }
        }
        return value;
    }
}
