package com.gad.stats.common;

/**
 * A refusal decided by the service's own rules rather than by HTTP: invalid input, a caller who may
 * not, something absent, a conflict with the current state. Models, repositories and services throw
 * these; {@link ProblemMappers} alone decides the status and writes the problem+json response.
 * The message is the client-facing {@code detail}: it is written by this code, never copied from
 * another exception.
 */
public abstract class DomainException extends RuntimeException {

    /** What kind of refusal this is; each maps to one HTTP status. */
    public enum Kind {
        INVALID, FORBIDDEN, NOT_FOUND, CONFLICT
    }

    private final Kind kind;
    private final String field;

    protected DomainException(Kind kind, String detail, String field) {
        // no stack trace: these are expected answers, thrown on the request path
        super(detail, null, false, false);
        this.kind = kind;
        this.field = field;
    }

    public Kind kind() {
        return kind;
    }

    /** The offending parameter or JSON member, or null. */
    public String field() {
        return field;
    }
}
