package com.gad.stats.stats.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

@RegisterForReflection
@Schema(additionalProperties = Schema.False.class)
public record InvalidationResult(
        @Schema(required = true) @JsonProperty("user_id") long userId,
        @Schema(required = true) boolean invalidated) {
}
