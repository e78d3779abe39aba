package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.routing.Mirror;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MirroringTest {

    @Test
    void classicShadowAuthorityInsertsTheSuffixBeforeThePort() {
        assertThat(Mirroring.shadowAuthority("web:8080")).isEqualTo("web-shadow:8080");
        assertThat(Mirroring.shadowAuthority("web")).isEqualTo("web-shadow");
        assertThat(Mirroring.shadowAuthority("web.default.svc.cluster.local:80"))
                .isEqualTo("web.default.svc.cluster.local-shadow:80");
        assertThat(Mirroring.shadowAuthority("[::1]:80")).isEqualTo("[::1]-shadow:80");
        assertThat(Mirroring.shadowAuthority("[::1]")).isEqualTo("[::1]-shadow");
    }

    @Test
    void mirrorPercentageSelectsThatShareOfRequests() {
        Random r = new Random(11);
        Mirror half = new Mirror("web", null, null, 50, null);
        int selected = 0;
        for (int i = 0; i < 10_000; i++) {
            selected += Mirroring.selected(half, r) ? 1 : 0;
        }
        assertThat(selected).isBetween(4800, 5200);
        Mirror all = new Mirror("web", null, null, 100, null);
        Mirror none = new Mirror("web", null, null, 0, null);
        for (int i = 0; i < 1000; i++) {
            assertThat(Mirroring.selected(all, r)).isTrue();
            assertThat(Mirroring.selected(none, r)).isFalse();
        }
    }
}
