package io.proxyless.mesh.agent;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.runtime.Mesh;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Java agent: {@code -javaagent:mesh-agent.jar} (or {@code JAVA_TOOL_OPTIONS}) puts the OkHttp clients and
 * gRPC channels of an unchanged application in the mesh, as injection puts a sidecar next to it.
 *
 * <pre>
 * MESH_CONFIG_PATHS=/etc/mesh POD_NAMESPACE=shop java -javaagent:mesh-agent.jar -jar app.jar
 * java -javaagent:mesh-agent.jar=configPaths=mesh/,namespace=shop -jar app.jar
 * </pre>
 *
 * <p>At start the agent reads its {@link AgentSettings} and registers a class transformer for OkHttp's client and
 * grpc-java's channel builders; the workload's one {@link Mesh} is built (config loaded, validated, compiled) on
 * a thread of its own meanwhile, so the application's start goes on in parallel. The first call of an OkHttp
 * client and the first gRPC channel builder wait for that mesh; building an OkHttp client does not. A config that
 * is missing or invalid is logged once, as one error line, and leaves the application as without the agent: the
 * transformer is removed, the hooks of classes already changed do nothing, and clients built meanwhile pass their
 * calls through untouched.
 */
public final class MeshAgent {
    static final Logger LOG = Logger.getLogger("io.proxyless.mesh.agent");
    /** One agent per JVM: a second -javaagent or attach finds this set. */
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final String NOT_INSTALLED = "mesh agent not installed, the application runs without the mesh: ";

    private MeshAgent() {
    }

    /** Entry point for {@code -javaagent:}. */
    public static void premain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation);
    }

    /**
     * Entry point for attaching to a running JVM through the Attach API ({@code Agent-Class}): OkHttp clients and
     * gRPC channel builders made from then on join the mesh; those made before stay as they are (no field of a
     * live object is changed). The running JVM's environment is fixed, so agent arguments configure it.
     */
    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation);
    }

    private static void start(String agentArgs, Instrumentation instrumentation) {
        long started = System.nanoTime();
        if (!STARTED.compareAndSet(false, true)) {
            LOG.warning("mesh agent already running in this JVM; loading it again changes nothing");
            return;
        }
        AgentSettings settings;
        try {
            settings = AgentSettings.read(agentArgs, System::getenv);
            if (settings.disabled()) {
                LOG.info("mesh agent disabled (MESH_AGENT_DISABLED=true): the application runs without the mesh");
                return;
            }
            AgentMesh.check(settings);
        } catch (Throwable e) {
            LOG.severe(NOT_INSTALLED + message(e));
            return;
        }
        CompletableFuture<Mesh> mesh = new CompletableFuture<>();
        ClassFileTransformer transformer;
        AgentShutdown shutdown;
        try {
            shutdown = AgentShutdown.register(); // first: it changes nothing if what follows fails
            MeshHooks.install(mesh);
            transformer = Instrumentations.install(instrumentation);
        } catch (Throwable e) {
            MeshHooks.uninstall();
            LOG.log(Level.SEVERE, NOT_INSTALLED + message(e), e);
            return;
        }
        long premain = System.nanoTime() - started;
        Thread build = new Thread(() -> {
            AgentMesh.Running running = null;
            try {
                running = AgentMesh.build(settings);
                Mesh built = running.mesh();
                PrometheusMeterRegistry metrics = settings.metricsPort() == null ? null : AgentMetrics.bind(built);
                if (!mesh.complete(built)) {
                    running.close(); // too late: the application gave up waiting for it
                    return;
                }
                shutdown.add(running);
                if (metrics != null) {
                    try {
                        shutdown.add(AgentMetrics.serve(metrics, settings.metricsPort()));
                    } catch (Throwable e) {
                        // The mesh works without its metrics: one warning, as a sidecar whose port is taken.
                        LOG.warning("mesh agent: no metrics on :" + settings.metricsPort() + AgentMetrics.PATH
                                + " (" + message(e) + "); set MESH_METRICS_PORT to another port, or off");
                    }
                }
                if (settings.adminPort() != null) {
                    try {
                        shutdown.add(AgentAdmin.start(built, settings.adminPort()));
                    } catch (Throwable e) {
                        LOG.warning("mesh agent: no config dump on 127.0.0.1:" + settings.adminPort()
                                + AgentAdmin.PATH + " (" + message(e) + "); set MESH_ADMIN_PORT to another port, "
                                + "or off");
                    }
                }
            } catch (Throwable e) {
                // One clear line, and nothing left behind: later classes are not changed, hooks do nothing.
                if (running != null && !mesh.isDone()) {
                    running.close();
                }
                instrumentation.removeTransformer(transformer);
                MeshHooks.uninstall();
                LOG.severe(NOT_INSTALLED + message(e));
                mesh.completeExceptionally(e);
                return;
            }
            LOG.info("mesh agent installed in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                    + " ms (" + TimeUnit.NANOSECONDS.toMillis(premain) + " ms before the application's main): "
                    + "OkHttp clients and gRPC channels go through the mesh (" + settings.describe() + ")");
        }, "mesh-agent-start");
        build.setDaemon(true);
        build.start();
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }
}
