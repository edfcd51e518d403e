package com.gad.stats.auth.rest;

import jakarta.annotation.security.PermitAll;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
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
import com.gad.stats.common.InvalidInput;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

@Path("/api/v1/auth")
@Tag(name = "auth")
@PermitAll
@APIResponse(responseCode = "200", description = "A bearer token",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TokenResponse.class)))
@APIResponse(responseCode = "400", description = "A member missing, too long or not text; `field` names it")
@APIResponse(responseCode = "401", description = "Invalid email or password (the same answer for every refusal)")
@APIResponse(responseCode = "429", description = "Too many attempts from this address or for this email; see Retry-After")
public class AuthResource {

    /** One operation in the document: JSON and the form are two ways of sending the same request. */
    private static final String LOGIN = "Exchange email and password for a bearer token "
            + "(a JSON body, or an OAuth2 password grant form with username = email)";

    /** The words of today's answers ("username is required"), which the form's violations keep. */
    private static final String REQUIRED = "is required";
    private static final String TOO_LONG = "is too long";

    private final LoginService login;

    AuthResource(LoginService login) {
        this.login = login;
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "login", summary = LOGIN)
    public Uni<TokenResponse> loginJson(@NotNull @Valid LoginRequest request, @Context HttpServerRequest http) {
        return login.login(plain("email", request.email().strip()), request.password(), clientAddress(http));
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    // The same operation as loginJson (one path, one method: OpenAPI merges the two request bodies),
    // so its operationId is named once, there; naming it twice made the scanner warn of a duplicate.
    @Operation(summary = LOGIN)
    public Uni<TokenResponse> loginForm(
            @RestForm @NotBlank(message = REQUIRED) @Size(max = LoginRequest.MAX_EMAIL, message = TOO_LONG) String username,
            @RestForm @NotBlank(message = REQUIRED) @Size(max = LoginRequest.MAX_PASSWORD, message = TOO_LONG) String password,
            @Context HttpServerRequest http) {
        return login.login(plain("username", username.strip()), password, clientAddress(http));
    }

    /**
     * The TCP peer. It is the forwarded client only when Quarkus' proxy forwarding is enabled and
     * trusts the proxy ({@code quarkus.http.proxy.*}); a client-sent X-Forwarded-For is ignored by default.
     */
    private static String clientAddress(HttpServerRequest http) {
        SocketAddress remote = http == null ? null : http.remoteAddress();
        return remote == null ? "unknown" : remote.hostAddress();
    }

    /** An email never contains control characters; PostgreSQL rejects NUL in text, so refuse them here (400, not 500). */
    private static String plain(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new InvalidInput(field, field + " must not contain control characters");
            }
        }
        return value;
    }
}
