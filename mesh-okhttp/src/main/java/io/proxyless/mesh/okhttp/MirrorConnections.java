package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Dns;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttp;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;

/**
 * Sends plain-text mirror copies as HTTP/1.1 over keep-alive connections that each sender thread owns: a copy is
 * written in one write, its response read and thrown away on the same thread, and the connection stays with the
 * thread for its next copy to that endpoint.
 *
 * <p>Why not an OkHttp call: a copy is fire-and-forget and its response is discarded, yet an OkHttp call per copy
 * costs the client about as much as the primary request it copies — the interceptor chain, the request copies,
 * a call timeout on Okio's watchdog thread and, each time the connection goes back to the pool, a wake-up of
 * OkHttp's task runner to schedule the pool's cleanup. On the application's own cores that work competes with the
 * primaries. Here a copy is one write and the reads of its response on the sender's thread, nothing else.
 *
 * <p>The copy carries what OkHttp would send for the same request: the request line, {@code Host}, the request's
 * headers, {@code Content-Type} and {@code Content-Length} of its body, and the {@code User-Agent} and
 * {@code Accept-Encoding} OkHttp adds when the application did not set them. A response is read to its end
 * (content length, chunked, or until the server closes), informational responses skipped. A connection that was
 * reused and fails before any byte of the response came back (the server closed it while it was idle) is replaced
 * and the copy sent once more on a new one, as OkHttp does with a stale pooled connection.
 *
 * <p>Only for copies in plain text to the endpoint itself with no body or a body of a known size up to
 * {@link #MAX_BODY}; copies over TLS, larger or streamed bodies, and copies sent with an application's own mirror
 * client go through OkHttp.
 */
final class MirrorConnections implements AutoCloseable {
    private static final String USER_AGENT = "okhttp/" + OkHttp.VERSION;
    private static final int MAX_LINE = 64 * 1024;
    /**
     * The most connections a sender thread keeps: mirror endpoints change with the config, and a thread that
     * never idles long enough to end would otherwise keep one to every endpoint it ever sent a copy to.
     */
    static final int MAX_PER_THREAD = 8;
    /** The largest request body sent this way. */
    static final long MAX_BODY = 64 * 1024;

    private final Dns dns;
    private final int readTimeoutMillis;
    /** Every open connection, so that {@link #close} can stop copies blocked on a read. */
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** The connections of each sender thread; only that thread reads or changes its list. */
    private final ThreadLocal<List<Connection>> perThread = ThreadLocal.withInitial(ArrayList::new);
    private volatile boolean closed;

    /**
     * @param dns               resolves an endpoint address that is a name, when a connection is made
     * @param readTimeoutMillis longest wait for a byte of a response (0: none but the copy's timeout)
     */
    MirrorConnections(Dns dns, int readTimeoutMillis) {
        this.dns = dns;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /**
     * Sends {@code request} (its URL gives the path and query only) to {@code endpoint} with {@code authority} as
     * its {@code Host}, reads the response to its end and returns its status. Runs on a sender thread.
     *
     * @param timeoutMillis the longest the whole copy may take (connect included)
     * @throws IOException the copy failed: connect failure, timeout, a connection lost or a malformed response
     */
    int send(Request request, Endpoint endpoint, String authority, int connectTimeoutMillis, long timeoutMillis)
            throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        byte[] head = head(request, authority);
        Buffer body = body(request.body());
        Connection reused = idle(endpoint);
        if (reused != null) {
            try {
                return exchange(reused, request.method(), head, body, deadline);
            } catch (SocketTimeoutException e) {
                throw e; // a slow mirror, not a stale connection
            } catch (IOException e) {
                if (reused.responseStarted || closed) {
                    throw e;
                }
                // stale: the server closed the connection while it was idle; a new one gets the copy
            }
        }
        return exchange(connect(endpoint, connectTimeoutMillis, deadline), request.method(), head, body, deadline);
    }

    /** One exchange on {@code c}; the connection is kept for the thread's next copy only if it can be reused. */
    private int exchange(Connection c, String method, byte[] head, Buffer body, long deadline) throws IOException {
        boolean reusable = false;
        try {
            int status = c.exchange(method, head, body, deadline);
            reusable = c.reusable;
            return status;
        } finally {
            if (!reusable) {
                discard(c);
            }
        }
    }

    /**
     * Whether {@code request} can go this way: no body, or one of a known size small enough for the socket's send
     * buffer, so that writing it cannot block on a mirror that stops reading (a blocking socket write has no
     * timeout; OkHttp's write timeout bounds a larger body).
     */
    static boolean fits(Request request) {
        RequestBody body = request.body();
        if (body == null) {
            return true;
        }
        try {
            long length = body.contentLength();
            return length >= 0 && length <= MAX_BODY;
        } catch (IOException e) {
            return false;
        }
    }

    /** An idle connection of this thread to {@code endpoint}, or null. */
    private Connection idle(Endpoint endpoint) {
        List<Connection> mine = perThread.get();
        for (int i = 0; i < mine.size(); i++) {
            Connection c = mine.get(i);
            if (c.port == endpoint.port() && c.address.equals(endpoint.address())) {
                return c;
            }
        }
        return null;
    }

    private Connection connect(Endpoint endpoint, int connectTimeoutMillis, long deadline) throws IOException {
        List<InetAddress> addresses = endpoint.ipAddress() != null ? List.of(endpoint.ipAddress())
                : dns.lookup(endpoint.address());
        IOException failure = null;
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                int left = remainingMillis(deadline);
                socket.connect(new InetSocketAddress(address, endpoint.port()),
                        connectTimeoutMillis > 0 ? Math.min(connectTimeoutMillis, left) : left);
                Connection c = new Connection(endpoint.address(), endpoint.port(), socket, readTimeoutMillis);
                open.add(c);
                if (closed) {
                    discard(c);
                    throw new IOException("mirror sender closed");
                }
                List<Connection> mine = perThread.get();
                if (mine.size() == MAX_PER_THREAD) {
                    discard(mine.get(0)); // the longest kept: an endpoint that may be gone since
                }
                mine.add(c);
                return c;
            } catch (IOException e) {
                socket.close();
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        throw failure != null ? failure : new IOException("no address for mirror endpoint " + endpoint.address());
    }

    private void discard(Connection c) {
        perThread.get().remove(c);
        open.remove(c);
        c.close();
    }

    /** Connections open now, of all sender threads. */
    int openConnections() {
        return open.size();
    }

    /** Closes this thread's connections: the sender thread is about to end. */
    void closeThreadConnections() {
        List<Connection> mine = perThread.get();
        for (Connection c : mine) {
            open.remove(c);
            c.close();
        }
        mine.clear();
        perThread.remove();
    }

    /** Closes every connection; copies under way fail. */
    @Override
    public void close() {
        closed = true;
        for (Connection c : open) {
            c.close();
        }
        open.clear();
    }

    /** Milliseconds left until {@code deadline}; a copy past it times out. */
    static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
            throw new SocketTimeoutException("mirror copy timed out");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    /** The request line and headers, as OkHttp would write them for this request. */
    static byte[] head(Request request, String authority) throws IOException {
        HttpUrl url = request.url();
        StringBuilder s = new StringBuilder(256);
        s.append(request.method()).append(' ').append(url.encodedPath());
        String query = url.encodedQuery();
        if (query != null) {
            s.append('?').append(query);
        }
        s.append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\n");
        Headers headers = request.headers();
        boolean userAgent = false;
        boolean acceptEncoding = false;
        boolean contentType = false;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (name.equalsIgnoreCase("Host") || name.equalsIgnoreCase("Content-Length")
                    || name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")) {
                continue; // written here from the copy itself
            }
            userAgent |= name.equalsIgnoreCase("User-Agent");
            acceptEncoding |= name.equalsIgnoreCase("Accept-Encoding") || name.equalsIgnoreCase("Range");
            contentType |= name.equalsIgnoreCase("Content-Type");
            s.append(name).append(": ").append(headers.value(i)).append("\r\n");
        }
        RequestBody body = request.body();
        if (body != null) {
            MediaType type = body.contentType();
            if (type != null && !contentType) {
                s.append("Content-Type: ").append(type).append("\r\n");
            }
        }
        if (!userAgent) {
            s.append("User-Agent: ").append(USER_AGENT).append("\r\n");
        }
        if (!acceptEncoding) {
            s.append("Accept-Encoding: gzip\r\n");
        }
        // Content-Length follows from the body, written with it
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Buffer body(RequestBody body) throws IOException {
        if (body == null) {
            return null;
        }
        Buffer b = new Buffer();
        body.writeTo(b);
        return b;
    }

    /** One keep-alive connection, used by one sender thread at a time. */
    private static final class Connection {
        final String address;
        final int port;
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final int readTimeoutMillis;
        private byte[] buf = new byte[8192];
        private int pos;
        private int limit;
        /** Whether a byte of the current exchange's response has been read. */
        boolean responseStarted;
        /** Whether the last exchange left the connection ready for another. */
        boolean reusable;

        Connection(String address, int port, Socket socket, int readTimeoutMillis) throws IOException {
            this.readTimeoutMillis = readTimeoutMillis;
            this.address = address;
            this.port = port;
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Writes the copy, reads its response to the end; returns the status. */
        int exchange(String method, byte[] head, Buffer body, long deadline) throws IOException {
            responseStarted = false;
            reusable = false;
            pos = 0;
            limit = 0;
            long length = body != null ? body.size() : -1;
            boolean sendLength = body != null || method.equals("POST") || method.equals("PUT")
                    || method.equals("PATCH");
            byte[] lengthLine = (sendLength ? "Content-Length: " + Math.max(0, length) + "\r\n\r\n" : "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            if (length <= 0) {
                byte[] all = new byte[head.length + lengthLine.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(lengthLine, 0, all, head.length, lengthLine.length);
                out.write(all);
            } else {
                Buffer whole = new Buffer().write(head).write(lengthLine);
                body.copyTo(whole, 0, length);
                whole.writeTo(out, whole.size());
            }
            out.flush();
            int status;
            boolean keepAlive;
            while (true) {
                int end = lineEnd(deadline);
                status = status(end);
                keepAlive = buf[pos + 7] != '0'; // HTTP/1.0 closes unless it says keep-alive
                pos = end + 1;
                long contentLength = -1;
                boolean chunked = false;
                for (end = lineEnd(deadline); textEnd(end) > pos; pos = end + 1, end = lineEnd(deadline)) {
                    int stop = textEnd(end);
                    int colon = indexOf(':', pos, stop);
                    if (colon <= pos) {
                        throw new ProtocolException("malformed mirror response header: " + text(pos, stop));
                    }
                    if (named("content-length", pos, colon)) {
                        contentLength = number(colon + 1, stop, 10);
                    } else if (named("transfer-encoding", pos, colon)) {
                        chunked = text(colon + 1, stop).toLowerCase(Locale.ROOT).contains("chunked");
                    } else if (named("connection", pos, colon)) {
                        String v = text(colon + 1, stop).toLowerCase(Locale.ROOT);
                        keepAlive = !v.contains("close") && (v.contains("keep-alive") || keepAlive);
                    }
                }
                pos = end + 1; // the blank line
                if (status >= 100 && status < 200 && status != 101) {
                    continue; // 100 Continue, 103 Early Hints: the response follows
                }
                if (status == 101 || method.equals("HEAD") || status == 204 || status == 304) {
                    keepAlive &= status != 101;
                } else if (chunked) {
                    skipChunked(deadline);
                } else if (contentLength >= 0) {
                    skip(contentLength, deadline);
                } else {
                    pos = limit;
                    while (fill(deadline)) {
                        pos = limit; // until the server closes
                    }
                    keepAlive = false;
                }
                break;
            }
            if (pos != limit) {
                keepAlive = false; // more than the response: not a connection to use again
            }
            reusable = keepAlive;
            return status;
        }

        /** The status of the status line that ends at {@code end}. */
        private int status(int end) throws ProtocolException {
            int stop = textEnd(end);
            if (stop - pos < 12 || !named("http/1.", pos, pos + 7) || buf[pos + 8] != ' ') {
                throw new ProtocolException("not an HTTP/1.1 response from the mirror: " + text(pos, stop));
            }
            return (int) number(pos + 9, pos + 12, 10);
        }

        /** Whether {@code buf[from, to)} is {@code lowerCaseName}, ignoring ASCII case. */
        private boolean named(String lowerCaseName, int from, int to) {
            if (to - from != lowerCaseName.length()) {
                return false;
            }
            for (int i = from; i < to; i++) {
                int c = buf[i];
                if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != lowerCaseName.charAt(i - from)) {
                    return false;
                }
            }
            return true;
        }

        /** The number in {@code buf[from, to)} (spaces around it, and a chunk extension after it, ignored). */
        private long number(int from, int to, int radix) throws ProtocolException {
            long n = 0;
            int digits = 0;
            int i = from;
            while (i < to && (buf[i] == ' ' || buf[i] == '\t')) {
                i++;
            }
            for (; i < to; i++) {
                int d = Character.digit(buf[i], radix);
                if (d < 0) {
                    break;
                }
                if (++digits > 15) {
                    throw new ProtocolException("number too large from the mirror: " + text(from, to));
                }
                n = n * radix + d;
            }
            while (i < to && (buf[i] == ' ' || buf[i] == '\t')) {
                i++;
            }
            if (digits == 0 || (i < to && buf[i] != ';')) {
                throw new ProtocolException("malformed number from the mirror: " + text(from, to));
            }
            return n;
        }

        private int indexOf(char c, int from, int to) {
            for (int i = from; i < to; i++) {
                if (buf[i] == c) {
                    return i;
                }
            }
            return -1;
        }

        private String text(int from, int to) {
            return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
        }

        /** Where the text of the line ending in the LF at {@code end} stops (before a CR). */
        private int textEnd(int end) {
            return end > pos && buf[end - 1] == '\r' ? end - 1 : end;
        }

        private void skipChunked(long deadline) throws IOException {
            while (true) {
                int end = lineEnd(deadline);
                long size = number(pos, textEnd(end), 16);
                pos = end + 1;
                if (size == 0) {
                    for (end = lineEnd(deadline); textEnd(end) > pos; end = lineEnd(deadline)) {
                        pos = end + 1; // trailers, thrown away
                    }
                    pos = end + 1;
                    return;
                }
                skip(size, deadline);
                end = lineEnd(deadline);
                if (textEnd(end) != pos) {
                    throw new ProtocolException("malformed chunk from the mirror");
                }
                pos = end + 1;
            }
        }

        private void skip(long n, long deadline) throws IOException {
            while (n > 0) {
                if (pos == limit && !fill(deadline)) {
                    throw new EOFException("mirror response ended early");
                }
                int k = (int) Math.min(n, limit - pos);
                pos += k;
                n -= k;
            }
        }

        /**
         * The index of the LF that ends the line at {@code pos}, reading until the whole line is in the buffer
         * (which grows for a long line, up to a limit).
         */
        private int lineEnd(long deadline) throws IOException {
            int from = pos;
            while (true) {
                int lf = indexOf('\n', from, limit);
                if (lf >= 0) {
                    return lf;
                }
                if (pos > 0) { // keep the partial line at the start of the buffer
                    System.arraycopy(buf, pos, buf, 0, limit - pos);
                    limit -= pos;
                    pos = 0;
                }
                if (limit == buf.length) {
                    if (buf.length >= MAX_LINE) {
                        throw new ProtocolException("mirror response line too long");
                    }
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                from = limit;
                if (!read(deadline)) {
                    throw new EOFException("mirror connection closed in a response");
                }
            }
        }

        /** Reads more into an empty buffer; false at the end of the stream. */
        private boolean fill(long deadline) throws IOException {
            pos = 0;
            limit = 0;
            return read(deadline);
        }

        /** Reads more after {@code limit}; false at the end of the stream. */
        private boolean read(long deadline) throws IOException {
            int left = remainingMillis(deadline);
            socket.setSoTimeout(readTimeoutMillis > 0 ? Math.min(readTimeoutMillis, left) : left);
            int n = in.read(buf, limit, buf.length - limit);
            if (n <= 0) {
                return false;
            }
            responseStarted = true;
            limit += n;
            return true;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing to do about it
            }
        }
    }
}
