package com.gad.stats.common;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Operation;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Every error answer of the API is a {@link Problem} ({@code application/problem+json}). The
 * endpoints' {@code @APIResponse} annotations for 4xx and 5xx codes say only when and why; this
 * filter, run once at build time, gives each of them that content, instead of the same content
 * block repeated on every error response of every endpoint.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class ProblemResponses implements OASFilter {

    @Override
    public Operation filterOperation(Operation operation) {
        if (operation.getResponses() != null && operation.getResponses().getAPIResponses() != null) {
            operation.getResponses().getAPIResponses().forEach((code, response) -> {
                if ((code.startsWith("4") || code.startsWith("5")) && response.getContent() == null) {
                    response.setContent(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                            OASFactory.createMediaType().schema(OASFactory.createSchema().ref("Problem"))));
                }
            });
        }
        return operation;
    }
}
