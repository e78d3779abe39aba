/**
 * {@link io.proxyless.mesh.runtime.dump.MeshDump}: the compiled view of a mesh (services, endpoints, route
 * tables, clusters with merged policies and health, warnings) as an immutable value with a JSON form, for
 * {@code mesh dump} and for applications that serve it on an admin port.
 */
package io.proxyless.mesh.runtime.dump;
