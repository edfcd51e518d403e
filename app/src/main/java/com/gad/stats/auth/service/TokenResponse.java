package com.gad.stats.auth.service;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** OAuth2-style token response. */
@RegisterForReflection
@Schema(additionalProperties = Schema.False.class)
public record TokenResponse(
        @Schema(required = true) @JsonProperty("access_token") String accessToken,
        @Schema(required = true, enumeration = "bearer") @JsonProperty("token_type") String tokenType,
        @Schema(required = true, description = "Seconds until the token expires") @JsonProperty("expires_in") long expiresIn) {
}
