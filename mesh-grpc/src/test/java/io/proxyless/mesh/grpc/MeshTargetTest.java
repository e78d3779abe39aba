package io.proxyless.mesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MeshTargetTest {
    @Test
    void hostAndPortAreSplitAndHostLowerCased() {
        assertThat(MeshTarget.parse("Reviews.default.svc.cluster.local:9080"))
                .isEqualTo(new MeshTarget("reviews.default.svc.cluster.local", 9080,
                        "reviews.default.svc.cluster.local:9080"));
    }

    @Test
    void meshSchemePrefixIsAccepted() {
        assertThat(MeshTarget.parse("mesh:///reviews:9080")).isEqualTo(new MeshTarget("reviews", 9080, "reviews:9080"));
    }

    @Test
    void missingPortDefaultsToEightyAndKeepsTheAuthorityAsWritten() {
        assertThat(MeshTarget.parse("reviews")).isEqualTo(new MeshTarget("reviews", 80, "reviews"));
    }

    @Test
    void ipv6LiteralKeepsItsBrackets() {
        assertThat(MeshTarget.parse("[::1]:9080")).isEqualTo(new MeshTarget("::1", 9080, "[::1]:9080"));
    }

    @Test
    void badTargetsAreRefusedWithTheTargetInTheMessage() {
        assertThatThrownBy(() -> MeshTarget.parse("reviews:99999")).hasMessageContaining("reviews:99999");
        assertThatThrownBy(() -> MeshTarget.parse("reviews:9080/x")).hasMessageContaining("reviews:9080/x");
        assertThatThrownBy(() -> MeshTarget.parse(":9080")).hasMessageContaining("no host");
    }
}
