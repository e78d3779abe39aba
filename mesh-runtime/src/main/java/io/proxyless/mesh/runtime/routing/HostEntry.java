package io.proxyless.mesh.runtime.routing;

import java.util.List;

/**
 * Everything the engine knows about one requested host on one port: its name and the routes of its virtual host.
 * Public for dumps ({@link CompiledMesh#hosts()}); the engine reaches entries through {@link CompiledMesh#route}.
 *
 * @param host   FQDN (or the wildcard pattern for wildcard entries)
 * @param routes the compiled routes, in order
 * @param origin where the routes came from, for messages ({@code VirtualService ns/name}, or the virtual host)
 */
public record HostEntry(String host, List<CompiledRoute> routes, String origin) {
}
