package io.proxyless.mesh.runtime.source.file;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.config.ConfigChange;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.ConfigSource;
import io.proxyless.mesh.runtime.time.MeshClock;
import io.proxyless.mesh.runtime.tls.TlsFileReferences;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Config from Istio YAML files and directories, reloaded when they change.
 *
 * <pre>{@code
 * try (FileConfigSource source = FileConfigSource.start(List.of(Path.of("/etc/mesh")), "shop")) {
 *     source.addListener(config -> router.update(config));
 *     ...
 * } catch (ConfigException e) {
 *     e.problems().forEach(p -> System.err.println(p.format()));   // the initial config was invalid
 * }
 * }</pre>
 *
 * <p><b>Watching.</b> Every given directory is watched recursively (new sub-directories are picked up) and every
 * given file through its parent directory. Changes are debounced: a reload runs once the files have been quiet
 * for {@link #DEFAULT_QUIET_PERIOD} (editors and {@code kubectl} write in several steps), and at the latest ten
 * quiet periods after the first change, so a file rewritten without pause is still reloaded. Kubernetes
 * ConfigMap volumes, which swap a {@code ..data} symlink atomically, are followed. The debounce runs on the
 * source's {@link MeshClock} (the mesh's, when the {@code Mesh} builder starts the source), so tests drive it with
 * a fake clock.
 *
 * <p><b>Reloading.</b> A reload reads all given paths again with {@link ConfigLoader} (so a deleted file's
 * resources disappear) and validates them. Valid config whose content differs from the current one becomes
 * {@link #current()} in one volatile write and is delivered to listeners, and the log names every resource added,
 * changed and removed; a change with errors is rejected: the last good config stays in force, the problems are
 * logged one per line and kept in {@link #lastProblems()}.
 *
 * <p><b>Files caught mid-write.</b> A load counts only if no config file changed while it was read (size,
 * modification time and link target are compared before and after); otherwise the files are read again once they
 * are quiet. A file that still exists but turned empty is what a writer that truncates first leaves behind, so it
 * is not believed at once: the source warns, keeps what the file held, and removes it only if the file is still
 * empty {@link #EMPTY_FILE_CONFIRMATION} later. Deleting files is believed at once; when that leaves no config at
 * all, the source says so loudly and names what went away.
 *
 * <p>Two daemon threads: {@value #THREAD_NAME} takes the file events, {@value #RELOAD_THREAD_NAME} loads,
 * validates and delivers (one reload at a time); {@link #close()} stops both. The JDK's WatchService is prompt on Linux (inotify); on platforms where it polls, changes are
 * seen only as fast as the JDK polls.
 */
public final class FileConfigSource implements ConfigSource {
    /** How long the files must be quiet before a reload. */
    public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(150);

    /** How long a config file that turned empty must stay empty before its resources are removed. */
    public static final Duration EMPTY_FILE_CONFIRMATION = Duration.ofSeconds(2);

    /** Name of the watcher thread. */
    public static final String THREAD_NAME = "mesh-file-watch";

    /** Name of the thread that reloads and delivers. */
    public static final String RELOAD_THREAD_NAME = "mesh-file-reload";

    private static final Logger log = LoggerFactory.getLogger(FileConfigSource.class);

    // What the loader reads in directories; changes to other files (editor swap files, notes) cause no reload.
    private static final Set<String> CONFIG_EXTENSIONS = Set.of(".yaml", ".yml", ".json");
    // A file written without pause would otherwise postpone the reload forever.
    private static final int MAX_DELAY_IN_QUIET_PERIODS = 10;
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final List<Path> paths;
    private final ConfigLoader loader;
    private final MeshClock clock;
    private final Debouncer debouncer;
    private final ExecutorService reloader;
    private final WatchService watcher;
    private final Set<Path> rootDirs = new LinkedHashSet<>();
    private final Set<Path> rootFiles = new LinkedHashSet<>();

    // Guarded by watchLock: the watcher thread reads them, a reload registers new directories.
    private final Object watchLock = new Object();
    private final Map<WatchKey, Path> watchedDirs = new HashMap<>();
    private final Set<Path> watchedFiles = new HashSet<>();
    private final Set<Path> fileParents = new HashSet<>();

    // Held while delivering, so that each listener sees snapshots one at a time and in version order.
    private final Object deliveryLock = new Object();
    private final List<ConfigListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MeshConfig current = MeshConfig.EMPTY;
    private volatile List<Problem> lastProblems = List.of();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadsDone = new AtomicLong();
    // Only the reload thread reads and writes it: files that turned empty, waiting for confirmation.
    private EmptiedFiles emptied;
    private final Thread thread;
    private volatile Thread reloadThread;

    private FileConfigSource(List<Path> paths, ConfigLoader loader, Duration quietPeriod, MeshClock clock)
            throws IOException {
        this.paths = paths;
        this.loader = loader;
        this.clock = clock;
        this.reloader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, RELOAD_THREAD_NAME);
            t.setDaemon(true);
            reloadThread = t;
            return t;
        });
        this.debouncer = new Debouncer(clock, quietPeriod, quietPeriod.multipliedBy(MAX_DELAY_IN_QUIET_PERIODS),
                this::reloadLater);
        for (Path p : paths) {
            Path abs = p.toAbsolutePath().normalize();
            if (Files.isDirectory(abs)) {
                rootDirs.add(abs);
            } else {
                rootFiles.add(abs);
            }
        }
        this.watcher = paths.get(0).getFileSystem().newWatchService();
        this.thread = new Thread(this::watch, THREAD_NAME);
        thread.setDaemon(true);
    }

    /**
     * Loads {@code paths} (files and directories; directories are searched recursively for {@code *.yaml},
     * {@code *.yml} and {@code *.json}) and starts watching them, with the {@link #DEFAULT_QUIET_PERIOD}.
     *
     * @param namespace the namespace of resources that do not set {@code metadata.namespace}; null means
     *                  {@link ConfigLoader#DEFAULT_NAMESPACE}
     * @throws ConfigException if the initial config has errors (nothing is left running then)
     * @throws UncheckedIOException if the file system cannot be watched
     */
    public static FileConfigSource start(List<Path> paths, String namespace) throws ConfigException {
        return start(paths, namespace, DEFAULT_QUIET_PERIOD, MeshClock.system());
    }

    /** Like {@link #start(List, String)}, with the debounce on {@code clock} (the {@code Mesh} builder's). */
    public static FileConfigSource start(List<Path> paths, String namespace, MeshClock clock)
            throws ConfigException {
        return start(paths, namespace, DEFAULT_QUIET_PERIOD, clock);
    }

    /** Like {@link #start(List, String)}, reloading once the files have been quiet for {@code quietPeriod}. */
    public static FileConfigSource start(List<Path> paths, String namespace, Duration quietPeriod)
            throws ConfigException {
        return start(paths, namespace, quietPeriod, MeshClock.system());
    }

    /**
     * Like {@link #start(List, String)}, reloading once the files have been quiet for {@code quietPeriod} on
     * {@code clock}.
     */
    public static FileConfigSource start(List<Path> paths, String namespace, Duration quietPeriod, MeshClock clock)
            throws ConfigException {
        Objects.requireNonNull(clock, "clock");
        List<Path> given = List.copyOf(paths);
        if (given.isEmpty()) {
            throw new IllegalArgumentException("no config paths given");
        }
        if (quietPeriod.isNegative()) {
            throw new IllegalArgumentException("quietPeriod must not be negative: " + quietPeriod);
        }
        ConfigLoader loader = ConfigLoader.create()
                .withDefaultNamespace(namespace == null ? ConfigLoader.DEFAULT_NAMESPACE : namespace);
        FileConfigSource source;
        try {
            source = new FileConfigSource(given, loader, quietPeriod, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + given, e);
        }
        try {
            // Watch before the first load: a change made while loading then triggers a reload instead of being lost.
            source.registerAll();
            source.loadInitial();
        } catch (RuntimeException e) {
            source.closeWatcher();
            source.reloader.shutdownNow();
            throw e;
        }
        source.thread.start();
        return source;
    }

    @Override
    public MeshConfig current() {
        return current;
    }

    @Override
    public void addListener(ConfigListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (deliveryLock) {
            listeners.add(listener);
            deliver(listener, () -> listener.onConfig(current));
        }
    }

    @Override
    public void removeListener(ConfigListener listener) {
        listeners.remove(listener);
    }

    @Override
    public List<Problem> lastProblems() {
        return lastProblems;
    }

    /** The paths this source reads, as given. */
    public List<Path> paths() {
        return paths;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeWatcher();
        debouncer.cancel();
        reloader.shutdown();
        // A listener may close its own source (on the reload thread), which cannot wait for itself.
        if (Thread.currentThread() != reloadThread) {
            try {
                thread.join(CLOSE_WAIT_MILLIS);
                Thread reload = reloadThread;
                if (reload != null) {
                    // Its executor counts as terminated a moment before the thread itself has ended.
                    reload.join(CLOSE_WAIT_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "FileConfigSource" + paths + " at version " + current.version();
    }

    /** How many reloads started since start (not counting the initial load). */
    long reloadCount() {
        return reloads.get();
    }

    /** How many reloads finished, their result delivered to the listeners. */
    long reloadsDone() {
        return reloadsDone.get();
    }

    /** Whether a change is waiting for the quiet period to end. */
    boolean reloadPending() {
        return debouncer.pending();
    }

    Thread watchThread() {
        return thread;
    }

    Thread reloadThread() {
        return reloadThread;
    }

    private void loadInitial() {
        LoadedConfig loaded = TlsFileReferences.check(loader.load(paths));
        lastProblems = loaded.problems();
        if (loaded.hasErrors()) {
            throw new ConfigException(loaded.problems());
        }
        current = MeshConfig.of(loaded);
        logAccepted(current);
    }

    /** The watcher thread: takes file events and tells the debouncer about those that matter. */
    private void watch() {
        while (!closed.get()) {
            try {
                WatchKey key = watcher.take();
                if (drain(key)) {
                    debouncer.changed();
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // Never let one bad event end watching: the config would silently freeze.
                log.error("Config watcher for {} hit an unexpected error; still watching", paths, e);
            }
        }
        log.debug("Stopped watching {}", paths);
    }

    /** Called on the clock's timer thread once the files are quiet: the reload runs on the reload thread. */
    private void reloadLater() {
        try {
            reloader.execute(() -> {
                try {
                    reload();
                } finally {
                    reloadsDone.incrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("{} closed; not reloading", paths);
        }
    }

    /** Takes the key's events; true if any of them can change what the loader reads. */
    private boolean drain(WatchKey key) {
        synchronized (watchLock) {
            return drainLocked(key);
        }
    }

    private boolean drainLocked(WatchKey key) {
        Path dir = watchedDirs.get(key);
        boolean relevant = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == OVERFLOW) {
                relevant = true; // events were lost; only a reload can tell what changed
            } else if (dir != null && isRelevant(dir.resolve((Path) event.context()))) {
                relevant = true;
            }
        }
        if (!key.reset()) {
            // The directory itself is gone (deleted, unmounted): its files went with it.
            watchedDirs.remove(key);
            relevant |= dir != null && isUnderRootDir(dir);
        }
        return relevant;
    }

    /** Whether a change to {@code changed} can change what the loader reads. */
    boolean isRelevant(Path changed) {
        synchronized (watchLock) {
            if (watchedFiles.contains(changed)) {
                return true;
            }
            if (isUnderRootDir(changed)) {
                return hasConfigExtension(changed) || Files.isDirectory(changed)
                        || watchedDirs.containsValue(changed);
            }
            // Next to a given file, Kubernetes updates a ConfigMap by re-pointing the ..data directory symlink.
            return fileParents.contains(changed.getParent())
                    && (Files.isDirectory(changed) || Files.isSymbolicLink(changed));
        }
    }

    private boolean isUnderRootDir(Path path) {
        for (Path root : rootDirs) {
            if (path.startsWith(root)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasConfigExtension(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot >= 0 && CONFIG_EXTENSIONS.contains(name.substring(dot));
    }

    private void reload() {
        if (closed.get()) {
            return;
        }
        reloads.incrementAndGet();
        // Register first, so files created in a new directory before it was watched are read by this load.
        registerAll();
        LoadedConfig loaded;
        try {
            List<String> before = fingerprint();
            loaded = TlsFileReferences.check(loader.load(paths));
            if (!before.equals(fingerprint())) {
                // Written to while we read it: what we hold may be half a file. Its write events have restarted
                // the debounce (or this does), so the files are read again once they are quiet.
                log.debug("Config in {} changed while it was read; reading it again", paths);
                debouncer.changed();
                return;
            }
        } catch (RuntimeException e) {
            // A loader failure must neither end watching nor replace good config.
            log.error("Loading {} failed", paths, e);
            loaded = new LoadedConfig(List.of(), List.of(new Problem(Severity.ERROR, null, 0, null, null, null,
                    null, "loading " + paths + " failed: " + e)));
        }
        lastProblems = loaded.problems();
        if (loaded.hasErrors()) {
            reject(loaded.problems());
            return;
        }
        MeshConfig old = current;
        if (!confirmedOrNoneEmptied(old, loaded)) {
            return;
        }
        // Touching a file, or saving it unchanged, must not make every listener recompile.
        if (old.resources().equals(loaded.resources()) && old.warnings().equals(loaded.problems())
                && old.kubernetes().equals(loaded.kubernetes())) {
            log.debug("Config in {} unchanged; staying at version {}", paths, old.version());
            return;
        }
        ConfigChange change = ConfigChange.between(old.resources(), loaded.resources());
        if (loaded.resources().isEmpty() && !old.resources().isEmpty()) {
            log.warn("ALL mesh config in {} is gone (files deleted?): the mesh now routes nothing by config; "
                    + "{}", paths, change.summary());
        }
        MeshConfig next = MeshConfig.of(loaded);
        synchronized (deliveryLock) {
            if (closed.get()) {
                return;
            }
            current = next;
            log.info("Mesh config version {} in force from {}: {} resource(s); {}", next.version(), paths,
                    next.resources().size(), change.summary());
            next.warnings().forEach(FileConfigSource::logProblem);
            for (ConfigListener listener : listeners) {
                deliver(listener, () -> listener.onConfig(next));
            }
        }
    }

    /**
     * Whether {@code loaded} may replace {@code old} as far as emptied files go: true when no file that held
     * resources turned empty, or when the same files have stayed empty for {@link #EMPTY_FILE_CONFIRMATION}.
     * Otherwise warns (once per set of files), keeps {@code old}, and schedules the reload that confirms.
     */
    private boolean confirmedOrNoneEmptied(MeshConfig old, LoadedConfig loaded) {
        Map<String, List<String>> turnedEmpty = turnedEmpty(old, loaded);
        if (turnedEmpty.isEmpty()) {
            if (emptied != null) {
                log.info("Config files {} hold resources again", emptied.files());
                emptied = null;
            }
            return true;
        }
        long now = clock.nanoTime();
        if (emptied == null || !emptied.files().equals(turnedEmpty.keySet())) {
            emptied = new EmptiedFiles(Set.copyOf(turnedEmpty.keySet()), now);
            turnedEmpty.forEach((file, held) -> log.warn("Config file {} is now empty; keeping what it held ({}) "
                    + "unless it is still empty in {} ms (a half-written file looks the same)", file,
                    String.join(", ", held), EMPTY_FILE_CONFIRMATION.toMillis()));
            clock.schedule(this::reloadLater, EMPTY_FILE_CONFIRMATION.toNanos(), TimeUnit.NANOSECONDS);
            return false;
        }
        if (now - emptied.since() < EMPTY_FILE_CONFIRMATION.toNanos()) {
            return false; // the confirming reload is scheduled
        }
        log.warn("Config files {} stayed empty for {} ms: removing what they held", emptied.files(),
                EMPTY_FILE_CONFIRMATION.toMillis());
        emptied = null;
        return true;
    }

    /** Files that held resources in {@code old}, still exist, and hold none in {@code loaded}: what they held. */
    private static Map<String, List<String>> turnedEmpty(MeshConfig old, LoadedConfig loaded) {
        // A file's resources come one after another, naming it by one string: each run is looked at once.
        Set<String> stillHolding = new HashSet<>();
        String last = null;
        for (Resource<?> r : loaded.resources()) {
            String file = r.source().file();
            if (file != last) {
                stillHolding.add(file);
                last = file;
            }
        }
        Map<String, List<String>> held = new TreeMap<>();
        last = null;
        boolean holding = true;
        for (Resource<?> r : old.resources()) {
            String file = r.source().file();
            if (file != last) {
                last = file;
                holding = file == null || stillHolding.contains(file) || !Files.exists(Path.of(file));
            }
            if (!holding) {
                held.computeIfAbsent(file, f -> new ArrayList<>()).add(r.describe());
            }
        }
        return held;
    }

    /** Files that turned empty, and when that was first seen. */
    private record EmptiedFiles(Set<String> files, long since) {
    }

    /**
     * What the loader is about to read, as size, modification time and real path of each config file: equal
     * before and after a load when nothing was written to the files while they were read.
     */
    private List<String> fingerprint() {
        List<String> print = new ArrayList<>();
        for (Path path : paths) {
            try {
                for (Path file : ConfigLoader.configFiles(path)) {
                    try {
                        print.add(file + "|" + file.toRealPath() + "|" + Files.size(file) + "|"
                                + Files.getLastModifiedTime(file).toInstant());
                    } catch (IOException e) {
                        print.add(file + "|" + e.getClass().getSimpleName());
                    }
                }
            } catch (IOException e) {
                print.add(path + "|" + e.getClass().getSimpleName());
            }
        }
        return print;
    }

    private void reject(List<Problem> problems) {
        synchronized (deliveryLock) {
            if (closed.get()) {
                return;
            }
            long errors = problems.stream().filter(Problem::blocksConfig).count();
            log.error("Rejected config change in {}: {} error(s); keeping version {}", paths, errors,
                    current.version());
            problems.forEach(FileConfigSource::logProblem);
            for (ConfigListener listener : listeners) {
                deliver(listener, () -> listener.onRejected(problems));
            }
        }
    }

    private void logAccepted(MeshConfig config) {
        log.info("Mesh config version {} in force from {}: {} resource(s)", config.version(), paths,
                config.resources().size());
        config.warnings().forEach(FileConfigSource::logProblem);
    }

    private static void logProblem(Problem problem) {
        switch (problem.severity()) {
            case ERROR -> log.error("{}", problem.format());
            case WARNING -> log.warn("{}", problem.format());
            case INFO -> log.info("{}", problem.format());
        }
    }

    private void deliver(ConfigListener listener, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            // One broken listener must not keep config from the others.
            log.error("Config listener {} failed", listener, e);
        }
    }

    /** (Re-)registers every directory involved; already watched ones keep their key. */
    private void registerAll() {
        synchronized (watchLock) {
            registerAllLocked();
        }
    }

    private void registerAllLocked() {
        for (Path root : rootDirs) {
            registerTree(root);
        }
        watchedFiles.clear();
        fileParents.clear();
        for (Path file : rootFiles) {
            watchFile(file);
            // A symlinked file (a ConfigMap key) can also change at its target, in another directory.
            if (Files.isSymbolicLink(file)) {
                try {
                    watchFile(file.toRealPath());
                } catch (IOException e) {
                    log.debug("Cannot resolve {}; the next load reports it if it is missing", file, e);
                }
            }
        }
    }

    private void watchFile(Path file) {
        watchedFiles.add(file);
        Path parent = file.getParent();
        if (parent != null) {
            fileParents.add(parent);
            register(parent);
        }
    }

    private void registerTree(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try {
            // Links are followed because the loader reads through them (e.g. a ConfigMap's ..data directory).
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            register(dir);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            // Link loops, entries deleted under our feet, unreadable directories: skip them;
                            // the loader reports anything it cannot read.
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            log.warn("Cannot watch {}: {}", root, e.toString());
        }
    }

    private void register(Path dir) {
        try {
            WatchKey key = dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            // The same directory reached twice (through a link) has one key; keep the first name for it.
            watchedDirs.putIfAbsent(key, dir);
        } catch (NoSuchFileException e) {
            // Deleted since we listed it; its parent's event triggers the reload that notices.
        } catch (IOException e) {
            log.warn("Cannot watch {}: {}", dir, e.toString());
        }
    }

    private void closeWatcher() {
        try {
            watcher.close();
        } catch (IOException e) {
            log.debug("Closing the watch service for {} failed", paths, e);
        }
    }
}
