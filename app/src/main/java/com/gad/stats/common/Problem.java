package com.gad.stats.common;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * RFC 9457 problem details, the body of every error. {@code field} names the offending parameter
 * or JSON member on validation errors. Never carries stack traces, SQL or exception text.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(additionalProperties = Schema.False.class)
public record Problem(
        @Schema(required = true) String type,
        @Schema(required = true) String title,
        @Schema(required = true) int status,
        @Schema(required = true) String detail,
        @Schema(description = "The offending parameter or JSON member, when one is to blame") String field) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(int status, String title, String detail, String field) {
        return new Problem("about:blank", title, status, detail, field);
    }
}
