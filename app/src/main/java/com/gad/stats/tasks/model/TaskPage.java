package com.gad.stats.tasks.model;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One page of tasks; {@code _cache} is appended at response time. */
@RegisterForReflection
@JsonPropertyOrder({ "items", "limit", "offset", "count" })
public record TaskPage(List<Task> items, int limit, int offset, int count) {
}
