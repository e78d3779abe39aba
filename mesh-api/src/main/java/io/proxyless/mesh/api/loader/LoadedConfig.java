package io.proxyless.mesh.api.loader;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import java.util.List;

/**
 * The result of loading config: every Istio resource that parsed, the Kubernetes objects found beside them
 * (Services, EndpointSlices, Endpoints, Pods), and every problem found (errors, warnings, infos, analysis
 * findings) sorted by file and line. A result with errors ({@link #hasErrors()}) must not be put into service.
 */
public record LoadedConfig(List<Resource<?>> resources, List<Problem> problems, KubernetesObjects kubernetes) {
    public LoadedConfig {
        resources = List.copyOf(resources);
        problems = problems.stream().sorted(Problem.BY_LOCATION).toList();
        kubernetes = kubernetes == null ? KubernetesObjects.EMPTY : kubernetes;
    }

    /** Istio resources only, no Kubernetes objects. */
    public LoadedConfig(List<Resource<?>> resources, List<Problem> problems) {
        this(resources, problems, KubernetesObjects.EMPTY);
    }

    /** Whether any problem keeps this config from being applied ({@link Problem#blocksConfig()}). */
    public boolean hasErrors() {
        return problems.stream().anyMatch(Problem::blocksConfig);
    }

    /** The problems that keep this config from being applied; analysis findings are not among them. */
    public List<Problem> errors() {
        return problems.stream().filter(Problem::blocksConfig).toList();
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
