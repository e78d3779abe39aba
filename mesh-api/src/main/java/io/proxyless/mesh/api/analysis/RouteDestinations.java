package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.VirtualService;
import java.util.ArrayList;
import java.util.List;

/** The destinations a VirtualService names, with the field path of each, in Istio's order (tcp, tls, http). */
final class RouteDestinations {
    /**
     * One destination.
     *
     * @param path   the path of the {@code destination} (or {@code mirror}) block, e.g.
     *               {@code spec.http[0].route[1].destination}
     * @param mirror whether it is a mirror target
     */
    record Annotated(String path, Destination destination, boolean mirror) {
        String hostPath() {
            return path + ".host";
        }
    }

    private RouteDestinations() {
    }

    /** The route destinations of tcp, tls and http routes (not mirrors), skipping missing ones. */
    static List<Annotated> routes(VirtualService vs) {
        List<Annotated> out = new ArrayList<>();
        for (int i = 0; i < vs.tcp().size(); i++) {
            for (int j = 0; j < vs.tcp().get(i).route().size(); j++) {
                add(out, "spec.tcp[" + i + "].route[" + j + "].destination",
                        vs.tcp().get(i).route().get(j).destination(), false);
            }
        }
        for (int i = 0; i < vs.tls().size(); i++) {
            for (int j = 0; j < vs.tls().get(i).route().size(); j++) {
                add(out, "spec.tls[" + i + "].route[" + j + "].destination",
                        vs.tls().get(i).route().get(j).destination(), false);
            }
        }
        for (int i = 0; i < vs.http().size(); i++) {
            for (int j = 0; j < vs.http().get(i).route().size(); j++) {
                add(out, "spec.http[" + i + "].route[" + j + "].destination",
                        vs.http().get(i).route().get(j).destination(), false);
            }
        }
        return out;
    }

    /** The mirror targets of http routes ({@code mirror} and {@code mirrors}). */
    static List<Annotated> mirrors(VirtualService vs) {
        List<Annotated> out = new ArrayList<>();
        for (int i = 0; i < vs.http().size(); i++) {
            HTTPRoute route = vs.http().get(i);
            add(out, "spec.http[" + i + "].mirror", route.mirror(), true);
            for (int j = 0; j < route.mirrors().size(); j++) {
                add(out, "spec.http[" + i + "].mirrors[" + j + "].destination", route.mirrors().get(j).destination(),
                        true);
            }
        }
        return out;
    }

    private static void add(List<Annotated> out, String path, Destination d, boolean mirror) {
        // A missing destination or host is a validation error already.
        if (d != null && d.host() != null && !d.host().isEmpty()) {
            out.add(new Annotated(path, d, mirror));
        }
    }
}
