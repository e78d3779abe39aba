package io.proxyless.mesh.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * The classes the agent changes, and how: a call to {@link MeshHooks} at the start of OkHttp's client
 * constructor and of grpc-java's channel-builder factories. Nothing else of the application is touched and no
 * class gains members, so classes loaded before the agent (when attached late) are retransformed in place.
 *
 * <p>A plain {@link ClassFileTransformer} that compares class names picks the three classes ({@code
 * okhttp3.OkHttpClient}, {@code io.grpc.ManagedChannelBuilder}, {@code io.grpc.Grpc}; every other class
 * the JVM loads costs one map lookup), and the calls are written with ByteBuddy's ASM directly: ByteBuddy's
 * {@code AgentBuilder} and {@code Advice} load some 750 classes and took seconds of start-up on a busy machine
 * for three one-line hooks.
 */
final class Instrumentations implements ClassFileTransformer {
    private static final String HOOKS = Type.getInternalName(MeshHooks.class);
    private static final String OKHTTP_CLIENT = "okhttp3/OkHttpClient";
    /** Internal class name → method name + descriptor → the hook it calls first. */
    static final Map<String, Map<String, String>> TARGETS = Map.of(
            OKHTTP_CLIENT, Map.of(
                    "<init>(Lokhttp3/OkHttpClient$Builder;)V", "okHttpClientBuilding(Ljava/lang/Object;)V"),
            "io/grpc/ManagedChannelBuilder", Map.of(
                    "forTarget(Ljava/lang/String;)Lio/grpc/ManagedChannelBuilder;",
                    "grpcChannelBuilder(Ljava/lang/String;Ljava/lang/Object;)Ljava/lang/Object;",
                    "forAddress(Ljava/lang/String;I)Lio/grpc/ManagedChannelBuilder;",
                    "grpcChannelBuilder(Ljava/lang/String;ILjava/lang/Object;)Ljava/lang/Object;"),
            "io/grpc/Grpc", Map.of(
                    "newChannelBuilder(Ljava/lang/String;Lio/grpc/ChannelCredentials;)Lio/grpc/ManagedChannelBuilder;",
                    "grpcChannelBuilder(Ljava/lang/String;Ljava/lang/Object;)Ljava/lang/Object;",
                    "newChannelBuilderForAddress(Ljava/lang/String;ILio/grpc/ChannelCredentials;)"
                            + "Lio/grpc/ManagedChannelBuilder;",
                    "grpcChannelBuilder(Ljava/lang/String;ILjava/lang/Object;)Ljava/lang/Object;"));

    private Instrumentations() {
    }

    /** Instruments the target classes loaded from now on, and those already loaded. */
    static ClassFileTransformer install(Instrumentation instrumentation) {
        Instrumentations transformer = new Instrumentations();
        instrumentation.addTransformer(transformer, true);
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : instrumentation.getAllLoadedClasses()) {
            if (TARGETS.containsKey(c.getName().replace('.', '/')) && instrumentation.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            try {
                instrumentation.retransformClasses(loaded.toArray(Class<?>[]::new));
            } catch (UnmodifiableClassException | RuntimeException e) {
                MeshAgent.LOG.log(Level.WARNING, "mesh agent: classes loaded before it stay outside the mesh: "
                        + loaded, e);
            }
        }
        return transformer;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classfile) {
        Map<String, String> methods = className == null ? null : TARGETS.get(className);
        if (methods == null) {
            return null;
        }
        try {
            if (!seesHooks(loader)) {
                MeshAgent.LOG.warning("mesh agent: " + className.replace('/', '.') + " is loaded by " + loader
                        + ", not by the class loader of the agent's classes; it stays outside the mesh");
                return null;
            }
            return instrument(classfile, methods);
        } catch (Throwable e) {
            // The agent's failure, never the application's: the class stays as it is.
            MeshAgent.LOG.log(Level.WARNING, "mesh agent: could not instrument " + className.replace('/', '.')
                    + "; it stays outside the mesh", e);
            return null;
        }
    }

    /**
     * Whether the class is defined by the class loader the agent's own classes come from (the system class
     * loader, for {@code -javaagent}). Only then do the calls link against this very {@link MeshHooks}, and the
     * mesh adapters behind it against the same OkHttp and grpc-java classes as the application's: a mesh channel
     * builder returned into a grpc-java of another loader would not even be of its {@code ManagedChannelBuilder}.
     */
    private static boolean seesHooks(ClassLoader loader) {
        return loader != null && loader == MeshHooks.class.getClassLoader();
    }

    static byte[] instrument(byte[] classfile, Map<String, String> methods) {
        ClassReader reader = new ClassReader(classfile);
        // Frames are expanded so that the one frame added (after a hook declined) can name the arguments fully.
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                String hook = methods.get(name + descriptor);
                if (hook == null) {
                    return mv;
                }
                return "<init>".equals(name) ? new ConstructorHook(mv, hook) : new FactoryHook(mv, descriptor, hook);
            }
        }, ClassReader.EXPAND_FRAMES);
        return writer.toByteArray();
    }

    /** {@code OkHttpClient(Builder)}: {@code MeshHooks.okHttpClientBuilding(builder)} first. */
    private static final class ConstructorHook extends MethodVisitor {
        private final String hook;

        ConstructorHook(MethodVisitor mv, String hook) {
            super(Opcodes.ASM9, mv);
            this.hook = hook;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            // Before the super constructor call: only the argument is touched, never 'this'.
            super.visitVarInsn(Opcodes.ALOAD, 1);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, nameOf(hook), descriptorOf(hook), false);
        }
    }

    /**
     * A static channel-builder factory: {@code Object b = MeshHooks.grpcChannelBuilder(args...); if (b != null)
     * return (ManagedChannelBuilder) b;} and then the factory's own code.
     */
    private static final class FactoryHook extends MethodVisitor {
        private final String descriptor;
        private final String hook;

        FactoryHook(MethodVisitor mv, String descriptor, String hook) {
            super(Opcodes.ASM9, mv);
            this.descriptor = descriptor;
            this.hook = hook;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            Type[] args = Type.getArgumentTypes(descriptor);
            int slot = 0;
            Object[] locals = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                super.visitVarInsn(args[i].getOpcode(Opcodes.ILOAD), slot);
                slot += args[i].getSize();
                locals[i] = args[i].getSort() == Type.INT ? Opcodes.INTEGER : args[i].getInternalName();
            }
            if (args.length == 1 || (args.length == 2 && args[1].getSort() == Type.INT)) {
                super.visitInsn(Opcodes.ACONST_NULL); // forTarget / forAddress: no credentials
            }
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, nameOf(hook), descriptorOf(hook), false);
            Label own = new Label();
            super.visitInsn(Opcodes.DUP);
            super.visitJumpInsn(Opcodes.IFNULL, own);
            super.visitTypeInsn(Opcodes.CHECKCAST, Type.getReturnType(descriptor).getInternalName());
            super.visitInsn(Opcodes.ARETURN);
            super.visitLabel(own);
            super.visitFrame(Opcodes.F_NEW, locals.length, locals, 1, new Object[] {"java/lang/Object"});
            super.visitInsn(Opcodes.POP);
        }
    }

    private static String nameOf(String hook) {
        return hook.substring(0, hook.indexOf('('));
    }

    private static String descriptorOf(String hook) {
        return hook.substring(hook.indexOf('('));
    }
}
