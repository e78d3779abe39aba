package io.proxyless.mesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which OkHttp the interceptor runs on, and what it says about one it cannot run on. */
class OkHttpVersionTest {

    @Test
    void okHttp5WithPerCallRoutingUsesTheChain() {
        assertThat(new OkHttpVersion("5.5.1", true, true, List.of()).transport(null))
                .isInstanceOf(ChainTransport.class);
    }

    @Test
    void okHttp412UsesDerivedClients() {
        assertThat(new OkHttpVersion("4.12.0", false, true, List.of()).transport(null))
                .isInstanceOf(DerivedClientTransport.class);
    }

    @Test
    void olderOkHttp4FailsNamingTheVersionAndTheRemedy() {
        assertThatThrownBy(() -> new OkHttpVersion("4.9.3", false, true, List.of()).transport(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot run on OkHttp 4.9.3")
                .hasMessageContaining("Upgrade OkHttp to 4.12.0 or to 5.4 or newer")
                .hasMessageContaining("com.squareup.okhttp3:okhttp:4.12.0");
    }

    @Test
    void okHttp3FailsNamingTheVersion() {
        assertThatThrownBy(() -> new OkHttpVersion("unknown (older than 4)", false, false, List.of()).transport(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot run on OkHttp unknown (older than 4)");
    }

    @Test
    void okHttp5WithoutChainDnsFailsNamingWhatIsMissing() {
        assertThatThrownBy(() -> new OkHttpVersion("5.1.0", false, true, List.of()).transport(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OkHttp 5.1.0")
                .hasMessageContaining("withDns arrived in 5.4");
    }

    /** The shape of the original failure: okhttp 4.12 and okhttp-jvm 5 side by side. */
    @Test
    void twoOkHttpJarsFailNamingBothAndTheExclusion() {
        OkHttpVersion mixed = new OkHttpVersion("4.12.0", false, true,
                List.of("okhttp-4.12.0.jar", "okhttp-jvm-5.5.1.jar"));
        assertThatThrownBy(() -> mixed.transport(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("more than once (okhttp-4.12.0.jar, okhttp-jvm-5.5.1.jar)")
                .hasMessageContaining("OkHttp 4.12.0 was loaded first")
                .hasMessageContaining("excludes com.squareup.okhttp3:okhttp-jvm");
    }

    @Test
    void majorAndMinorOfReleaseAndPreReleaseVersions() {
        assertThat(OkHttpVersion.majorMinor("4.12.0")).containsExactly(4, 12);
        assertThat(OkHttpVersion.majorMinor("5.0.0-alpha.14")).containsExactly(5, 0);
        assertThat(OkHttpVersion.majorMinor("unknown")).isNull();
    }
}
