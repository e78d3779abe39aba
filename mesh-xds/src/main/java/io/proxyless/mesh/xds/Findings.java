package io.proxyless.mesh.xds;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * What parsing one xDS resource found: errors (the resource is rejected, and the response NACKed) and warnings
 * (a field the mesh does not act on). Paths use the proto field names, relative to the resource, e.g.
 * {@code virtual_hosts[0].routes[2].route.idle_timeout}.
 */
final class Findings {
    /** One finding at {@code path}. */
    record Finding(String path, String message) {
        @Override
        public String toString() {
            return path.isEmpty() ? message : path + ": " + message;
        }
    }

    private final List<Finding> errors = new ArrayList<>();
    private final List<Finding> warnings = new ArrayList<>();
    // Whether the bytes the messages were decoded from were scanned and set no field unsupportedFields warns about.
    private final boolean scannedClean;

    Findings() {
        this(false);
    }

    /**
     * @param scannedClean whether an {@link UnhandledFieldScan} found no field outside the allow-lists in the bytes
     *                     the messages to check were decoded from; {@link #unsupportedFields} then has nothing to
     *                     find
     */
    Findings(boolean scannedClean) {
        this.scannedClean = scannedClean;
    }

    void error(String path, String message) {
        errors.add(new Finding(path, message));
    }

    void warn(String path, String message) {
        warnings.add(new Finding(path, message));
    }

    /** Adds findings made relative to {@code prefix} (a virtual host's, say), their paths under it. */
    void addAll(String prefix, List<Finding> moreErrors, List<Finding> moreWarnings) {
        moreErrors.forEach(e -> errors.add(under(prefix, e)));
        moreWarnings.forEach(w -> warnings.add(under(prefix, w)));
    }

    private static Finding under(String prefix, Finding finding) {
        return new Finding(finding.path().isEmpty() ? prefix : join(prefix, finding.path()), finding.message());
    }

    /** How many findings there are so far. */
    int count() {
        return errors.size() + warnings.size();
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    List<Finding> errors() {
        return List.copyOf(errors);
    }

    List<Finding> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * Warns about every field set on {@code message} that is not in {@code handled}: the Armeria rule that an
     * unsupported field is never silently dropped. {@code handled} also lists fields deliberately ignored because
     * they cannot change what a client does (stats names, tracing decorations).
     */
    void unsupportedFields(MessageOrBuilder message, String path, HandledFields handled) {
        if (scannedClean) {
            return;
        }
        // Only the fields outside the allow-list are read (getAllFields reads and copies every set field by
        // reflection, which costs the first config of a large mesh dearly), in field-number order; which they are
        // was worked out once for the type.
        for (FieldDescriptor field : handled.others(message.getDescriptorForType())) {
            if (field.isRepeated() ? message.getRepeatedFieldCount(field) > 0 : message.hasField(field)) {
                warn(join(path, field.getName()), "not supported; ignored");
            }
        }
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
