package io.proxyless.mesh.grpc;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.security.AuditLog;
import io.proxyless.mesh.runtime.security.AuthorizationDecision;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.InboundRequest;
import io.proxyless.mesh.runtime.security.MtlsMode;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the mesh's inbound policy in force to every call on a mesh server: a call on a plain-text connection to a
 * port that has become STRICT since the connection was accepted is refused, then AuthorizationPolicy decides, as
 * Envoy's RBAC filter does for a sidecar. A gRPC call is an HTTP/2 request with method {@code POST} and path
 * {@code /package.Service/Method}; its metadata are the request headers. A denied call ends with
 * {@code PERMISSION_DENIED} and Envoy's {@code RBAC: access denied}; an allowed call runs with the caller's verified
 * SPIFFE id in {@link MeshGrpc#PEER_IDENTITY}.
 */
final class InboundAuthorization implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(InboundAuthorization.class);

    private final Mesh mesh;

    InboundAuthorization(Mesh mesh) {
        this.mesh = mesh;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        Attributes transport = call.getAttributes();
        SSLSession session = transport.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        String identity = transport.get(TlsHandshake.PEER_IDENTITY);
        int port = port(transport.get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR));
        InboundPolicy policy = mesh.inbound();
        AuthorizationDecision decision;
        try {
            if (session == null && policy.mtlsMode(port) == MtlsMode.STRICT) {
                // Envoy drains a listener's connections when its filter chains change; here the connection stays
                // open, so its calls are held to the mode in force.
                return refuse(call, Status.UNAVAILABLE.withDescription("mesh: plain text refused on port " + port
                        + ": its PeerAuthentication mode is STRICT"));
            }
            InboundRequest request = request(call, headers, transport, port, identity);
            decision = policy.authorize(request);
            AuditLog.record(policy, request, decision);
        } catch (RuntimeException e) {
            log.error("inbound policy failed on {}; denying (fail closed)", call.getMethodDescriptor()
                    .getFullMethodName(), e);
            return refuse(call, Status.PERMISSION_DENIED.withDescription(AuthorizationDecision.DENIED_MESSAGE));
        }
        if (!decision.allowed()) {
            log.debug("{} from {} denied: {}", call.getMethodDescriptor().getFullMethodName(), identity,
                    decision.reason());
            return refuse(call, Status.PERMISSION_DENIED.withDescription(AuthorizationDecision.DENIED_MESSAGE));
        }
        Context context = identity == null ? Context.current()
                : Context.current().withValue(MeshGrpc.PEER_IDENTITY, identity);
        return Contexts.interceptCall(context, call, headers, next);
    }

    private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(ServerCall<ReqT, RespT> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private static InboundRequest request(ServerCall<?, ?> call, Metadata headers, Attributes transport, int port,
                                          String identity) {
        SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return InboundRequest.builder()
                .port(port)
                .principal(identity)
                .sourceIp(remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : null)
                .method("POST")
                .path("/" + call.getMethodDescriptor().getFullMethodName())
                .host(call.getAuthority())
                .headers(headerMap(headers))
                .sni(transport.get(TlsHandshake.SNI))
                .build();
    }

    /** The text metadata as request headers; binary ({@code -bin}) entries carry no text to match on. */
    static Map<String, List<String>> headerMap(Metadata headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (String name : headers.keys()) {
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                continue;
            }
            Iterable<String> values = headers.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
            if (values != null) {
                List<String> list = new ArrayList<>();
                values.forEach(list::add);
                map.put(name, List.copyOf(list));
            }
        }
        return map;
    }

    private static int port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : -1;
    }
}
