package io.proxyless.mesh.grpc;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.internal.GrpcAttributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.proxyless.mesh.runtime.tls.ServerTlsContext;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the mTLS handshake of a connection, then hands it to gRPC with what the calls on it need to know: the
 * TLS session, the peer's verified SPIFFE identity and the SNI the client asked for, read once per connection.
 * A failed handshake (no client certificate, one from another CA, an expired one) closes the connection.
 */
final class TlsHandshake extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshake.class);
    private static final String H2 = "h2";

    /** Transport attribute: the SPIFFE id of the peer's verified certificate (absent without one). */
    static final Attributes.Key<String> PEER_IDENTITY = Attributes.Key.create("io.proxyless.mesh.peerIdentity");
    /** Transport attribute: the server name the client asked for in its ClientHello (absent without one). */
    static final Attributes.Key<String> SNI = Attributes.Key.create("io.proxyless.mesh.sni");

    private final GrpcHttp2ConnectionHandler grpcHandler;
    private final ProtocolNegotiationEvent negotiation;

    TlsHandshake(GrpcHttp2ConnectionHandler grpcHandler, ProtocolNegotiationEvent negotiation) {
        this.grpcHandler = grpcHandler;
        this.negotiation = negotiation;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof SslHandshakeCompletionEvent done)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (!done.isSuccess()) {
            log.warn("mTLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause().toString());
            ctx.close();
            return;
        }
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        String protocol = tls.applicationProtocol();
        if (protocol != null && !protocol.equals(H2)) {
            log.warn("connection from {} refused: it negotiated {} over TLS, gRPC needs h2",
                    ctx.channel().remoteAddress(), protocol);
            ctx.close();
            return;
        }
        SSLSession session = tls.engine().getSession();
        Attributes.Builder attributes = InternalProtocolNegotiationEvent.getAttributes(negotiation).toBuilder()
                .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY);
        String identity = ServerTlsContext.peerIdentity(session);
        if (identity != null) {
            attributes.set(PEER_IDENTITY, identity);
        }
        String sni = sni(session);
        if (sni != null) {
            attributes.set(SNI, sni);
        }
        ProtocolNegotiationEvent secured = InternalProtocolNegotiationEvent.withSecurity(
                InternalProtocolNegotiationEvent.withAttributes(negotiation, attributes.build()),
                new InternalChannelz.Security(new InternalChannelz.Tls(session)));
        ctx.pipeline().replace(this, null, InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
        ctx.fireUserEventTriggered(secured);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The handshake's own failure also arrives as the completion event above, which logs it; anything else
        // before gRPC took over ends the connection too.
        log.debug("connection from {} failed during the mTLS handshake", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private static String sni(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return null;
    }
}
