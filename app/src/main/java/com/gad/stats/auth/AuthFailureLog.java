package com.gad.stats.auth;

import java.util.StringJoiner;

import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.InvalidAlgorithmException;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;

import io.quarkus.logging.Log;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * One INFO line per rejected request (401): the reason, the method, the path and the client
 * address — never the token. Reasons are classified from exception types and jose4j error codes;
 * exception messages are never logged, because token-parsing messages can quote the token or its
 * claims. The path is logged without its query, and a path segment long enough to be a token is
 * replaced by {@code …}.
 */
public final class AuthFailureLog {

    static final int MAX_SEGMENT = 32;

    private AuthFailureLog() {
    }

    public static void rejected(Throwable failure, HttpServerRequest request) {
        String method = request == null ? "?" : request.method().name();
        String path = request == null ? "?" : redactedPath(request.path());
        SocketAddress remote = request == null ? null : request.remoteAddress();
        Log.infof("401 %s %s from %s: %s", method, path, remote == null ? "unknown" : remote.hostAddress(), reason(failure));
    }

    /** A short, fixed description of why authentication failed. */
    public static String reason(Throwable failure) {
        if (failure instanceof UnauthorizedException) {
            return "no bearer token";
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidJwtException jwt) {
                return jwtReason(jwt);
            }
            if (t instanceof InvalidAlgorithmException) {
                return "signature algorithm not allowed";
            }
            if (t instanceof UnresolvableKeyException) {
                return "no verification key";
            }
            if (NumericSubjectAugmentor.SUBJECT_NOT_A_USER_ID.equals(t.getMessage())) {
                return "sub is not a user id";
            }
            if (NumericSubjectAugmentor.SUBJECT_MISSING.equals(t.getMessage())) {
                return "sub missing";
            }
        }
        return "invalid token";
    }

    private static String jwtReason(InvalidJwtException jwt) {
        if (jwt.hasExpired()) {
            return "expired";
        }
        if (jwt.hasErrorCode(ErrorCodes.NOT_YET_VALID) || jwt.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
            return "not yet valid";
        }
        if (jwt.hasErrorCode(ErrorCodes.ISSUER_INVALID) || jwt.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return "wrong or missing issuer";
        }
        if (jwt.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
            return "bad signature";
        }
        if (jwt.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
            return "unsigned token";
        }
        if (jwt.hasErrorCode(ErrorCodes.SUBJECT_MISSING)) {
            return "sub missing";
        }
        if (jwt.hasErrorCode(ErrorCodes.EXPIRATION_MISSING) || jwt.hasErrorCode(ErrorCodes.ISSUED_AT_MISSING)) {
            return "required claim missing";
        }
        boolean unparsable = jwt.hasErrorCode(ErrorCodes.JSON_INVALID) || jwt.hasErrorCode(ErrorCodes.MALFORMED_CLAIM);
        for (Throwable t = jwt.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidAlgorithmException) {
                return "signature algorithm not allowed";
            }
            unparsable |= t instanceof JoseException;
        }
        return unparsable ? "malformed token" : "invalid token";
    }

    /** The path with long segments (where a token could hide) replaced and control characters dropped. */
    static String redactedPath(String path) {
        if (path == null) {
            return "?";
        }
        StringJoiner joined = new StringJoiner("/");
        for (String segment : path.split("/", -1)) {
            if (segment.length() > MAX_SEGMENT) {
                joined.add("…");
            } else {
                StringBuilder printable = new StringBuilder(segment.length());
                segment.chars().filter(c -> c >= 0x20 && c < 0x7f).forEach(c -> printable.append((char) c));
                joined.add(printable);
            }
        }
        String result = joined.toString();
        return result.length() > 200 ? result.substring(0, 200) + "…" : result;
    }
}
