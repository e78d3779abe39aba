package io.proxyless.mesh.runtime.dump;

import io.proxyless.mesh.api.HTTPBody;
import io.proxyless.mesh.api.HTTPDirectResponse;
import io.proxyless.mesh.api.HTTPRedirect;
import io.proxyless.mesh.api.HTTPRewrite;
import io.proxyless.mesh.api.Headers;
import io.proxyless.mesh.api.RegexRewrite;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.PathRewrite;
import io.proxyless.mesh.runtime.model.Redirect;
import io.proxyless.mesh.runtime.routing.CompiledRoute;
import io.proxyless.mesh.runtime.routing.HeaderOps;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compiled route's actions written back in Istio's vocabulary ({@code headers}, {@code rewrite},
 * {@code redirect}, {@code directResponse}), so that a dump reads like the VirtualService it came from whichever
 * source (files or xDS) the route model was built from.
 */
public final class IstioNotation {
    private IstioNotation() {
    }

    /** The route's header operations as Istio's {@code headers}, or null when it changes none. */
    public static Headers headers(CompiledRoute route) {
        Headers.HeaderOperations request = view(route.requestHeaderOps(), route.hostRewrite());
        Headers.HeaderOperations response = view(route.responseHeaderOps(), null);
        return request == null && response == null ? null : new Headers(request, response);
    }

    private static Headers.HeaderOperations view(HeaderOps ops, String hostRewrite) {
        // The host rewrite is Istio's rewrite.authority, not a header: shown under rewrite.
        boolean authorityFromHeaders = ops.authority() != null && !ops.authority().equals(hostRewrite);
        if (ops.changesNoHeader() && !authorityFromHeaders) {
            return null;
        }
        Map<String, String> set = new LinkedHashMap<>();
        if (authorityFromHeaders) {
            set.put(":authority", ops.authority());
        }
        ops.set().forEach(e -> set.put(e.getKey(), e.getValue()));
        Map<String, String> add = new LinkedHashMap<>();
        ops.add().forEach(e -> add.put(e.getKey(), e.getValue()));
        return new Headers.HeaderOperations(set, add, ops.remove());
    }

    /** The route's path and host rewrite as Istio's {@code rewrite}, or null when it rewrites neither. */
    public static HTTPRewrite rewrite(CompiledRoute route) {
        PathRewrite path = route.pathRewrite();
        String authority = route.hostRewrite();
        if (path == null && authority == null) {
            return null;
        }
        if (path != null && path.isRegex()) {
            return new HTTPRewrite(null, authority, RegexRewrite.of(path.pattern().pattern(), path.substitution()));
        }
        return new HTTPRewrite(path == null ? null : path.prefix(), authority, null);
    }

    /** The route's redirect as Istio's {@code redirect}, or null. */
    public static HTTPRedirect redirect(CompiledRoute route) {
        Redirect r = route.redirect();
        if (r == null) {
            return null;
        }
        HTTPRedirect.RedirectPortSelection derive = r.portFromRequest()
                ? HTTPRedirect.RedirectPortSelection.FROM_REQUEST_PORT
                : r.portFromScheme() ? HTTPRedirect.RedirectPortSelection.FROM_PROTOCOL_DEFAULT : null;
        return new HTTPRedirect(r.path(), r.host(), r.port(), derive, r.scheme(), r.responseCode(),
                r.prefixRewrite());
    }

    /** The route's fixed response as Istio's {@code directResponse} (UTF-8 text as a string, else base64). */
    public static HTTPDirectResponse directResponse(CompiledRoute route) {
        DirectResponse d = route.directResponse();
        if (d == null) {
            return null;
        }
        byte[] body = d.body();
        if (body.length == 0) {
            return new HTTPDirectResponse(d.status(), null);
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            return new HTTPDirectResponse(d.status(), HTTPBody.ofString(text));
        } catch (CharacterCodingException e) {
            return new HTTPDirectResponse(d.status(), new HTTPBody(null, Base64.getEncoder().encodeToString(body)));
        }
    }
}
