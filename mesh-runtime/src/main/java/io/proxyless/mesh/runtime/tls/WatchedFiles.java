package io.proxyless.mesh.runtime.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A few small files (PEM certificates, keys) checked for new content at most once per interval, on the thread
 * that needs them — no watcher thread. Contents are compared byte for byte, so a rewrite is noticed whatever the
 * file system's timestamp granularity, and Kubernetes' symlink swaps are followed.
 */
final class WatchedFiles {
    private final List<Path> paths;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private byte[][] contents;
    private volatile long nextCheckNanos;

    /** Reads the files now; fails when one cannot be read. Checks are timed on {@code nanoTime} (the mesh clock). */
    WatchedFiles(List<Path> paths, Duration interval, LongSupplier nanoTime) throws IOException {
        this.paths = List.copyOf(paths);
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.contents = read();
        this.nextCheckNanos = nanoTime.getAsLong() + intervalNanos;
    }

    /** The contents read last, as text. */
    synchronized String text(int index) {
        return new String(contents[index], StandardCharsets.UTF_8);
    }

    /** The paths watched. */
    List<Path> paths() {
        return paths;
    }

    /**
     * True when the interval has passed and the files now hold different bytes than last time (the new contents
     * become current). A file that cannot be read right now (mid-rotation) counts as unchanged.
     */
    boolean poll() {
        if (nanoTime.getAsLong() - nextCheckNanos < 0) {
            return false;
        }
        synchronized (this) {
            if (nanoTime.getAsLong() - nextCheckNanos < 0) {
                return false;
            }
            nextCheckNanos = nanoTime.getAsLong() + intervalNanos;
            byte[][] now;
            try {
                now = read();
            } catch (IOException e) {
                return false;
            }
            if (Arrays.deepEquals(now, contents)) {
                return false;
            }
            contents = now;
            return true;
        }
    }

    private byte[][] read() throws IOException {
        byte[][] out = new byte[paths.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Files.readAllBytes(paths.get(i));
        }
        return out;
    }
}
