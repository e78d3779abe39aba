package io.proxyless.mesh.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.kubernetes.KubernetesService;
import org.junit.jupiter.api.Test;

/** Port protocols of Kubernetes Services, as istiod reads them. */
class KubernetesServicesTest {

    private static String protocol(String name, String appProtocol, String transport) {
        return KubernetesServices.protocol(new KubernetesService.Port(name, 80, null, transport, appProtocol));
    }

    @Test
    void appProtocolWinsOverTheName() {
        assertThat(protocol("http-web", "grpc", null)).isEqualTo("GRPC");
        assertThat(protocol("web", "kubernetes.io/h2c", null)).isEqualTo("HTTP2");
        assertThat(protocol("web", "kubernetes.io/ws", null)).isEqualTo("HTTP");
        assertThat(protocol("web", "kubernetes.io/wss", null)).isEqualTo("HTTPS");
    }

    @Test
    void theNamePrefixNamesTheProtocol() {
        assertThat(protocol("http", null, null)).isEqualTo("HTTP");
        assertThat(protocol("http2-api", null, null)).isEqualTo("HTTP2");
        assertThat(protocol("GRPC-internal", null, null)).isEqualTo("GRPC");
        assertThat(protocol("grpc-web", null, null)).isEqualTo("GRPC-WEB");
        assertThat(protocol("tls-db", null, null)).isEqualTo("TLS");
    }

    @Test
    void otherNamesLeaveTheProtocolToDetectionAndUdpStaysUdp() {
        assertThat(protocol("web", null, null)).isEmpty();
        assertThat(protocol(null, null, null)).isEmpty();
        assertThat(protocol("httpx", null, null)).isEmpty();
        assertThat(protocol("dns", null, "UDP")).isEqualTo("UDP");
    }
}
