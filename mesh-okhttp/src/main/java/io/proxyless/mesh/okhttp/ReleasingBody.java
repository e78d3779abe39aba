package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A response body that tells the mesh when the call is really over — read to the end or closed — so the circuit
 * breaker permit is returned and the route timer stopped then, not when the headers arrived. A read failure is
 * passed through its {@link Owner} (a route timeout becomes a {@link MeshTimeoutException}), which is told
 * once how many body bytes were read.
 */
final class ReleasingBody extends ResponseBody {
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(ReleasingBody.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Who is told when the body is done with, and how a read failure reaches the application. */
    interface Owner {
        /** The body was read to its end, failed or was closed, after {@code bytesRead} bytes; called once. */
        void released(long bytesRead);

        /** The exception the application gets for {@code e}, thrown by a read. */
        IOException readFailure(IOException e);
    }

    private final ResponseBody delegate;
    private final Owner owner;
    @SuppressWarnings("unused") // through RELEASED
    private volatile boolean released;
    private volatile long bytesRead;
    private BufferedSource source;

    ReleasingBody(ResponseBody delegate, Owner owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    private void releaseOnce() {
        if (RELEASED.compareAndSet(this, false, true)) {
            owner.released(bytesRead);
        }
    }

    @Override
    public MediaType contentType() {
        return delegate.contentType();
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public synchronized BufferedSource source() {
        if (source == null) {
            source = Okio.buffer(new ForwardingSource(delegate.source()) {
                @Override
                public long read(Buffer sink, long byteCount) throws IOException {
                    long n;
                    try {
                        n = super.read(sink, byteCount);
                    } catch (IOException e) {
                        releaseOnce();
                        throw owner.readFailure(e);
                    }
                    if (n == -1) {
                        releaseOnce();
                    } else {
                        bytesRead += n; // one reader at a time, as with any source
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        releaseOnce();
                    }
                }
            });
        }
        return source;
    }

    @Override
    public void close() {
        try {
            if (source != null) {
                source.close();
            } else {
                delegate.close();
            }
        } catch (IOException ignored) {
            // closing quietly, as ResponseBody does
        } finally {
            releaseOnce();
        }
    }
}
