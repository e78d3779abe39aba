package io.proxyless.mesh.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * A resource's name read from its bytes without decoding the rest: every message the mesh compares by bytes
 * (listeners, route configurations, clusters, load assignments by cluster_name, virtual hosts) has its name in
 * field 1, a string.
 */
final class WireNames {
    private static final int NAME_TAG = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private WireNames() {
    }

    /**
     * The first name field in {@code bytes}, or null when none comes before the end (or an end-group tag).
     *
     * @throws IOException when the bytes are not a protobuf message up to the name
     */
    static String nameField(ByteString bytes) throws IOException {
        CodedInputStream in = bytes.newCodedInput();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == NAME_TAG) {
                return in.readStringRequireUtf8();
            }
            if (!in.skipField(tag)) {
                return null;
            }
        }
        return null;
    }
}
