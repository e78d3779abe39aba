package io.proxyless.mesh.api;

/**
 * Istio {@code ClaimToHeader}: a claim of a verified JWT copied into a request header.
 *
 * @param header the header to set
 * @param claim  the claim to copy, e.g. {@code nested.key.group}
 */
public record ClaimToHeader(String header, String claim) {
}
