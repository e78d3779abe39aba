package io.proxyless.mesh.api.loader;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import java.util.List;

/**
 * The result of loading config: every resource that parsed, and every problem found (errors, warnings, infos)
 * sorted by file and line. A result with errors must not be put into service.
 */
public record LoadedConfig(List<Resource<?>> resources, List<Problem> problems) {
    public LoadedConfig {
        resources = List.copyOf(resources);
        problems = problems.stream().sorted(Problem.BY_LOCATION).toList();
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(Problem::isError);
    }

    public List<Problem> errors() {
        return problems.stream().filter(Problem::isError).toList();
    }

    public List<Problem> warnings() {
        return problems.stream().filter(p -> p.severity() == Severity.WARNING).toList();
    }

    /** The resources of one kind, in load order (file order, then document order). */
    @SuppressWarnings("unchecked")
    public <S> List<Resource<S>> resources(ResourceKind kind) {
        return resources.stream().filter(r -> r.kind() == kind).map(r -> (Resource<S>) r).toList();
    }

    /** This result, or a {@link ConfigException} with all its problems when it has errors. */
    public LoadedConfig orThrow() {
        if (hasErrors()) {
            throw new ConfigException(problems);
        }
        return this;
    }
}
