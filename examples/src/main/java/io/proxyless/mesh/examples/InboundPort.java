package io.proxyless.mesh.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A workload's inbound port, doing what the server side of Istio's mTLS does: in {@code PERMISSIVE} mode (Istio's
 * default) it accepts plain text and mutual TLS on the same port, in {@code STRICT} mode (a PeerAuthentication
 * {@code STRICT}) only mutual TLS.
 *
 * <p>It looks at the first byte a client sends — a TLS connection starts with a handshake record, {@code 0x16};
 * HTTP/1.1 and gRPC's HTTP/2 preface start with a letter — and relays the connection, bytes unchanged, to the
 * workload's plain-text server or to its TLS server (which requires a client certificate from the mesh root).
 * TLS is thus end to end between client and workload, and the workload sees the client's certificate.
 */
final class InboundPort implements AutoCloseable {
    /** PeerAuthentication modes, as far as a server is concerned. */
    enum Mode { PERMISSIVE, STRICT }

    private static final int TLS_HANDSHAKE = 0x16;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ServerSocket server;
    private final int plainPort;
    private final int tlsPort;
    private final ExecutorService relays = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "inbound-relay-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Mode mode = Mode.PERMISSIVE;
    private volatile boolean closed;

    /** Listens on an ephemeral port of 127.0.0.1 in front of the workload's two servers. */
    InboundPort(int plainPort, int tlsPort) {
        this.plainPort = plainPort;
        this.tlsPort = tlsPort;
        try {
            this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        relays.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    void mode(Mode mode) {
        this.mode = mode;
    }

    /** Plain-text connections refused in STRICT mode. */
    int refused() {
        return refused.get();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            relays.execute(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        Socket upstream = null;
        try {
            client.setTcpNoDelay(true);
            int first = client.getInputStream().read();
            if (first < 0) {
                close(client, null);
                return;
            }
            boolean tls = first == TLS_HANDSHAKE;
            if (!tls && mode == Mode.STRICT) {
                refused.incrementAndGet();
                close(client, null); // what a STRICT sidecar does with plain text: the connection is closed
                return;
            }
            upstream = new Socket();
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), tls ? tlsPort : plainPort));
            upstream.getOutputStream().write(first);
            Socket up = upstream;
            AtomicInteger open = new AtomicInteger(2);
            Runnable done = () -> {
                if (open.decrementAndGet() == 0) {
                    close(client, up);
                }
            };
            relays.execute(() -> {
                pump(up, client);
                done.run();
            });
            pump(client, up);
            done.run();
        } catch (IOException e) {
            close(client, upstream); // the client or the workload went away
        }
    }

    /**
     * Copies {@code from} → {@code to} until {@code from} ends, then half-closes {@code to} (so each side sees the
     * other's close); a reset closes both.
     */
    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            close(from, to);
        }
    }

    private static void close(Socket a, Socket b) {
        for (Socket s : new Socket[] {a, b}) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        relays.shutdownNow();
    }
}
