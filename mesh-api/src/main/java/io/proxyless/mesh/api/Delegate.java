package io.proxyless.mesh.api;

/**
 * Istio {@code Delegate}: names the VirtualService whose HTTP routes replace an {@link HTTPRoute} that
 * delegates. Only one level of delegation is allowed, and the delegate's matches must narrow the root's.
 *
 * @param name      name of the delegate VirtualService
 * @param namespace its namespace; the root VirtualService's namespace when null
 */
public record Delegate(String name, String namespace) {
    public static Delegate of(String name, String namespace) {
        return new Delegate(name, namespace);
    }
}
