package io.proxyless.mesh.api.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proxyless.mesh.api.ClaimToHeader;
import io.proxyless.mesh.api.JWTHeader;
import io.proxyless.mesh.api.JWTRule;
import io.proxyless.mesh.api.RequestAuthentication;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Istio's RequestAuthentication rules ({@code ValidateRequestAuthentication}): the policy's scope, then each JWT
 * rule: an issuer or a JWKS URI, non-empty audiences and token locations, an {@code http(s)} JWKS URI, a JWKS that
 * parses, claim-to-header copies naming both ends, and a valid fetch timeout.
 */
final class RequestAuthenticationValidator {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestAuthenticationValidator() {
    }

    static void validate(RequestAuthentication spec, ValidationContext ctx) {
        PolicyScope.validate(spec.selector(), spec.targetRef(), spec.targetRefs(), ctx);
        for (int i = 0; i < spec.jwtRules().size(); i++) {
            JWTRule rule = spec.jwtRules().get(i);
            if (rule != null) {
                jwtRule(rule, "spec.jwtRules[" + i + "]", ctx);
            }
        }
    }

    private static void jwtRule(JWTRule rule, String path, ValidationContext ctx) {
        List<String> audiences = rule.audiences();
        for (int i = 0; i < audiences.size(); i++) {
            if (audiences.get(i) == null || audiences.get(i).isEmpty()) {
                ctx.error(path + ".audiences[" + i + "]", "audience must be non-empty string");
            }
        }
        if (isEmpty(rule.issuer()) && isEmpty(rule.jwksUri())) {
            ctx.error(path + ".issuer", "issuer or jwksUri must be non-empty string");
        }
        if (!isEmpty(rule.jwksUri())) {
            String problem = jwksUriProblem(rule.jwksUri());
            if (problem != null) {
                ctx.error(path + ".jwksUri", problem);
            }
        }
        if (!isEmpty(rule.jwks())) {
            String problem = jwksProblem(rule.jwks());
            if (problem != null) {
                ctx.error(path + ".jwks", "jwks parse error: " + problem);
            }
        }
        for (int i = 0; i < rule.fromHeaders().size(); i++) {
            JWTHeader header = rule.fromHeaders().get(i);
            String at = path + ".fromHeaders[" + i + "]";
            if (header == null) {
                ctx.error(at, "location header name must be non-null");
            } else if (isEmpty(header.name())) {
                ctx.error(at + ".name", "location header name must be non-empty string");
            }
        }
        for (int i = 0; i < rule.fromParams().size(); i++) {
            if (isEmpty(rule.fromParams().get(i))) {
                ctx.error(path + ".fromParams[" + i + "]", "location query must be non-empty string");
            }
        }
        for (int i = 0; i < rule.fromCookies().size(); i++) {
            if (isEmpty(rule.fromCookies().get(i))) {
                ctx.error(path + ".fromCookies[" + i + "]", "cookie name must be non-empty string");
            }
        }
        for (int i = 0; i < rule.outputClaimToHeaders().size(); i++) {
            ClaimToHeader copy = rule.outputClaimToHeaders().get(i);
            String at = path + ".outputClaimToHeaders[" + i + "]";
            if (copy == null) {
                ctx.error(at, "outputClaimToHeaders must not be null");
            } else if (isEmpty(copy.claim()) || isEmpty(copy.header())) {
                ctx.error(at, "outputClaimToHeaders header and claim value must be non-empty string");
            } else {
                CommonRules.strictHeaderName(copy.header(), at + ".header", ctx);
            }
        }
        CommonRules.duration(rule.timeout(), path + ".timeout", ctx);
    }

    /** Istio reads the URI for its scheme (http or https), host and port. */
    private static String jwksUriProblem(String uri) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            return "invalid jwksUri " + CommonRules.quote(uri) + ": " + e.getReason();
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme();
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "URI scheme " + CommonRules.quote(scheme) + " is not supported";
        }
        return null;
    }

    /** A JSON Web Key Set (or a single key) is a JSON object. */
    private static String jwksProblem(String jwks) {
        try {
            JsonNode node = JSON.readTree(jwks);
            return node != null && node.isObject() ? null : "not a JSON object";
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage();
        }
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
