package io.proxyless.mesh.api;

/**
 * Istio {@code JWTHeader}: a request header a JWT is read from.
 *
 * @param name   the header name
 * @param prefix stripped before the token is decoded, e.g. {@code "Bearer "}
 */
public record JWTHeader(String name, String prefix) {
}
