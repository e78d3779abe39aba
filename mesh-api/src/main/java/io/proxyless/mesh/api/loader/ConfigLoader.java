package io.proxyless.mesh.api.loader;

import io.proxyless.mesh.api.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Reads Istio networking config from files and directories, binds it to the model and validates it.
 *
 * <pre>{@code
 * LoadedConfig config = ConfigLoader.create().withDefaultNamespace("shop").load(List.of(Path.of("mesh/")));
 * config.problems().forEach(p -> System.err.println(p.format()));
 * }</pre>
 *
 * <p>Directories are searched recursively for {@code *.yaml}, {@code *.yml} and {@code *.json}, in name
 * order. Files may hold several YAML documents and Kubernetes {@code List}s. Loading never throws for
 * problems in the config (they are all in the result); {@link #loadOrThrow} throws {@link ConfigException}.
 */
public final class ConfigLoader {
    /** Namespace for resources that do not set {@code metadata.namespace}. */
    public static final String DEFAULT_NAMESPACE = "default";

    private final String defaultNamespace;

    private ConfigLoader(String defaultNamespace) {
        this.defaultNamespace = Objects.requireNonNull(defaultNamespace, "defaultNamespace");
    }

    public static ConfigLoader create() {
        return new ConfigLoader(DEFAULT_NAMESPACE);
    }

    public ConfigLoader withDefaultNamespace(String namespace) {
        return new ConfigLoader(namespace);
    }

    public String defaultNamespace() {
        return defaultNamespace;
    }

    /** Loads and validates all resources under {@code paths}. Problems are in the result, not thrown. */
    public LoadedConfig load(List<Path> paths) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * Loads and validates one document stream given as text; {@code fileName} is used in messages only.
     * Handy for tests and for config that does not live in a file.
     */
    public LoadedConfig loadString(String fileName, String content) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Like {@link #load(List)}, but throws when any error was found. */
    public LoadedConfig loadOrThrow(List<Path> paths) throws ConfigException {
        return load(paths).orThrow();
    }
}
