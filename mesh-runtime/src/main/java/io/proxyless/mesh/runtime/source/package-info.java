/**
 * Where config comes from: a {@link io.proxyless.mesh.runtime.source.ConfigSource} holds the current
 * {@link io.proxyless.mesh.runtime.config.MeshConfig} and tells {@link io.proxyless.mesh.runtime.source.ConfigListener}s
 * about each new one. Files ({@code source.file}) and, later, xDS ({@code source.xds}) implement it.
 */
package io.proxyless.mesh.runtime.source;
