/**
 * The immutable config snapshot ({@link io.proxyless.mesh.runtime.config.MeshConfig}) that every config source
 * produces and the runtime compiles once per change.
 */
package io.proxyless.mesh.runtime.config;
