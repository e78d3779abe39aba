package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code Condition} of an authorization {@link Rule}: an attribute of the request ({@code key}, e.g. {@code
 * source.ip} or {@code request.headers[x-token]}) that must match one of {@code values} and none of {@code
 * notValues}.
 *
 * @param key       the attribute
 * @param values    values of which one must match
 * @param notValues values of which none may match
 */
public record Condition(String key, List<String> values, List<String> notValues) {
    public Condition {
        values = Immutables.list(values);
        notValues = Immutables.list(notValues);
    }

    public static Condition of(String key, String... values) {
        return new Condition(key, List.of(values), List.of());
    }
}
