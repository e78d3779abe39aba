package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.RequestAuthentication;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.kubernetes.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's {@code virtualservice.JWTClaimRouteAnalyzer} (IST0149): a VirtualService that matches on a JWT claim
 * ({@code @request.auth.claims.*} in a match block's {@code headers} or {@code withoutHeaders}) only works where
 * the JWT was validated, so every Pod a Gateway of the VirtualService selects needs a RequestAuthentication that
 * selects it too, from the Pod's namespace or the root namespace {@code istio-system}. One finding per Gateway and
 * Pod without one, at the {@code gateways} entry. {@code mesh} and Gateways that do not exist are skipped (the
 * gateway analysis reports those), and so are RequestAuthentications attached by {@code targetRef(s)}, as in Istio.
 */
final class JwtClaimRouteAnalyzer implements Analyzer {
    private static final String ROOT_NAMESPACE = "istio-system";

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        Map<String, List<Map<String, String>>> selectorsByNamespace = new HashMap<>();
        for (Resource<RequestAuthentication> ra : input.<RequestAuthentication>all(
                ResourceKind.REQUEST_AUTHENTICATION)) {
            Map<String, String> labels = ra.spec().selector() == null ? Map.of() : ra.spec().selector().matchLabels();
            selectorsByNamespace.computeIfAbsent(ra.namespace(), ns -> new ArrayList<>()).add(labels);
        }
        Map<String, Resource<Gateway>> gateways = new LinkedHashMap<>();
        for (Resource<Gateway> g : input.<Gateway>all(ResourceKind.GATEWAY)) {
            gateways.put(g.metadata().key(), g);
        }
        List<Pod> pods = input.pods();
        for (Resource<VirtualService> r : input.<VirtualService>all(ResourceKind.VIRTUAL_SERVICE)) {
            String claimKey = claimKey(r.spec());
            if (claimKey == null) {
                continue;
            }
            List<String> refs = r.spec().gateways();
            for (int i = 0; i < refs.size(); i++) {
                String ref = refs.get(i);
                if (ref == null || ref.equals("mesh")) {
                    continue;
                }
                String key = ref.contains("/") ? ref : r.namespace() + "/" + ref;
                Resource<Gateway> gateway = gateways.get(key);
                if (gateway == null) {
                    continue;
                }
                for (Pod pod : pods) {
                    Map<String, String> labels = pod.metadata().labels();
                    if (!Analyzers.selects(gateway.spec().selector(), labels)) {
                        continue;
                    }
                    if (!authenticated(labels, pod.namespace(), selectorsByNamespace)) {
                        findings.add(AnalysisMessage.JWT_CLAIM_BASED_ROUTING_WITHOUT_REQUEST_AUTHN.at(r,
                                "spec.gateways[" + i + "]", "The virtual service uses the JWT claim based routing"
                                        + " (key: " + claimKey + ") but found no request authentication for the"
                                        + " gateway (" + key + ") pod (" + pod.name() + "). The request"
                                        + " authentication must first be applied for the gateway pods to validate"
                                        + " the JWT token and make the claims available for routing."));
                    }
                }
            }
        }
    }

    /** Whether a RequestAuthentication of the root namespace or the Pod's own selects the Pod. */
    private static boolean authenticated(Map<String, String> podLabels, String podNamespace,
                                         Map<String, List<Map<String, String>>> selectorsByNamespace) {
        List<Map<String, String>> selectors = new ArrayList<>(selectorsByNamespace.getOrDefault(ROOT_NAMESPACE,
                List.of()));
        if (!podNamespace.equals(ROOT_NAMESPACE)) {
            selectors.addAll(selectorsByNamespace.getOrDefault(podNamespace, List.of()));
        }
        return selectors.stream().anyMatch(s -> Analyzers.selects(s, podLabels));
    }

    /** The first JWT claim key the VirtualService's HTTP routes match on, or null. */
    private static String claimKey(VirtualService vs) {
        for (HTTPRoute route : vs.http()) {
            if (route == null) {
                continue;
            }
            for (HTTPMatchRequest match : route.match()) {
                if (match == null) {
                    continue;
                }
                for (String key : match.headers().keySet()) {
                    if (HTTPMatchRequest.isJwtClaimHeader(key)) {
                        return key;
                    }
                }
                for (String key : match.withoutHeaders().keySet()) {
                    if (HTTPMatchRequest.isJwtClaimHeader(key)) {
                        return key;
                    }
                }
            }
        }
        return null;
    }
}
