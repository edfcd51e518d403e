package com.gad.stats.common;

import java.util.Set;

import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Requests refused by the HTTP layer, before any resource runs, still get a problem+json answer
 * (and the security headers, which an earlier route sets):
 * <ul>
 * <li>a declared body larger than {@code quarkus.http.limits.max-body-size} → 413 (the built-in
 * check answers with an empty body);</li>
 * <li>a body sent to the API without a concrete content type (none, or a wildcard) → 415: the
 * framework would otherwise read it as JSON and perform the write;</li>
 * <li>a request the router rejects itself (a request target that is not a path) → its 4xx.</li>
 * </ul>
 * Requests that Vert.x's HTTP codec refuses — an invalid request target (e.g. a malformed
 * percent-encoding: 400), a request line or headers over its limits (414, 431) — are answered by
 * the codec itself, with an empty body and {@code Connection: close}, before any handler can run;
 * Quarkus offers no hook to replace that answer.
 */
public class HttpEdge {

    /** Just before Quarkus' own body-size check (RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT = -2). */
    static final int ORDER = -3;

    private static final Set<HttpMethod> WITH_BODY = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

    void routes(@Observes Router router, @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        long max = maxBodySize.asLongValue();
        router.route().order(ORDER).handler(ctx -> check(ctx, max));
        router.route().order(ORDER).failureHandler(HttpEdge::routerRejection);
    }

    private static void check(RoutingContext ctx, long max) {
        HttpServerRequest request = ctx.request();
        long length = contentLength(request);
        if (length > max) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            end(ctx, 413, "Payload Too Large", "Request body too large");
            return;
        }
        boolean hasBody = length > 0 || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
        if (hasBody && WITH_BODY.contains(request.method()) && request.path() != null && request.path().startsWith("/api/")) {
            String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type == null || type.isBlank() || type.contains("*")) {
                end(ctx, 415, "Unsupported Media Type", "Unsupported content type");
                return;
            }
        }
        ctx.next();
    }

    /**
     * Failures of the router itself (no exception, a 4xx status), e.g. a request target that is
     * not a path ({@code *}, {@code api/v1}): Vert.x would answer with an empty body. The header
     * route has not run for these, so the essential security headers are set here.
     */
    private static void routerRejection(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (ctx.failure() == null && status >= 400 && status < 500 && !ctx.response().headWritten()) {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff").putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
            String title = HttpResponseStatus.valueOf(status).reasonPhrase();
            end(ctx, status, title, switch (status) {
                case 400 -> "Malformed request";
                case 404 -> "No such resource";
                default -> title;
            });
            return;
        }
        ctx.next();
    }

    private static long contentLength(HttpServerRequest request) {
        String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void end(RoutingContext ctx, int status, String title, String detail) {
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}");
    }
}
