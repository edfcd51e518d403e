package com.gad.stats.auth.rest;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.gad.stats.auth.service.LoginThrottledException;
import com.gad.stats.common.Problem;

/** 429 problem+json with the seconds until the next attempt would be admitted. */
public class LoginProblemMapper {

    @ServerExceptionMapper
    public Response throttled(LoginThrottledException e) {
        return Response.status(429)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
                .type(Problem.MEDIA_TYPE)
                .entity(e.problem())
                .build();
    }
}
