package com.gad.stats.stats.rest;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

@RegisterForReflection
public record InvalidationResult(@JsonProperty("user_id") long userId, boolean invalidated) {
}
