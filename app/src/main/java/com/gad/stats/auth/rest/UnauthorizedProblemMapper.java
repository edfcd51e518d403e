package com.gad.stats.auth.rest;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.gad.stats.auth.AuthFailureLog;
import com.gad.stats.common.Problem;

import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpServerRequest;

/** 401 problem+json with the bearer challenge; each rejection is logged with its reason, never the token. */
public class UnauthorizedProblemMapper {

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class,
            AuthenticationCompletionException.class })
    public Response unauthorized(RuntimeException e, HttpServerRequest request) {
        AuthFailureLog.rejected(e, request);
        return Response.status(401)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .type(Problem.MEDIA_TYPE)
                .entity(Problem.of(401, "Unauthorized", "A valid bearer token is required", null))
                .build();
    }
}
