package com.gad.stats.common;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.logging.Log;
import io.quarkus.security.ForbiddenException;
import io.smallrye.mutiny.CompositeException;

/**
 * Every error becomes {@code application/problem+json}. Messages are written here, never copied
 * from exceptions, so no stack trace, SQL, class name or Redis/PostgreSQL text reaches a client.
 */
public class ProblemMappers {

    /** Every 503 tells the client when to come back ({@link ServiceUnavailable}). */
    @ServerExceptionMapper
    public Response api(ApiException e) {
        if (e instanceof ServiceUnavailable unavailable) {
            return Response.status(503)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(unavailable.retryAfterSeconds()))
                    .type(Problem.MEDIA_TYPE)
                    .entity(unavailable.problem())
                    .build();
        }
        return problem(e.problem());
    }

    /** The service's own refusals: the one place where their kinds become HTTP statuses. */
    @ServerExceptionMapper
    public Response domain(DomainException e) {
        return problem(switch (e.kind()) {
            case INVALID -> Problem.of(400, "Invalid request", e.getMessage(), e.field());
            case FORBIDDEN -> Problem.of(403, "Forbidden", e.getMessage(), e.field());
            case NOT_FOUND -> Problem.of(404, "Not found", e.getMessage(), e.field());
            case CONFLICT -> Problem.of(409, "Conflict", e.getMessage(), e.field());
        });
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problem(Problem.of(403, "Forbidden", AccessDenied.ROLE, null));
    }

    /**
     * Bean Validation of the login bodies (parameters are checked by {@link Params}). Each violation
     * reads "{field} {message}", the field being the form parameter or the JSON member; several are
     * sorted, and {@code field} names the first.
     */
    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e) {
        List<ConstraintViolation<?>> violations = e.getConstraintViolations().stream()
                .sorted(Comparator.comparing(ProblemMappers::describe))
                .toList();
        String field = lastNode(violations.get(0).getPropertyPath().toString());
        String detail = violations.stream()
                .map(ProblemMappers::describe)
                .collect(Collectors.joining("; "));
        return problem(Problem.of(400, "Invalid request", detail, field));
    }

    private static String describe(ConstraintViolation<?> violation) {
        return lastNode(violation.getPropertyPath().toString()) + " " + violation.getMessage();
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        String field = null;
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
        }
        String detail = field == null ? "The request body is not valid JSON" : "Invalid value for " + field;
        return problem(Problem.of(400, "Invalid request", detail, field));
    }

    /**
     * A JSON body of the wrong shape for a typed parameter (e.g. an array for the login object):
     * the built-in mapper answers application/json naming internal types, or an empty 400.
     */
    @ServerExceptionMapper(priority = Priorities.USER - 1)
    public Response mismatchedJson(MismatchedInputException e) {
        return malformedJson(e);
    }

    /**
     * Errors of the framework itself. A path or query parameter that its type refuses arrives here
     * too: JAX-RS wraps what the conversion threw (see {@link Params}) in a 404 or 400.
     */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        if (e.getCause() instanceof DomainException refused) {
            return domain(refused);
        }
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "No such resource";
            case 405 -> "Method not allowed on this resource";
            case 406 -> "Only application/json responses are available";
            case 413 -> "Request body too large";
            case 415 -> "Unsupported content type";
            case 400 -> "Malformed request";
            default -> title;
        };
        return problem(Problem.of(status, title, detail, null));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        Throwable cause = unwrap(e);
        if (cause != e) {
            if (cause instanceof ApiException api) {
                return api(api);
            }
            if (cause instanceof DomainException refused) {
                return domain(refused);
            }
        }
        Log.error("unhandled error", cause);
        return problem(Problem.of(500, "Internal error", "The request could not be completed", null));
    }

    private static Response problem(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    static Throwable unwrap(Throwable e) {
        Throwable current = e;
        while (current instanceof CompositeException composite && !composite.getCauses().isEmpty()) {
            current = composite.getCauses().get(0);
        }
        return current;
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }
}
