package io.proxyless.mesh.runtime;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.ConfigSource;
import java.util.List;

/** A config source that never changes: config loaded once (no watching), e.g. for the CLI. */
final class StaticConfigSource implements ConfigSource {
    private final MeshConfig config;

    StaticConfigSource(MeshConfig config) {
        this.config = config;
    }

    @Override
    public MeshConfig current() {
        return config;
    }

    @Override
    public void addListener(ConfigListener listener) {
        listener.onConfig(config);
    }

    @Override
    public void removeListener(ConfigListener listener) {
    }

    @Override
    public List<Problem> lastProblems() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
