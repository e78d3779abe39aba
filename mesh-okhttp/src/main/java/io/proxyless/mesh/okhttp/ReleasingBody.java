package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A response body that tells the mesh when the call is really over — read to the end or closed — so the circuit
 * breaker permit is returned and the route timer stopped then, not when the headers arrived. A read failure is
 * passed through {@code translate} (a route timeout becomes a {@link MeshTimeoutException}); {@code release} is
 * told how many body bytes were read.
 */
final class ReleasingBody extends ResponseBody {
    private final ResponseBody delegate;
    private final LongConsumer release;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile long bytesRead;
    private final UnaryOperator<IOException> translate;
    private BufferedSource source;

    ReleasingBody(ResponseBody delegate, LongConsumer release, UnaryOperator<IOException> translate) {
        this.delegate = delegate;
        this.release = release;
        this.translate = translate;
    }

    private void releaseOnce() {
        if (released.compareAndSet(false, true)) {
            release.accept(bytesRead);
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
                        throw translate.apply(e);
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
