package io.proxyless.mesh.api;

/** Placeholder until the model lands. */
public record DestinationRule() {
}
