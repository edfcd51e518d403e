package com.gad.stats.auth.rest;

import jakarta.annotation.security.PermitAll;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;

import com.gad.stats.auth.service.LoginService;
import com.gad.stats.auth.service.TokenResponse;
import com.gad.stats.common.ApiException;

import io.smallrye.mutiny.Uni;

@Path("/api/v1/auth")
@Tag(name = "auth")
@PermitAll
public class AuthResource {

    private final LoginService login;

    AuthResource(LoginService login) {
        this.login = login;
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Exchange email and password for a bearer token")
    public Uni<TokenResponse> loginJson(@NotNull @Valid LoginRequest request) {
        return login.login(request.email().trim(), request.password());
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "OAuth2 password grant form (username = email)")
    public Uni<TokenResponse> loginForm(@RestForm String username, @RestForm String password) {
        String email = required("username", username, 255);
        return login.login(email.trim(), required("password", password, 1024));
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
}
