package com.gad.stats.common;

/** An expected failure with its HTTP status, mapped to a problem+json response. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final String field;

    public ApiException(int status, String title, String detail, String field) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    public static ApiException badRequest(String field, String detail) {
        return new ApiException(400, "Invalid request", detail, field);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not found", detail, null);
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(403, "Forbidden", detail, null);
    }

    public static ApiException unauthorized(String detail) {
        return new ApiException(401, "Unauthorized", detail, null);
    }

    public static ApiException unavailable(String detail) {
        return new ApiException(503, "Service unavailable", detail, null);
    }

    /** Any failure of {@code operation} other than an ApiException becomes a 503 with {@code detail}. */
    public static <T> io.smallrye.mutiny.Uni<T> unavailableOnFailure(io.smallrye.mutiny.Uni<T> operation, String detail) {
        return operation.onFailure(failure -> !(failure instanceof ApiException))
                .transform(failure -> unavailable(detail));
    }

    public int status() {
        return status;
    }

    public Problem problem() {
        return Problem.of(status, title, getMessage(), field);
    }
}
