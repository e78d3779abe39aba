package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** grpc-java's bootstrap format: what is read, and errors that name the field. */
class XdsBootstrapTest {
    /** What istio-agent writes for a proxyless gRPC workload. */
    static final String ISTIO_AGENT = """
            {
              "xds_servers": [{"server_uri": "unix:///etc/istio/proxy/XDS", "channel_creds": [{"type": "insecure"}],
                               "server_features": ["xds_v3"]}],
              "node": {"id": "sidecar~10.1.2.3~app-1.shop~shop.svc.cluster.local",
                       "metadata": {"GENERATOR": "grpc", "ISTIO_VERSION": "1.28.0", "LABELS": {"app": "web"}},
                       "locality": {"region": "us-east1", "zone": "us-east1-b"}},
              "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
                  "certificate_file": "/var/lib/istio/data/cert-chain.pem",
                  "private_key_file": "/var/lib/istio/data/key.pem",
                  "ca_certificate_file": "/var/lib/istio/data/root-cert.pem", "refresh_interval": "900s"}}},
              "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%s"
            }
            """;

    @TempDir
    Path dir;

    @Test
    void istioAgentsBootstrapIsReadWhole() {
        XdsBootstrap b = XdsBootstrap.parse(ISTIO_AGENT, "agent");
        assertThat(b.server().uri()).isEqualTo("unix:///etc/istio/proxy/XDS");
        assertThat(b.server().credentials()).isEqualTo(XdsBootstrap.ChannelCredentialsType.INSECURE);
        assertThat(b.server().delta()).isFalse();
        assertThat(b.node().proxyless()).isTrue();
        assertThat(b.node().namespace()).as("from the node id").contains("shop");
        assertThat(b.node().locality()).isEqualTo("us-east1/us-east1-b/");
        assertThat(b.certificateProviders().get("default")).isEqualTo(new XdsBootstrap.CertificateProvider("default",
                "/var/lib/istio/data/cert-chain.pem", "/var/lib/istio/data/key.pem",
                "/var/lib/istio/data/root-cert.pem", Duration.ofSeconds(900)));
        assertThat(b.warnings()).isEmpty();
        assertThat(b.serverListenerResourceNameTemplate()).isEqualTo("xds.istio.io/grpc/lds/inbound/%s");
        assertThat(b.node().toProto().getMetadata().getFieldsOrThrow("LABELS").getStructValue()
                .getFieldsOrThrow("app").getStringValue()).isEqualTo("web");
    }

    @Test
    void theFirstSupportedChannelCredentialWins() {
        XdsBootstrap b = XdsBootstrap.parse("""
                {"xds_servers": [{"server_uri": "istiod:15012",
                  "channel_creds": [{"type": "google_default"}, {"type": "tls"}, {"type": "insecure"}],
                  "server_features": ["delta_xds", "ignore_resource_deletion", "some_future_feature"]}]}
                """, "x");
        assertThat(b.server().credentials()).isEqualTo(XdsBootstrap.ChannelCredentialsType.TLS);
        assertThat(b.server().delta()).isTrue();
        assertThat(b.server().ignoreResourceDeletion()).isTrue();
        assertThat(b.node().proxyless()).as("no GENERATOR: the sidecar shape").isFalse();
    }

    @Test
    void anUnknownFieldIsAnErrorNamingItsPath() {
        assertThatThrownBy(() -> XdsBootstrap.parse("""
                {"xds_servers": [{"server_uri": "x:1", "channel_creds": [{"type": "insecure"}], "sever_features": []}]}
                """, "b.json"))
                .isInstanceOf(XdsBootstrapException.class)
                .hasMessageStartingWith("xDS bootstrap b.json: xds_servers[0].sever_features: unknown field");
    }

    @Test
    void missingOrWronglyTypedFieldsAreErrorsNamingThem() {
        assertThatThrownBy(() -> XdsBootstrap.parse("{}", "b")).hasMessage(
                "xDS bootstrap b: xds_servers: must be a non-empty list of servers");
        assertThatThrownBy(() -> XdsBootstrap.parse("""
                {"xds_servers": [{"server_uri": 7, "channel_creds": [{"type": "insecure"}]}]}""", "b"))
                .hasMessage("xDS bootstrap b: xds_servers[0].server_uri: must be a string");
        assertThatThrownBy(() -> XdsBootstrap.parse("""
                {"xds_servers": [{"server_uri": "x:1", "channel_creds": [{"type": "google_default"}]}]}""", "b"))
                .hasMessageContaining("xds_servers[0].channel_creds: no supported type in [google_default]");
        assertThatThrownBy(() -> XdsBootstrap.parse("""
                {"xds_servers": [{"server_uri": "x:1", "channel_creds": [{"type": "insecure"}]}],
                 "certificate_providers": {"default": {"plugin_name": "meshca", "config": {}}}}""", "b"))
                .hasMessageContaining("certificate_providers.default.plugin_name: unsupported plugin \"meshca\"");
        assertThatThrownBy(() -> XdsBootstrap.parse("{not json", "b")).hasMessageContaining("is not valid JSON");
    }

    @Test
    void theEnvironmentNamesAFileOrHoldsTheJson() throws Exception {
        Path file = Files.writeString(dir.resolve("bootstrap.json"), ISTIO_AGENT);
        assertThat(XdsBootstrap.fromEnvironment(Map.of("GRPC_XDS_BOOTSTRAP", file.toString())::get, k -> null))
                .get().extracting(b -> b.origin()).isEqualTo(file.toString());
        assertThat(XdsBootstrap.fromEnvironment(Map.of("GRPC_XDS_BOOTSTRAP_CONFIG", ISTIO_AGENT)::get, k -> null))
                .get().extracting(b -> b.origin()).isEqualTo("$GRPC_XDS_BOOTSTRAP_CONFIG");
        assertThat(XdsBootstrap.fromEnvironment(k -> null, k -> null)).isEmpty();
    }
}
