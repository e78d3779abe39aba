package io.proxyless.mesh.agent;

import com.sun.net.httpserver.HttpServer;
import java.util.ArrayList;
import java.util.List;


/**
 * Stops what the agent runs beside the application when the JVM exits: the mesh's config source (the file
 * watcher or the xDS stream) and the metrics and config-dump servers.
 *
 * <p>Why: on {@code System.exit} HotSpot waits up to 300 ms for threads that sit in native code (a file watcher's
 * poll, an HTTP server's selector) before it halts, so threads left running would make every exit of an injected
 * application that much slower than without the agent. Calls the application makes from its own shutdown hooks
 * keep working: a mesh whose source is closed keeps routing with the config last in force.
 */
final class AgentShutdown {
    private final List<AutoCloseable> parts = new ArrayList<>();
    private boolean stopped;

    private AgentShutdown() {
    }

    /** A registered shutdown hook; parts {@linkplain #add added} later are stopped too. */
    static AgentShutdown register() {
        AgentShutdown shutdown = new AgentShutdown();
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown::run, "mesh-agent-shutdown"));
        return shutdown;
    }

    /** Stops {@code part} when the JVM exits, or at once when it is exiting already (the mesh built too late). */
    void add(AutoCloseable part) {
        synchronized (parts) {
            if (!stopped) {
                parts.add(part);
                return;
            }
        }
        close(part);
    }

    void add(HttpServer server) {
        // no grace period: the JVM is exiting, and a scrape answered half-way is worth less than a prompt exit
        add(() -> server.stop(0));
    }

    private void run() {
        List<AutoCloseable> toStop;
        synchronized (parts) {
            stopped = true;
            toStop = List.copyOf(parts);
        }
        toStop.forEach(AgentShutdown::close);
    }

    private static void close(AutoCloseable part) {
        try {
            part.close();
        } catch (Throwable e) {
            // exiting anyway: one part failing to stop must not keep the others running
            MeshAgent.LOG.fine("mesh agent: stopping " + part + " at exit failed: " + e);
        }
    }
}
