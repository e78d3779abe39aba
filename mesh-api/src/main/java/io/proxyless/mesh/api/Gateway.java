package io.proxyless.mesh.api;

import java.util.List;
import java.util.Map;

/**
 * Spec of an Istio {@code Gateway}: the listeners of an ingress or egress gateway. A client-side mesh is not a
 * gateway; the model is kept so VirtualServices that name a gateway can be checked and so config written for
 * sidecars and gateways loads unchanged.
 *
 * @param servers  the gateway's listeners
 * @param selector labels of the gateway pods the config applies to
 */
public record Gateway(List<Server> servers, Map<String, String> selector) {
    public Gateway {
        servers = Immutables.list(servers);
        selector = Immutables.map(selector);
    }
}
