package io.proxyless.mesh.agent;

import io.proxyless.mesh.runtime.Mesh;
import java.net.URL;
import java.security.CodeSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;

/**
 * What the instrumented OkHttp and grpc-java code calls. The calls inserted into those classes refer only to
 * this class and to {@code Object}s, so the application's classes link against nothing else of the agent; the
 * code that speaks OkHttp or gRPC ({@link OkHttpHook}, {@link GrpcHook}) is loaded on first use, from the system
 * class loader, and so sees the OkHttp and grpc-java on the application's class path.
 *
 * <p>Every hook fails safe: anything unexpected leaves the client as the application built it, with one log line.
 *
 * <p>Public for the inserted calls; not an API.
 */
public final class MeshHooks {
    private static volatile Installed installed;
    /** Set while the agent itself runs on this thread: clients the mesh builds for itself are left alone. */
    private static final ThreadLocal<Boolean> busy = new ThreadLocal<>();
    private static final URL AGENT_CODE = location(MeshHooks.class);

    /** How long the first OkHttp call, or the first gRPC channel builder, waits for the mesh being built at start. */
    private static final long MESH_WAIT_SECONDS = 60;

    /** The mesh (being built at start) and its adapters, made on first use. */
    private static final class Installed {
        final CompletableFuture<Mesh> mesh;
        volatile OkHttpHook okHttp;
        volatile GrpcHook grpc;
        final AtomicBoolean okHttpUnusable = new AtomicBoolean();
        final AtomicBoolean grpcUnusable = new AtomicBoolean();

        Installed(CompletableFuture<Mesh> mesh) {
            this.mesh = mesh;
        }

        /** The mesh, once built; null when it could not be (its builder logged why). */
        Mesh mesh() {
            try {
                return mesh.get(MESH_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (java.util.concurrent.TimeoutException e) {
                if (mesh.completeExceptionally(e)) {
                    MeshAgent.LOG.severe("mesh agent: no mesh after " + MESH_WAIT_SECONDS + " s; the application's "
                            + "clients stay outside the mesh");
                }
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return null;
            }
        }
    }

    private MeshHooks() {
    }

    static void install(CompletableFuture<Mesh> mesh) {
        installed = new Installed(Objects.requireNonNull(mesh));
    }

    static void uninstall() {
        installed = null;
    }

    /**
     * Called as an {@code OkHttpClient} is built from {@code builder}: puts the mesh interceptor first among the
     * builder's application interceptors unless one is there already. It does not wait for the mesh being built
     * at start; the client's first call does.
     */
    public static void okHttpClientBuilding(Object builder) {
        try {
            okHttp(builder);
        } catch (Throwable e) {
            // never the application's failure: its client is built as without the agent
        }
    }

    private static void okHttp(Object builder) {
        Installed in = installed;
        if (in == null || in.okHttpUnusable.get() || ownCall()) {
            return;
        }
        busy.set(Boolean.TRUE);
        try {
            OkHttpHook hook = in.okHttp;
            if (hook == null) {
                synchronized (in) {
                    hook = in.okHttp;
                    if (hook == null) {
                        // No waiting here: the client's first call waits for the mesh (AwaitingMeshInterceptor).
                        hook = new OkHttpHook(in::mesh);
                        in.okHttp = hook;
                    }
                }
            }
            hook.addInterceptor(builder);
        } catch (Throwable e) {
            if (in.okHttpUnusable.compareAndSet(false, true)) {
                MeshAgent.LOG.log(Level.SEVERE, "mesh agent: OkHttp clients stay outside the mesh: " + e, e);
            }
        } finally {
            busy.remove();
        }
    }

    /**
     * Called as grpc-java makes a channel builder for {@code target} ({@code forTarget}, {@code
     * Grpc.newChannelBuilder}); {@code credentials} is null for {@code ManagedChannelBuilder.forTarget}.
     *
     * @return a mesh channel builder, or null to let grpc-java build its own channel
     */
    public static Object grpcChannelBuilder(String target, Object credentials) {
        return grpc(target, -1, credentials);
    }

    /** As {@link #grpcChannelBuilder(String, Object)} for {@code forAddress(host, port)}. */
    public static Object grpcChannelBuilder(String host, int port, Object credentials) {
        return grpc(host, port, credentials);
    }

    private static Object grpc(String hostOrTarget, int port, Object credentials) {
        try {
            return grpcBuilder(hostOrTarget, port, credentials);
        } catch (Throwable e) {
            return null; // never the application's failure: grpc-java builds its own channel
        }
    }

    private static Object grpcBuilder(String hostOrTarget, int port, Object credentials) {
        Installed in = installed;
        if (in == null || in.grpcUnusable.get() || ownCall()) {
            return null;
        }
        busy.set(Boolean.TRUE);
        try {
            GrpcHook hook = in.grpc;
            if (hook == null) {
                synchronized (in) {
                    hook = in.grpc;
                    if (hook == null) {
                        Mesh mesh = in.mesh();
                        if (mesh == null) {
                            return null;
                        }
                        hook = new GrpcHook(mesh);
                        in.grpc = hook;
                    }
                }
            }
            return port < 0 ? hook.forTarget(hostOrTarget, credentials)
                    : hook.forAddress(hostOrTarget, port, credentials);
        } catch (Throwable e) {
            if (in.grpcUnusable.compareAndSet(false, true)) {
                MeshAgent.LOG.log(Level.SEVERE, "mesh agent: gRPC channels stay outside the mesh: " + e, e);
            }
            return null;
        } finally {
            busy.remove();
        }
    }

    /**
     * Whether the client is being built by the agent's own code: on this thread while a hook runs, or from a
     * class of the agent jar further up the stack (the mesh's mirror and per-endpoint clients).
     */
    private static boolean ownCall() {
        if (busy.get() != null) {
            return true;
        }
        if (AGENT_CODE == null) {
            return false;
        }
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .skip(1)
                .map(StackWalker.StackFrame::getDeclaringClass)
                .anyMatch(c -> c != MeshHooks.class && AGENT_CODE.equals(location(c))));
    }

    private static URL location(Class<?> c) {
        CodeSource source = c.getProtectionDomain().getCodeSource();
        return source == null ? null : source.getLocation();
    }
}
