package io.proxyless.mesh.runtime.testing;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.ConfigSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A config source a test pushes snapshots into, delivered to listeners on the pushing thread. */
public final class PushConfigSource implements ConfigSource {
    private final List<ConfigListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MeshConfig current;

    public PushConfigSource(MeshConfig initial) {
        this.current = initial;
    }

    /** Makes {@code config} current and hands it to every listener before returning. */
    public void push(MeshConfig config) {
        current = config;
        listeners.forEach(l -> l.onConfig(config));
    }

    @Override
    public MeshConfig current() {
        return current;
    }

    @Override
    public void addListener(ConfigListener listener) {
        listeners.add(listener);
        listener.onConfig(current);
    }

    @Override
    public void removeListener(ConfigListener listener) {
        listeners.remove(listener);
    }

    @Override
    public List<Problem> lastProblems() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
