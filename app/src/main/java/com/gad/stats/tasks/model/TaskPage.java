package com.gad.stats.tasks.model;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.gad.stats.common.CacheStatus;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One page of tasks; {@code _cache} is appended at response time. */
@RegisterForReflection
@JsonPropertyOrder({ "items", "limit", "offset", "count" })
@Schema(additionalProperties = Schema.False.class, requiredProperties = CacheStatus.MEMBER,
        properties = @SchemaProperty(name = CacheStatus.MEMBER, implementation = CacheStatus.class))
public record TaskPage(
        @Schema(required = true) List<Task> items,
        @Schema(required = true) int limit,
        @Schema(required = true) int offset,
        @Schema(required = true, description = "Number of items in this page") int count) {
}
