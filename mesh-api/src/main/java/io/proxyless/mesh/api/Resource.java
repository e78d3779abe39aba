package io.proxyless.mesh.api;

import java.util.Objects;

/**
 * One loaded Istio config resource: its kind, metadata and typed spec, and where it was written.
 *
 * @param <S> the spec record, e.g. {@link VirtualService}
 */
public record Resource<S>(ResourceKind kind, String apiVersion, Metadata metadata, S spec, SourceInfo source) {
    public Resource {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(spec, "spec");
        source = source == null ? SourceInfo.NONE : source;
        if (!kind.specType().isInstance(spec)) {
            throw new IllegalArgumentException(kind + " needs a " + kind.specType().getSimpleName() + " spec");
        }
    }

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }

    /** {@code VirtualService default/reviews}. */
    public String describe() {
        return kind.kindName() + " " + metadata.key();
    }

    /** A problem about {@code path} in this resource, located at that field's line. */
    public Problem problem(Severity severity, String path, String message) {
        return new Problem(severity, source.file(), source.locations().lineOf(path), kind.kindName(),
                metadata.namespace(), metadata.name(), path, message);
    }
}
