package io.proxyless.mesh.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Arrays;

/**
 * Whether the bytes of a resource (or of a virtual host) set no field that {@link Findings#unsupportedFields} would
 * warn about, in it or in the nested messages the parser checks: one pass over the tags, skipping every value, instead
 * of asking each of the decoded messages for each of its fields outside the allow-list by reflection (a route
 * action alone has twenty; a large mesh's first config has tens of thousands of routes). When the bytes are clean
 * the parse skips those checks, which would find nothing in a message decoded from them (a field not in the bytes is
 * not set); otherwise, or when the bytes cannot be read, it checks as before, so the findings are the same either
 * way.
 *
 * <p>The scan must cover every message type the parse checks below the one it starts at: a nested message the
 * parse checks is {@link #nest}ed here, and a field whose content is checked in a way the scan does not follow
 * (a typed config unpacked from an {@code Any}) is a {@link #stopAt stop}, counted as unclean when set.
 */
final class UnhandledFieldScan {
    // By field number: whether the field, when set, makes the bytes unclean; and the scan of its nested message.
    private final boolean[] stop;
    private final UnhandledFieldScan[] nested;

    private UnhandledFieldScan(boolean[] stop, UnhandledFieldScan[] nested) {
        this.stop = stop;
        this.nested = nested;
    }

    /** The scan of a message of {@code handled}'s type, stopping at its fields outside the allow-list. */
    static UnhandledFieldScan of(HandledFields handled) {
        FieldDescriptor[] others = handled.others();
        int max = 0;
        for (FieldDescriptor field : handled.type().getFields()) {
            max = Math.max(max, field.getNumber());
        }
        boolean[] stop = new boolean[max + 1];
        for (FieldDescriptor field : others) {
            stop[field.getNumber()] = true;
        }
        return new UnhandledFieldScan(stop, new UnhandledFieldScan[max + 1]);
    }

    /** This scan, also scanning field {@code number}'s message with {@code scan}. */
    UnhandledFieldScan nest(int number, UnhandledFieldScan scan) {
        UnhandledFieldScan[] more = Arrays.copyOf(nested, nested.length);
        more[number] = scan;
        return new UnhandledFieldScan(stop, more);
    }

    /** This scan, also counting field {@code number} as unclean when set. */
    UnhandledFieldScan stopAt(int number) {
        boolean[] more = Arrays.copyOf(stop, stop.length);
        more[number] = true;
        return new UnhandledFieldScan(more, nested);
    }

    /** Whether {@code bytes} are clean; false when they cannot be read as a message. */
    boolean clean(ByteString bytes) {
        try {
            CodedInputStream in = bytes.newCodedInput();
            in.setSizeLimit(Integer.MAX_VALUE);
            return clean(in);
        } catch (IOException | RuntimeException e) {
            return false; // the parse checks the decoded message itself
        }
    }

    private boolean clean(CodedInputStream in) throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int number = WireFormat.getTagFieldNumber(tag);
            if (number >= stop.length) {
                if (!in.skipField(tag)) {
                    return false;
                }
                continue; // not a field of the type: the parse does not check it either
            }
            if (stop[number]) {
                return false;
            }
            UnhandledFieldScan inner = nested[number];
            if (inner == null) {
                if (!in.skipField(tag)) {
                    return false;
                }
                continue;
            }
            if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                return false;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            if (!inner.clean(in) || !in.isAtEnd()) {
                return false;
            }
            in.popLimit(limit);
        }
        return true;
    }
}
