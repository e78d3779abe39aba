/**
 * Where config comes from: a {@link io.proxyless.mesh.runtime.source.ConfigSource} holds the current
 * {@link io.proxyless.mesh.runtime.config.MeshConfig} and tells {@link io.proxyless.mesh.runtime.source.ConfigListener}s
 * about each new one. Files ({@code source.file}) implement it here; sources with dependencies of their own (xDS,
 * in {@code io.proxyless:mesh-xds}) plug in through {@link io.proxyless.mesh.runtime.source.ConfigSourceProvider}.
 */
package io.proxyless.mesh.runtime.source;
