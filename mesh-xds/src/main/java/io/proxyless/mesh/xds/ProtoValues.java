package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;

/**
 * Conversions of small Envoy value types (durations, percentages, localities) to Java's and the model's, and typed
 * configs unpacked.
 */
final class ProtoValues {
    private static final String REGEX_META = "\\.+*?()|[]{}^$";

    private ProtoValues() {
    }

    static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** A FractionalPercent as a percentage in [0, 100]. */
    static double percent(FractionalPercent p) {
        double denominator = switch (p.getDenominator()) {
            case TEN_THOUSAND -> 10_000;
            case MILLION -> 1_000_000;
            default -> 100;
        };
        return Math.min(100.0, p.getNumerator() * 100.0 / denominator);
    }

    /** {@code text} as an RE2 regex matching exactly it. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (REGEX_META.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /** {@code region/zone/subzone} with trailing empty parts dropped ({@code us-east/a}); empty when unset. */
    static String locality(io.envoyproxy.envoy.config.core.v3.Locality l) {
        String s = l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /**
     * {@code any} unpacked into {@code prototype}'s type, as {@link Any#unpack(Class)} does it, by the type's own
     * parser: protobuf's unpack finds the class's default instance by reflection on every call, once per resource of
     * a response and per cluster's typed config.
     */
    @SuppressWarnings("unchecked")
    static <T extends Message> T unpack(Any any, T prototype, Class<T> type) throws InvalidProtocolBufferException {
        String url = any.getTypeUrl();
        String name = prototype.getDescriptorForType().getFullName();
        int at = url.lastIndexOf('/') + 1;
        if (url.length() - at != name.length() || !url.startsWith(name, at)) {
            return any.unpack(type); // not this type: protobuf's own refusal, in its words
        }
        return (T) prototype.getParserForType().parseFrom(any.getValue());
    }

    static int clampToInt(long value) {
        return value > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) value;
    }
}
