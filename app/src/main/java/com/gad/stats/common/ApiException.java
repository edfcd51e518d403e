package com.gad.stats.common;

/**
 * An answer the REST layer gives with its HTTP status (unknown user, login refused, backend
 * unavailable), mapped to a problem+json response. Models, repositories and services throw a
 * {@link DomainException} instead.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final String field;

    public ApiException(int status, String title, String detail, String field) {
        this(status, title, detail, field, null);
    }

    /** {@code cause} is kept for the logs only; the answer never shows it. */
    protected ApiException(int status, String title, String detail, String field, Throwable cause) {
        super(detail, cause, false, false);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not found", detail, null);
    }

    public static ApiException unauthorized(String detail) {
        return new ApiException(401, "Unauthorized", detail, null);
    }

    public static ApiException unavailable(String detail) {
        return new ServiceUnavailable(detail);
    }

    /** Any failure of {@code operation} other than an expected refusal becomes a 503 with {@code detail}. */
    public static <T> io.smallrye.mutiny.Uni<T> unavailableOnFailure(io.smallrye.mutiny.Uni<T> operation, String detail) {
        return operation.onFailure(failure -> !(failure instanceof ApiException) && !(failure instanceof DomainException))
                .transform(failure -> unavailable(detail));
    }

    public int status() {
        return status;
    }

    public Problem problem() {
        return Problem.of(status, title, getMessage(), field);
    }
}
