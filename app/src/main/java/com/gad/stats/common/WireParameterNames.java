package com.gad.stats.common;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ParameterNameProvider;

/**
 * Bean Validation names a resource method's parameter as the client wrote it ({@code
 * delegado_usuario_id}, from {@code @QueryParam}), not as Java does ({@code delegado}), so the
 * {@code field} of a 400 is the one the client sent. Quarkus hands this bean to the validator factory.
 */
@ApplicationScoped
public class WireParameterNames implements ParameterNameProvider {

    @Override
    public List<String> getParameterNames(Constructor<?> constructor) {
        return names(constructor.getParameters());
    }

    @Override
    public List<String> getParameterNames(Method method) {
        return names(method.getParameters());
    }

    private static List<String> names(Parameter[] parameters) {
        List<String> names = new ArrayList<>(parameters.length);
        for (Parameter parameter : parameters) {
            String wire = Params.name(parameter.getAnnotations());
            names.add(wire != null ? wire : parameter.getName());
        }
        return names;
    }
}
