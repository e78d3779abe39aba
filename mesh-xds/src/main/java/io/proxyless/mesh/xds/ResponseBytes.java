package io.proxyless.mesh.xds;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * ADS responses taken off the stream as their bytes and decoded on the source's thread, where they are used.
 *
 * <p>gRPC's own protobuf marshaller decodes a response on a gRPC thread, and one larger than 4 MiB (a route
 * configuration of 10,000 services is 4.7 MB) from its stream: the resource's bytes are read in chunks and copied
 * again into the {@code Any}. Here the gRPC thread only copies the bytes out of the transport's buffers, once, into
 * an array of the size gRPC knows; the source's thread decodes that array. A response with one resource (delta xDS
 * sends only what changed; a route configuration is one resource) is decoded with protobuf's aliasing, so the
 * resource's {@code Any} value is a view of the array rather than a copy: the array is then that resource's bytes
 * with a few of the response's around them, and lives exactly as long as the resource's bytes are kept. A response
 * of several resources is decoded with copies, so that one resource kept from it does not keep the others' bytes.
 */
final class ResponseBytes {
    private ResponseBytes() {
    }

    /** Takes a response off the stream as its bytes, and sends a request as protobuf does. */
    static <Q> MethodDescriptor<Q, byte[]> method(MethodDescriptor<Q, ?> method) {
        return method.toBuilder(method.getRequestMarshaller(), MARSHALLER).build();
    }

    private static final MethodDescriptor.Marshaller<byte[]> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return read(stream);
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("reading an xDS response failed").withCause(e)
                        .asRuntimeException();
            }
        }
    };

    /** The bytes of {@code stream}: one copy into an array of its known length when gRPC tells it. */
    static byte[] read(InputStream stream) throws IOException {
        if (!(stream instanceof KnownLength)) {
            return stream.readAllBytes();
        }
        int size = stream.available();
        byte[] bytes = new byte[size];
        int read = stream.readNBytes(bytes, 0, size);
        byte[] rest = stream.readAllBytes(); // nothing, unless a stream knew its length wrong
        if (read == size && rest.length == 0) {
            return bytes;
        }
        byte[] all = Arrays.copyOf(bytes, read + rest.length);
        System.arraycopy(rest, 0, all, read, rest.length);
        return all;
    }

    /**
     * Decodes {@code bytes} with {@code parser}; its {@code bytes} fields are views of the array when the response
     * holds at most one entry of field {@code resourcesField} (its resources), copies otherwise. The array must not
     * change afterwards (this class's own arrays never do).
     */
    static <T extends MessageLite> T decode(byte[] bytes, Parser<T> parser, int resourcesField)
            throws InvalidProtocolBufferException {
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
        in.setSizeLimit(Integer.MAX_VALUE);
        in.enableAliasing(resources(bytes, resourcesField) <= 1);
        return parser.parseFrom(in);
    }

    /**
     * How many top-level entries of field {@code field} {@code bytes} hold, skipping over each without reading it;
     * 2 (several) when the bytes are not a message, which the decode then rejects.
     */
    static int resources(byte[] bytes, int field) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setSizeLimit(Integer.MAX_VALUE);
        int count = 0;
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagFieldNumber(tag) == field && ++count > 1) {
                    return count;
                }
                if (!in.skipField(tag)) {
                    return 2;
                }
            }
        } catch (IOException e) {
            return 2;
        }
        return count;
    }
}
