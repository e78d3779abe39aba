package io.proxyless.mesh.grpc;

import com.google.common.net.InetAddresses;
import io.grpc.ChannelConfigurator;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2SecurityUtil;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.DelegatingSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

/**
 * Builds the Netty channel for one endpoint: the application's transport settings first (its
 * {@link ChannelConfigurator}: user agent, message limits, keepalive, …), then what the mesh decides — plain
 * text or TLS per the cluster's DestinationRule, and its {@code connectionPool} connection settings
 * ({@link ConnectionSettings}: connect timeout, idle timeout, HTTP/2 keepalive).
 *
 * <p>TLS is mesh-runtime's ({@code io.proxyless.mesh.runtime.tls}): the very {@link javax.net.ssl.SSLContext} its
 * {@link ClientTlsContext} holds — reloading key and trust managers, so certificate rotation needs no new
 * channel; chain and SAN/SPIFFE verification in its trust manager — wrapped for Netty as grpc's
 * {@code GrpcSslContexts} would configure a JDK provider: ALPN {@code h2} and HTTP/2's cipher suites. The
 * handshake names the call's authority (the endpoint channel's authority is set to it), so Envoy's auto SNI and
 * auto SAN validation see the logical host; a DestinationRule {@code sni} (or ISTIO_MUTUAL's
 * {@code outbound_.PORT_.SUBSET_.HOST}) replaces the SNI.
 */
final class EndpointChannelFactory implements EndpointChannels.Factory {
    private static final ApplicationProtocolConfig ALPN_H2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2);

    private final ChannelConfigurator configurator;
    // One Netty context per mesh TLS context: the SSLContext inside is long-lived (rotation happens in it).
    private final Map<ClientTlsContext, SslContext> nettyContexts = new ConcurrentHashMap<>();

    EndpointChannelFactory(ChannelConfigurator configurator) {
        this.configurator = configurator;
    }

    @Override
    public ManagedChannel create(EndpointChannels.Key key) {
        NettyChannelBuilder b = builderFor(key.address(), key.port());
        // The mesh's default first, so that the application's settings may change it; a DestinationRule's TLS
        // below has the last word.
        if (key.defaultTls()) {
            b.useTransportSecurity();
        } else {
            b.usePlaintext();
        }
        if (configurator != null) {
            configurator.configureChannelBuilder(b);
        }
        if (key.tls() != null) {
            b.sslContext(nettyContexts.computeIfAbsent(key.tls(), EndpointChannelFactory::nettyContext));
            b.useTransportSecurity();
        } else if (key.settings() != null) {
            b.usePlaintext(); // DestinationRule tls mode DISABLE
        }
        if (key.secure() && key.authority() != null) {
            b.overrideAuthority(key.authority());
        }
        ConnectionSettings c = key.connection();
        if (c.connectTimeoutMillis() > 0) {
            b.withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                    c.connectTimeoutMillis()));
        }
        if (c.idleTimeoutMillis() > 0) {
            b.idleTimeout(c.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (c.keepAliveTimeMillis() > 0) {
            b.keepAliveTime(c.keepAliveTimeMillis(), TimeUnit.MILLISECONDS);
            if (c.keepAliveTimeoutMillis() > 0) {
                b.keepAliveTimeout(c.keepAliveTimeoutMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return b.build();
    }

    private static SslContext nettyContext(ClientTlsContext tls) {
        SslContext jdk = new JdkSslContext(tls.sslContext(), true, Http2SecurityUtil.CIPHERS,
                SupportedCipherSuiteFilter.INSTANCE, ALPN_H2, ClientAuth.NONE, null, false);
        return new DelegatingSslContext(jdk) {
            @Override
            protected void initEngine(SSLEngine engine) {
                // gRPC opens the engine for the channel's authority host; the policy's SNI replaces it if set.
                // mesh-runtime also drops resumable sessions here after a client certificate rotation.
                tls.configure(engine, engine.getPeerHost());
            }
        };
    }

    private static NettyChannelBuilder builderFor(String address, int port) {
        if (InetAddresses.isInetAddress(address)) {
            // An IP literal needs no resolver: connect directly (no DNS thread, no resolution delay).
            return NettyChannelBuilder.forAddress(new InetSocketAddress(InetAddresses.forString(address), port));
        }
        return NettyChannelBuilder.forAddress(address, port); // a DNS endpoint: gRPC's DNS resolver re-resolves it
    }
}
