package io.proxyless.mesh.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetadataHeadersTest {
    private static final Metadata.Key<String> USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void metadataValuesAreReadInPlaceAndRepeatedValuesJoinedWithComma() {
        Metadata md = new Metadata();
        md.put(USER, "jason");
        MetadataHeaders headers = new MetadataHeaders(md, "/pkg.Reviews/Get", "reviews:9080", "http");
        assertThat(headers.get("end-user")).isEqualTo("jason");
        md.put(USER, "mary");
        assertThat(headers.get("end-user")).isEqualTo("jason,mary");
        assertThat(headers.get("x-absent")).isNull();
    }

    @Test
    void pseudoHeadersAndFixedGrpcHeadersAnswerAsOnTheWire() {
        MetadataHeaders headers = new MetadataHeaders(new Metadata(), "/pkg.Reviews/Get", "reviews:9080", "http");
        assertThat(headers.get(":path")).isEqualTo("/pkg.Reviews/Get");
        assertThat(headers.get(":authority")).isEqualTo("reviews:9080");
        assertThat(headers.get(":method")).isEqualTo("POST");
        assertThat(headers.get("content-type")).isEqualTo("application/grpc");
    }

    @Test
    void binaryHeadersAreBase64AndIllegalNamesAreAbsent() {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("trace-bin", Metadata.BINARY_BYTE_MARSHALLER), "hi".getBytes(StandardCharsets.UTF_8));
        MetadataHeaders headers = new MetadataHeaders(md, "/p/m", "a:1", "http");
        assertThat(headers.get("trace-bin")).isEqualTo("aGk");
        assertThat(headers.get("bad header")).isNull();
    }
}
