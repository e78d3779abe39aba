package io.proxyless.mesh.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestPathsTest {
    @ParameterizedTest
    @CsvSource({
        "/reviews/1, /reviews/1",
        "'', /",
        "/, /",
        "/public/../admin, /admin",
        "/public/./admin, /public/admin",
        "/../../admin, /admin",
        "/%61dmin, /admin",
        "/%2e%2e/admin, /admin",
        "/public/%2E%2e/admin, /admin",
        "/a%2fb, /a%2Fb",
        "/a%2Fb/../c, /c",
        "/admin;jsessionid=1, /admin",
        "/public;x/..;y/admin, /admin",
        "/dir/, /dir/",
        "/dir/., /dir/",
        "/dir/sub/.., /dir/",
        "//double//slash, //double//slash",
        "/caf%C3%A9, /caf%C3%A9",
        "/~user, /~user",
    })
    void normalizesAsRfc3986(String raw, String normalized) {
        assertThat(RequestPaths.normalize(raw)).isEqualTo(normalized);
    }

    @ParameterizedTest
    @CsvSource({"/a%2", "/a%zz", "/%"})
    void malformedEscapesAreRefused(String raw) {
        assertThat(RequestPaths.normalize(raw)).isNull();
    }
}
