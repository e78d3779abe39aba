package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Collects the problems of one resource. Rules report against field paths relative to the resource root
 * ({@code spec.http[0].route[1].destination.host}); the context turns them into located {@link Problem}s.
 *
 * <p>Paths the loader could not bind (wrong type, bad enum) are already reported; problems at or below them
 * are dropped here, so one typo yields one message rather than a cascade.
 */
public final class ValidationContext {
    private final Resource<?> resource;
    private final Set<String> unbound;
    private final List<Problem> problems = new ArrayList<>();

    public ValidationContext(Resource<?> resource, Set<String> unboundPaths) {
        this.resource = resource;
        this.unbound = Set.copyOf(unboundPaths);
    }

    public Resource<?> resource() {
        return resource;
    }

    /** Namespace of the resource being validated (short host names resolve in it). */
    public String namespace() {
        return resource.namespace();
    }

    /**
     * True when {@code path} was written in the resource's source, even as an empty list or map ({@code from: []}):
     * the model records normalise "unset" and "empty" alike, so only the source can tell Istio's explicit empty
     * lists apart.
     */
    public boolean written(String path) {
        return resource.source().locations().written(path);
    }

    public void error(String path, String message) {
        add(Severity.ERROR, path, message);
    }

    public void warning(String path, String message) {
        add(Severity.WARNING, path, message);
    }

    private void add(Severity severity, String path, String message) {
        for (String u : unbound) {
            if (path.equals(u) || path.startsWith(u + ".") || path.startsWith(u + "[")) {
                return;
            }
        }
        problems.add(resource.problem(severity, path, message));
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(Problem::isError);
    }
}
