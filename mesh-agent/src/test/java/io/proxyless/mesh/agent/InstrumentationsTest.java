package io.proxyless.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hooks written into the real OkHttp and grpc-java classes pass the JVM's verifier (a class that fails it
 * would break the application at load time, which the agent must never do).
 */
class InstrumentationsTest {

    @Test
    void theOkHttpClientConstructorCallsTheHookAndVerifies() throws Exception {
        Class<?> c = defineInstrumented("okhttp3.OkHttpClient",
                Instrumentations.TARGETS.get("okhttp3/OkHttpClient"));
        assertThat(c.getDeclaredConstructors()).isNotEmpty();
    }

    @Test
    void theGrpcChannelBuilderFactoriesCallTheHooksAndVerify() throws Exception {
        defineInstrumented("io.grpc.ManagedChannelBuilder",
                Instrumentations.TARGETS.get("io/grpc/ManagedChannelBuilder"));
        defineInstrumented("io.grpc.Grpc", Instrumentations.TARGETS.get("io/grpc/Grpc"));
    }

    /** The class, instrumented, defined and verified (by initialising it) in a loader of its own. */
    private static Class<?> defineInstrumented(String name, Map<String, String> methods) throws Exception {
        byte[] original;
        try (InputStream in = InstrumentationsTest.class.getClassLoader()
                .getResourceAsStream(name.replace('.', '/') + ".class")) {
            original = in.readAllBytes();
        }
        byte[] instrumented = Instrumentations.instrument(original, methods);
        assertThat(instrumented).isNotEqualTo(original);
        ClassLoader loader = new ClassLoader(InstrumentationsTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                if (n.equals(name)) {
                    synchronized (getClassLoadingLock(n)) {
                        Class<?> c = findLoadedClass(n);
                        return c != null ? c : defineClass(n, instrumented, 0, instrumented.length);
                    }
                }
                return super.loadClass(n, resolve);
            }
        };
        // Initialising links the class, and linking verifies its bytecode (frames, stack, types).
        return Class.forName(name, true, loader);
    }
}
