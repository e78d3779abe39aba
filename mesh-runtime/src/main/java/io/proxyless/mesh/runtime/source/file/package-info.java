/** A config source backed by Istio YAML files and directories, reloaded when they change. */
package io.proxyless.mesh.runtime.source.file;
