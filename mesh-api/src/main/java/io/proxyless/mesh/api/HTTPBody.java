package io.proxyless.mesh.api;

/**
 * Istio {@code HTTPBody}: a direct-response body, either text or binary (exactly one is set).
 *
 * @param string body text, sent as is
 * @param bytes  body bytes, as the base64 text written in the config (decoded when used)
 */
public record HTTPBody(String string, String bytes) {
    public static HTTPBody ofString(String text) {
        return new HTTPBody(text, null);
    }

    public static HTTPBody ofBase64(String base64) {
        return new HTTPBody(null, base64);
    }
}
