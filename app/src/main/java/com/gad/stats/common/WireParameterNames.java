package com.gad.stats.common;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ParameterNameProvider;

/**
 * Bean Validation names a resource method's parameter as the client wrote it ({@code
 * delegado_usuario_id}, from {@code @QueryParam}), not as Java does ({@code delegado}), so the
 * {@code field} of a 400 is the one the client sent. Quarkus hands this bean to the validator factory.
 *
 * <p>The validator asks on every validated call, and the JDK parses a parameter's annotations anew
 * each time it is asked for them: uncached, that was most of the allocation and a fifth of the CPU of
 * a cache hit. The names are computed once per method; the set of validated methods is fixed.
 */
@ApplicationScoped
public class WireParameterNames implements ParameterNameProvider {

    private final Map<Executable, List<String>> namesByExecutable = new ConcurrentHashMap<>();

    @Override
    public List<String> getParameterNames(Constructor<?> constructor) {
        return namesByExecutable.computeIfAbsent(constructor, WireParameterNames::names);
    }

    @Override
    public List<String> getParameterNames(Method method) {
        return namesByExecutable.computeIfAbsent(method, WireParameterNames::names);
    }

    private static List<String> names(Executable executable) {
        Parameter[] parameters = executable.getParameters();
        List<String> names = new ArrayList<>(parameters.length);
        for (Parameter parameter : parameters) {
            String wire = Params.name(parameter.getAnnotations());
            names.add(wire != null ? wire : parameter.getName());
        }
        return List.copyOf(names);
    }
}
