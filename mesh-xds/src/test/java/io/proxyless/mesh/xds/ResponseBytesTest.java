package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResponseBytesTest {
    private static Resource route(String name) {
        return Resource.newBuilder().setName(name).setVersion("v1").setResource(Any.pack(RouteConfiguration.newBuilder()
                .setName(name).addVirtualHosts(VirtualHost.newBuilder().setName("reviews").addDomains("reviews"))
                .build())).build();
    }

    private static DeltaDiscoveryResponse delta(String... names) {
        DeltaDiscoveryResponse.Builder b = DeltaDiscoveryResponse.newBuilder()
                .setTypeUrl("type.googleapis.com/envoy.config.route.v3.RouteConfiguration").setNonce("7")
                .setSystemVersionInfo("3").addRemovedResources("gone");
        for (String n : names) {
            b.addResources(route(n));
        }
        return b.build();
    }

    @Test
    void decodesWhatProtobufDecodes() throws Exception {
        for (DeltaDiscoveryResponse r : new DeltaDiscoveryResponse[] {delta(), delta("80"), delta("80", "9080")}) {
            assertThat(ResponseBytes.decode(r.toByteArray(), DeltaDiscoveryResponse.parser(),
                    DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER)).isEqualTo(r);
        }
        DiscoveryResponse sotw = DiscoveryResponse.newBuilder().setVersionInfo("2").setNonce("n")
                .addResources(route("80").getResource()).addResources(route("81").getResource()).build();
        assertThat(ResponseBytes.decode(sotw.toByteArray(), DiscoveryResponse.parser(),
                DiscoveryResponse.RESOURCES_FIELD_NUMBER)).isEqualTo(sotw);
    }

    @Test
    void oneResourceIsAViewOfTheBytesSeveralAreCopies() throws Exception {
        // A view: what the array holds is what the resource's value holds (the array never changes in use; here it
        // is changed to tell a view from a copy).
        byte[] one = delta("80").toByteArray();
        ByteString value = ResponseBytes.decode(one, DeltaDiscoveryResponse.parser(),
                DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER).getResources(0).getResource().getValue();
        ByteString before = ByteString.copyFrom(value.toByteArray());
        Arrays.fill(one, (byte) 0);
        assertThat(value).isNotEqualTo(before);

        // Copies: one resource kept from a response of several does not keep the others' bytes.
        byte[] two = delta("80", "9080").toByteArray();
        DeltaDiscoveryResponse decoded = ResponseBytes.decode(two, DeltaDiscoveryResponse.parser(),
                DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER);
        DeltaDiscoveryResponse expected = DeltaDiscoveryResponse.parseFrom(two);
        Arrays.fill(two, (byte) 0);
        assertThat(decoded).isEqualTo(expected);
    }

    @Test
    void countsTheResourcesWithoutReadingThem() {
        int field = DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER;
        assertThat(ResponseBytes.resources(delta().toByteArray(), field)).isZero();
        assertThat(ResponseBytes.resources(delta("80").toByteArray(), field)).isEqualTo(1);
        assertThat(ResponseBytes.resources(delta("80", "81", "82").toByteArray(), field)).isEqualTo(2);
        assertThat(ResponseBytes.resources(new byte[0], field)).isZero();
        // Not a message (a length running past the end): counted as several, and the decode rejects it.
        byte[] broken = {0x12, 0x7f, 0x01};
        assertThat(ResponseBytes.resources(broken, field)).isEqualTo(2);
        assertThatThrownBy(() -> ResponseBytes.decode(broken, DeltaDiscoveryResponse.parser(), field))
                .isInstanceOf(InvalidProtocolBufferException.class);
    }

    /** A stream of known length, as gRPC hands a message over; {@code told} is the length it says it has. */
    private static final class Known extends InputStream implements KnownLength {
        private final ByteArrayInputStream in;
        private final int told;
        private boolean asked;

        Known(byte[] bytes, int told) {
            this.in = new ByteArrayInputStream(bytes);
            this.told = told;
        }

        @Override
        public int available() {
            if (asked) {
                return in.available();
            }
            asked = true;
            return told;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }
    }

    @Test
    void readsEveryByteWhateverTheStreamSaysItsLengthIs() throws IOException {
        byte[] bytes = delta("80", "81").toByteArray();
        assertThat(ResponseBytes.read(new Known(bytes, bytes.length))).isEqualTo(bytes);
        assertThat(ResponseBytes.read(new Known(bytes, 5))).isEqualTo(bytes);
        assertThat(ResponseBytes.read(new Known(bytes, bytes.length + 10))).isEqualTo(bytes);
        assertThat(ResponseBytes.read(new ByteArrayInputStream(bytes))).isEqualTo(bytes);
    }
}
