package io.proxyless.mesh.runtime.routing;

/** What the mesh does with a request, as {@code mesh route} names it. */
public enum RouteAction {
    /** Send it to an endpoint of the chosen destination. */
    FORWARD("forward"),
    /** Answer with an HTTP redirect. */
    REDIRECT("redirect"),
    /** Answer with a fixed response. */
    DIRECT_RESPONSE("directResponse"),
    /** Fail it: no route, unknown host under REGISTRY_ONLY, no healthy upstream… (see the decision's reason). */
    REJECT("reject");

    private final String jsonName;

    RouteAction(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }
}
