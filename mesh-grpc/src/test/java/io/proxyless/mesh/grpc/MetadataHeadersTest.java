package io.proxyless.mesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetadataHeadersTest {
    private static final Metadata.Key<String> USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void metadataValuesAreReadInPlaceAndRepeatedValuesJoinedWithComma() {
        Metadata md = new Metadata();
        md.put(USER, "jason");
        MetadataHeaders headers = new MetadataHeaders(md, MetadataKeys.NONE, "/pkg.Reviews/Get", "reviews:9080", "http");
        assertThat(headers.get("end-user")).isEqualTo("jason");
        md.put(USER, "mary");
        assertThat(headers.get("end-user")).isEqualTo("jason,mary");
        assertThat(headers.get("x-absent")).isNull();
    }

    @Test
    void pseudoHeadersAndFixedGrpcHeadersAnswerAsOnTheWire() {
        MetadataHeaders headers = new MetadataHeaders(new Metadata(), MetadataKeys.NONE, "/pkg.Reviews/Get", "reviews:9080", "http");
        assertThat(headers.get(":path")).isEqualTo("/pkg.Reviews/Get");
        assertThat(headers.get(":authority")).isEqualTo("reviews:9080");
        assertThat(headers.get(":method")).isEqualTo("POST");
        assertThat(headers.get("content-type")).isEqualTo("application/grpc");
    }

    @Test
    void binaryHeadersAreBase64AndIllegalNamesAreAbsent() {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("trace-bin", Metadata.BINARY_BYTE_MARSHALLER), "hi".getBytes(StandardCharsets.UTF_8));
        MetadataHeaders headers = new MetadataHeaders(md, MetadataKeys.NONE, "/p/m", "a:1", "http");
        assertThat(headers.get("trace-bin")).isEqualTo("aGk");
        assertThat(headers.get("bad header")).isNull();
    }

    @Test
    void keysOfTheSnapshotAndNamesItDidNotForeseeReadAlike() {
        Metadata md = new Metadata();
        md.put(USER, "jason");
        md.put(Metadata.Key.of("trace-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2});
        md.put(Metadata.Key.of("trace-bin", Metadata.BINARY_BYTE_MARSHALLER), "hi".getBytes(StandardCharsets.UTF_8));
        MetadataKeys keys = MetadataKeys.of(Set.of("end-user", "trace-bin", "bad header", "x-absent"));
        assertThat(keys.holds("end-user")).isTrue();
        assertThat(keys.holds("other")).isFalse();
        MetadataHeaders known = new MetadataHeaders(md, keys, "/p/m", "a:1", "http");
        MetadataHeaders unforeseen = new MetadataHeaders(md, MetadataKeys.NONE, "/p/m", "a:1", "http");
        for (MetadataHeaders headers : new MetadataHeaders[] {known, unforeseen}) {
            assertThat(headers.get("end-user")).isEqualTo("jason");
            assertThat(headers.get("trace-bin")).as("base64 without padding, joined with a comma").isEqualTo("AQI,aGk");
            assertThat(headers.get("bad header")).isNull();
            assertThat(headers.get("x-absent")).isNull();
            assertThat(headers.get(":path")).isEqualTo("/p/m");
            assertThat(headers.get(":scheme")).isEqualTo("http");
        }
    }
}
