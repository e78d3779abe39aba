package io.proxyless.mesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The fields of one message type a parser acts on (or deliberately ignores, such as stats names), and so the others:
 * those whose being set {@link Findings#unsupportedFields} warns about. Worked out once per type, when the parser's
 * class is initialised, not per message: a large mesh's first config checks hundreds of thousands of messages, and
 * asking every field of each for its name and looking it up in a set was a tenth of the xDS source's time.
 */
final class HandledFields {
    private final Descriptor type;
    private final Set<String> handled;
    // The fields not handled, in field-number order (the order findings are reported in).
    private final FieldDescriptor[] others;

    private HandledFields(Descriptor type, Set<String> handled) {
        this.type = type;
        this.handled = handled;
        this.others = others(type, handled);
    }

    /** The fields named {@code handled} (proto field names) of {@code type}; names it does not have are ignored. */
    static HandledFields of(Descriptor type, Set<String> handled) {
        return new HandledFields(type, Set.copyOf(handled));
    }

    /** The message type. */
    Descriptor type() {
        return type;
    }

    /** The fields not handled, in field-number order. */
    FieldDescriptor[] others() {
        return others.clone();
    }

    /** The fields of {@code messageType} not handled, in field-number order. */
    FieldDescriptor[] others(Descriptor messageType) {
        // A message of another type (a descriptor of another copy of the same proto): worked out for it on the spot.
        return messageType == type ? others : others(messageType, handled);
    }

    private static FieldDescriptor[] others(Descriptor type, Set<String> handled) {
        List<FieldDescriptor> out = new java.util.ArrayList<>();
        for (FieldDescriptor field : type.getFields()) {
            if (!handled.contains(field.getName())) {
                out.add(field);
            }
        }
        out.sort(Comparator.comparingInt(FieldDescriptor::getNumber));
        return out.toArray(new FieldDescriptor[0]);
    }
}
