package io.proxyless.mesh.api.loader;

import com.google.common.util.concurrent.Uninterruptibles;
import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.FieldLocations;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.SourceInfo;
import io.proxyless.mesh.api.analysis.Analyzers;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.Pod;
import io.proxyless.mesh.api.kubernetes.ServiceEndpoints;
import io.proxyless.mesh.api.validation.DnsNames;
import io.proxyless.mesh.api.validation.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Reads Istio networking config from files and directories, binds it to the model and validates it.
 *
 * <pre>{@code
 * LoadedConfig config = ConfigLoader.create().withDefaultNamespace("shop").load(List.of(Path.of("mesh/")));
 * config.problems().forEach(p -> System.err.println(p.format()));
 * }</pre>
 *
 * <p>Directories are searched recursively for {@code *.yaml}, {@code *.yml} and {@code *.json}, in name
 * order. Files may hold several YAML documents and Kubernetes {@code List}s. Loading never throws for
 * problems in the config (they are all in the result); {@link #loadOrThrow} throws {@link ConfigException}.
 *
 * <p>Kubernetes {@code v1 Service}, {@code v1 Endpoints}, {@code discovery.k8s.io/v1 EndpointSlice} and
 * {@code v1 Pod} documents are read too ({@link LoadedConfig#kubernetes()}): they define the in-cluster hosts the
 * mesh routes to, as istiod's Kubernetes registry does. Istio's cross-resource analyses
 * ({@link Analyzers}) run over everything loaded.
 */
public final class ConfigLoader {
    /** Namespace for resources that do not set {@code metadata.namespace}. */
    public static final String DEFAULT_NAMESPACE = "default";

    /**
     * Largest config file read, in bytes (32 MiB). Checked before the file is read, so that a stray huge file
     * (a log, a dump) costs nothing; 10,000 services with a ServiceEntry, DestinationRule and VirtualService
     * each take about 7 MiB.
     */
    public static final long MAX_FILE_BYTES = 32L * 1024 * 1024;

    /**
     * Longest YAML line, in characters (2 Mi). Checked before parsing: the YAML scanner's cost grows with the
     * square of a line's length (20 MB on one line takes minutes, 2 Mi characters about a second). The largest
     * value Istio accepts, a 1 MB direct-response body (1.4 MB as base64), still fits on one line, so Istio's
     * own check reports it. JSON is read by a parser without that cost, so a JSON file may be one line.
     */
    public static final int MAX_LINE_CHARS = 2 * 1024 * 1024;

    /** The link kubelet re-points when a ConfigMap or Secret volume changes. */
    private static final String CONFIGMAP_DATA = "..data";

    private static final Set<String> ENVELOPE_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "status");

    private final String defaultNamespace;
    /** Name of the second thread that parses files when a load has several to parse. */
    public static final String PARSE_THREAD_NAME = "mesh-config-parse";

    // What the last load parsed, by file, and the validation of its resources: a reload takes what did not change.
    // Replaced whole by each load (a load that runs beside another one merely parses again).
    private volatile Map<String, ParsedFile> parsedFiles = Map.of();
    // How many resources the last load had: the next one sizes its maps for as many.
    private volatile int resourcesBefore;
    // The last load's analyses: a reload that changed only what no analysis reads keeps their findings.
    private volatile Analyzers.Analysis analyzedBefore;
    // The files the last load merged, in order, when none of their resources was a duplicate of another file's.
    private volatile List<Batch> mergedBefore;
    // Whether the last load merged every file without the cross-file duplicate check (for tests).
    private volatile boolean mergedUnchecked;

    private ConfigLoader(String defaultNamespace) {
        this.defaultNamespace = Objects.requireNonNull(defaultNamespace, "defaultNamespace");
    }

    public static ConfigLoader create() {
        return new ConfigLoader(DEFAULT_NAMESPACE);
    }

    public ConfigLoader withDefaultNamespace(String namespace) {
        return new ConfigLoader(namespace);
    }

    public String defaultNamespace() {
        return defaultNamespace;
    }

    /** How many analyzers' findings the last load took from the load before it (0 when the change mattered). */
    int analysesReused() {
        Analyzers.Analysis last = analyzedBefore;
        return last == null ? 0 : last.reused();
    }

    /** Whether the last load found no file that could add a duplicate, so it checked none across files. */
    boolean mergedWithoutDuplicateCheck() {
        return mergedUnchecked;
    }

    /** Loads and validates all resources under {@code paths}. Problems are in the result, not thrown. */
    public LoadedConfig load(List<Path> paths) {
        // Every file is read and checked against the last load's first; only the changed ones are decoded and
        // parsed (several of them on two threads), and all are merged in order afterwards, so problems and
        // duplicates come out exactly as in a load that parsed one file after the other.
        Map<String, ParsedFile> last = parsedFiles;
        List<FileRead> reads = new ArrayList<>();
        List<FileRead> changed = new ArrayList<>();
        for (Path path : paths) {
            for (ConfigFile file : expand(path, reads)) {
                FileRead read = new FileRead(file.shown().toString(), isJson(file.shown()));
                reads.add(read);
                try {
                    read.content = readBytes(file.read());
                } catch (TooLargeException e) {
                    read.problem = e.getMessage();
                    continue;
                } catch (IOException e) {
                    read.problem = "cannot read file: " + describe(e);
                    continue;
                }
                if (!read.takeUnchanged(last.get(read.name))) {
                    changed.add(read);
                }
            }
        }
        parseChanged(changed);
        // Sized for as many resources as the last load had: a reload of thousands does not grow its maps step by step.
        Batch batch = new Batch(resourcesBefore);
        Map<String, ParsedFile> files = new HashMap<>();
        // While every file merged so far holds the resources (by kind, namespace and name, in order) of the file
        // merged at its place by the last load, which had no duplicates across files, none can be a duplicate
        // now: the cross-file check (hashing every resource's key) waits until a file differs in that.
        List<Batch> before = mergedBefore;
        List<Batch> merged = new ArrayList<>();
        boolean known = before != null;
        for (FileRead read : reads) {
            if (read.problem != null) {
                batch.fileProblem(read.name, 0, read.problem);
                continue;
            }
            files.put(read.name, new ParsedFile(read.length, read.hash, read.json, read.parsed));
            int at = merged.size();
            if (known && (at >= before.size() || !sameKeys(before.get(at), read.parsed))) {
                known = false;
                batch.indexMerged();
            }
            batch.merge(read.parsed, known);
            merged.add(read.parsed);
        }
        parsedFiles = files;
        mergedBefore = batch.segments.stream().allMatch(s -> s.added() == null) ? List.copyOf(merged) : null;
        mergedUnchecked = known;
        LoadedConfig loaded = batch.finishFiles(analyzedBefore);
        resourcesBefore = loaded.resources().size();
        analyzedBefore = batch.analysis;
        return loaded;
    }

    /**
     * One config file of a load, in the load's order: its bytes (by length and checksums) and what they parse to,
     * or the problem that stopped it (a path that names nothing, a file too large, unreadable or not UTF-8).
     */
    private static final class FileRead {
        final String name;
        final boolean json;
        String problem;
        byte[] content; // until parsed
        int length;
        long hash;
        Batch parsed;
        ParsedFile before; // the last load's parse of a changed file, whose unchanged resources the new one keeps

        FileRead(String name, boolean json) {
            this.name = name;
            this.json = json;
        }

        static FileRead problem(String name, String problem) {
            FileRead read = new FileRead(name, false);
            read.problem = problem;
            return read;
        }

        /**
         * Takes the last load's parse when the bytes are the same (so a reload that changed one file of many
         * decodes and reads only that one); false when the file must be parsed.
         */
        boolean takeUnchanged(ParsedFile last) {
            // Checked as bytes, before decoding: an unchanged file is not decoded, and its two checksums are CPU
            // instructions (CRC32C and CRC32 are intrinsics, even before the JIT compiled our code), where a hash
            // computed in Java took up to a third of a one-file reload of 9 MB of config on a busy machine.
            length = content.length;
            hash = checksum(content);
            if (last != null && last.json() == json && last.length() == length && last.hash() == hash) {
                parsed = last.parsed();
                content = null;
                return true;
            }
            before = last;
            return false;
        }
    }

    /**
     * Parses the changed files, sharing the strings and field-location tables they repeat through one interner
     * for this load (a strong map that goes with the load, cheaper than a weak interner kept for the loader's
     * lifetime; the resources that keep the values are what keeps them alive). With more than one file and more
     * than one processor a second thread takes files too: each file is parsed into a batch of its own, which the
     * load merges in order afterwards, so the result does not depend on which thread parsed what.
     */
    private void parseChanged(List<FileRead> changed) {
        if (changed.isEmpty()) {
            return;
        }
        LoadInterner strings = new LoadInterner();
        AtomicInteger next = new AtomicInteger();
        Runnable parseFiles = () -> {
            for (int i = next.getAndIncrement(); i < changed.size(); i = next.getAndIncrement()) {
                parse(changed.get(i), strings);
            }
        };
        if (changed.size() < 2 || Runtime.getRuntime().availableProcessors() < 2) {
            parseFiles.run();
            return;
        }
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread helper = new Thread(() -> {
            try {
                parseFiles.run();
            } catch (Throwable t) {
                failed.set(t);
            }
        }, PARSE_THREAD_NAME);
        helper.setDaemon(true);
        helper.start();
        try {
            parseFiles.run();
        } finally {
            // The helper stops after its current file; the files it parsed are this load's, so wait for them.
            Uninterruptibles.joinUninterruptibly(helper);
        }
        Throwable t = failed.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /** Decodes and parses one changed file, keeping the resources that equal those of its last parse. */
    private void parse(FileRead read, LoadInterner strings) {
        Batch parsed = new Batch();
        try {
            parsed.parse(read.name, decodeUtf8(read.content), read.json, strings);
        } catch (IOException e) {
            read.problem = "cannot read file: " + describe(e);
            return;
        } finally {
            read.content = null;
        }
        if (read.before != null) {
            parsed.keepUnchanged(read.before.parsed());
        }
        parsed.byKey.clear(); // only for duplicates within the file; merge checks across files
        read.parsed = parsed;
    }

    /** True when {@code a} and {@code b} hold resources of the same kinds, namespaces and names in the same order. */
    private static boolean sameKeys(Batch a, Batch b) {
        if (a == b) {
            return true;
        }
        if (a.resources.size() != b.resources.size()) {
            return false;
        }
        for (int i = 0; i < a.resources.size(); i++) {
            Resource<?> x = a.resources.get(i);
            Resource<?> y = b.resources.get(i);
            if (x != y && (x.kind() != y.kind() || !x.namespace().equals(y.namespace()) || !x.name().equals(y.name()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Two independent 32-bit checksums of {@code content} in one long: a changed file of the same length is taken
     * for unchanged only if both collide.
     */
    private static long checksum(byte[] content) {
        CRC32C crc32c = new CRC32C();
        crc32c.update(content);
        CRC32 crc32 = new CRC32();
        crc32.update(content);
        return crc32c.getValue() << 32 | crc32.getValue();
    }

    /** A file's bytes (by length and checksums) and what they parsed to. */
    private record ParsedFile(int length, long hash, boolean json, Batch parsed) {
    }

    /** A file merged into a load, and the resources it added: null for all of them, in order. */
    private record Segment(Batch file, List<Resource<?>> added) {
    }

    /**
     * A file's validation: the problems of its resources in order, those that bound completely and those of them
     * that passed, and each one's problems.
     */
    private record Finished(List<Problem> problems, List<Resource<?>> bound, List<Resource<?>> valid,
                            Map<Resource<?>, List<Problem>> validated) {
    }

    /**
     * Loads and validates one document stream given as text; {@code fileName} is used in messages only.
     * Handy for tests and for config that does not live in a file.
     */
    public LoadedConfig loadString(String fileName, String content) {
        Batch batch = new Batch();
        if (content.length() > MAX_FILE_BYTES) {
            batch.fileProblem(fileName, 0, "too large (" + content.length() + " characters, limit " + MAX_FILE_BYTES
                    + ")");
        } else {
            batch.parse(fileName, content, fileName.toLowerCase(Locale.ROOT).endsWith(".json"), new LoadInterner());
        }
        return batch.finish();
    }

    /** Like {@link #load(List)}, but throws when any error was found. */
    public LoadedConfig loadOrThrow(List<Path> paths) throws ConfigException {
        return load(paths).orThrow();
    }

    /**
     * The config files a path stands for: itself, or every config file below it in name order. Entries whose name
     * starts with {@code ..} are left out: they are the internals of a Kubernetes ConfigMap or Secret volume
     * ({@code ..data} and the timestamped directory it points to), whose files are also visible under their own
     * names, and reading both would load every resource twice.
     */
    public static List<Path> configFiles(Path path) throws IOException {
        return configFileList(path).stream().map(ConfigFile::shown).toList();
    }

    /**
     * A config file as messages name it ({@code shown}) and where its bytes are read from ({@code read}). They differ
     * in a ConfigMap volume, read through one resolution of its {@code ..data} link.
     */
    private record ConfigFile(Path shown, Path read) {
    }

    private static List<ConfigFile> configFileList(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return List.of(new ConfigFile(path, path));
        }
        // kubelet updates a ConfigMap volume by re-pointing ..data at a new directory in one rename. Resolving the
        // link once and reading every file from its target gives one consistent version of all keys even when a
        // swap happens in the middle of the load; following each key's own link could mix two versions.
        Path data = path.resolve(CONFIGMAP_DATA);
        Path snapshot = null;
        if (Files.isSymbolicLink(data)) {
            try {
                snapshot = data.toRealPath();
            } catch (NoSuchFileException e) {
                snapshot = null; // swapped out between the check and the resolution: read each key's own link
            }
        }
        List<ConfigFile> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path file : walk.filter(f -> !isVolumeInternal(path, f)).filter(Files::isRegularFile)
                    .filter(ConfigLoader::isConfigFile).sorted().toList()) {
                Path read = file;
                if (snapshot != null && Files.isSymbolicLink(file)) {
                    Path inSnapshot = snapshot.resolve(path.relativize(file).toString());
                    if (Files.isRegularFile(inSnapshot)) {
                        read = inSnapshot;
                    }
                }
                files.add(new ConfigFile(file, read));
            }
        }
        return files;
    }

    /** An entry below {@code root} (or inside such an entry) whose name starts with {@code ..}. */
    private static boolean isVolumeInternal(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            if (part.toString().startsWith("..")) {
                return true;
            }
        }
        return false;
    }

    /** True for {@code *.yaml}, {@code *.yml} and {@code *.json}. */
    public static boolean isConfigFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }

    /** The config files {@code path} stands for; when it names none, a problem added to {@code reads} instead. */
    private static List<ConfigFile> expand(Path path, List<FileRead> reads) {
        if (!Files.exists(path)) {
            reads.add(FileRead.problem(path.toString(), "no such file or directory"));
            return List.of();
        }
        try {
            return configFileList(path);
        } catch (IOException | RuntimeException e) {
            reads.add(FileRead.problem(path.toString(), "cannot list directory: " + describe(e)));
            return List.of();
        }
    }

    private static byte[] readBytes(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new TooLargeException(size);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // Read into an array of the size just read, not in 8 KiB pieces copied together after (every reload
            // reads every file: 9 MB at 10,000 services). The file may have changed since its size was read: what
            // is left is read on, never more than the limit and one byte.
            bytes = new byte[(int) size];
            int read = in.readNBytes(bytes, 0, bytes.length);
            int next = read < bytes.length ? -1 : in.read();
            if (read < bytes.length) {
                bytes = Arrays.copyOf(bytes, read);
            } else if (next >= 0) {
                byte[] more = in.readNBytes((int) (MAX_FILE_BYTES - read));
                byte[] all = Arrays.copyOf(bytes, read + 1 + more.length);
                all[read] = (byte) next;
                System.arraycopy(more, 0, all, read + 1, more.length);
                bytes = all;
            }
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new TooLargeException(Math.max(Files.size(file), bytes.length));
        }
        return bytes;
    }

    private static String decodeUtf8(byte[] bytes) throws IOException {
        // Config is mostly ASCII, which is UTF-8 as it is: taken as it is without a decoder's intermediate characters.
        if (isAscii(bytes)) {
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not valid UTF-8 text", e);
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** A file over {@link #MAX_FILE_BYTES}; its message is the problem as reported. */
    private static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(long size) {
            super("too large (" + size + " bytes, limit " + MAX_FILE_BYTES + ")");
        }
    }

    private static boolean isJson(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    }

    private static String describe(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** What makes a resource a duplicate of another: kind, namespace and name (no strings built per resource). */
    private record ResourceKey(ResourceKind kind, String namespace, String name) {
    }

    /** One load: all files, all resources, all problems. */
    private final class Batch {
        private final List<Resource<?>> resources = new ArrayList<>();
        private final List<Problem> problems = new ArrayList<>();
        // Identity: a Resource record hashes its whole spec, which is far too slow for thousands of resources.
        private final Map<Resource<?>, Set<String>> unbound;
        private final Map<ResourceKey, Resource<?>> byKey;
        private final List<KubernetesService> services = new ArrayList<>();
        private final List<ServiceEndpoints> endpointLists = new ArrayList<>();
        private final List<Pod> pods = new ArrayList<>();
        private final List<Metadata> namespaces = new ArrayList<>();
        private final List<Metadata> nodes = new ArrayList<>();
        private final List<io.proxyless.mesh.api.kubernetes.Secret> secrets = new ArrayList<>();
        private final List<io.proxyless.mesh.api.kubernetes.KubernetesGateway> gatewayApiGateways = new ArrayList<>();
        // ServiceEntries whose status lists addresses istiod allocated (Istio's analysis takes those as set).
        private final Set<String> allocatedAddresses = new java.util.HashSet<>();
        // What finish() ran the analyses over and found.
        private Analyzers.Analysis analysis;
        // A load's files, in order, with the resources each added to it (all, or those not left out as duplicates).
        private final List<Segment> segments = new ArrayList<>();
        // A file's validation from the load that finished it, when all its resources were in that load: a file read
        // again unchanged is this very batch, and its validation, problems and bound resources are taken as they are.
        private volatile Finished finished;
        // The validation of resources a new parse of a file kept from the parse before (keepUnchanged).
        private final Map<Resource<?>, List<Problem>> carried = new IdentityHashMap<>();
        // While parse() runs: the load's interner.
        private LoadInterner strings;

        Batch() {
            this(0);
        }

        /** A batch for about {@code expected} resources. */
        Batch(int expected) {
            unbound = new IdentityHashMap<>();
            byKey = new HashMap<>(expected * 4 / 3 + 16);
        }

        /**
         * Makes each resource of this file's new parse that equals (lines included) the one of the same kind,
         * namespace and name in {@code before}, the file's parse of the last load, that very object: a change to
         * one resource of a file leaves the others the objects they were, so their validation, the analyses and
         * the compiler find them unchanged by identity instead of comparing them again.
         */
        void keepUnchanged(Batch before) {
            Map<ResourceKey, Resource<?>> earlier = new HashMap<>();
            for (Resource<?> r : before.resources) {
                earlier.putIfAbsent(new ResourceKey(r.kind(), r.namespace(), r.name()), r);
            }
            Finished validatedBefore = before.finished;
            for (int i = 0; i < resources.size(); i++) {
                Resource<?> now = resources.get(i);
                Resource<?> was = earlier.get(new ResourceKey(now.kind(), now.namespace(), now.name()));
                if (was != null && was != now && was.equals(now)
                        && Objects.equals(before.unbound.get(was), unbound.get(now))) {
                    resources.set(i, was);
                    unbound.put(was, unbound.remove(now));
                    List<Problem> found = validatedBefore == null ? null : validatedBefore.validated().get(was);
                    if (found != null) {
                        carried.put(was, found);
                    }
                }
            }
        }

        void fileProblem(String file, int line, String message) {
            problems.add(new Problem(Severity.ERROR, file, line, null, null, null, null, message));
        }

        /**
         * Parses one file's documents into this batch; {@code strings} shares the values they repeat (the load's
         * interner, held only while parsing so that a kept parse does not keep the load's interner alive).
         */
        void parse(String file, String content, boolean json, LoadInterner strings) {
            this.strings = strings;
            try {
                parseDocuments(file, content, json);
            } finally {
                this.strings = null;
            }
        }

        private void parseDocuments(String file, String content, boolean json) {
            if (!json) {
                LongLine longLine = LongLine.find(content, MAX_LINE_CHARS);
                if (longLine != null) {
                    fileProblem(file, longLine.line(), "line longer than " + MAX_LINE_CHARS + " characters ("
                            + longLine.length() + "); split long lists and strings over several lines");
                    return;
                }
            }
            YamlReader.Result result = YamlReader.read(content, json, strings::string);
            for (YamlNode document : result.documents()) {
                document(file, document, "");
            }
            if (result.error() != null) {
                fileProblem(file, result.error().line(), result.error().message());
            }
        }

        private void document(String file, YamlNode node, String listPath) {
            if (!(node instanceof YamlNode.MapNode map)) {
                problems.add(new Problem(Severity.ERROR, file, node.line(), null, null, null,
                        listPath.isEmpty() ? null : listPath,
                        "expected a Kubernetes resource (a map with apiVersion, kind, metadata, spec), got "
                                + node.describe()));
                return;
            }
            String kind = text(map.get("kind"));
            String apiVersion = text(map.get("apiVersion"));
            YamlNode.MapNode metadataNode = map.get("metadata") instanceof YamlNode.MapNode m ? m : null;
            String name = metadataNode == null ? null : text(metadataNode.get("name"));
            String namespace = metadataNode == null ? null : text(metadataNode.get("namespace"));
            Problems here = new Problems(file, kind, namespace == null ? defaultNamespace : namespace, name);

            if (map.get("items") instanceof YamlNode.ListNode items
                    && (kind == null || "List".equals(kind) || kind.endsWith("List"))) {
                for (int i = 0; i < items.items().size(); i++) {
                    document(file, items.items().get(i), prefix(listPath) + "items[" + i + "]");
                }
                return;
            }
            if (kind == null || apiVersion == null) {
                String missing = kind == null ? "kind" : "apiVersion";
                here.add(Severity.ERROR, line(map, missing), prefix(listPath) + missing,
                        "required: every document needs apiVersion and kind (e.g. apiVersion: "
                                + "networking.istio.io/v1, kind: VirtualService)");
                return;
            }
            if (KubernetesReader.reads(apiVersion, kind)) {
                kubernetesObject(file, map, kind, metadataNode, name, namespace == null ? defaultNamespace : namespace,
                        here, listPath);
                return;
            }
            int slash = apiVersion.indexOf('/');
            String group = slash < 0 ? "" : apiVersion.substring(0, slash);
            String version = apiVersion.substring(slash + 1);
            ResourceKind resourceKind = ResourceKind.byGroupAndKind(group, kind).orElse(null);
            if (resourceKind == null) {
                skip(here, map, listPath, group, kind, apiVersion);
                return;
            }
            if (!resourceKind.versions().contains(version)) {
                List<String> others = resourceKind.versions().subList(1, resourceKind.versions().size());
                here.add(Severity.ERROR, line(map, "apiVersion"), prefix(listPath) + "apiVersion",
                        "unsupported version \"" + apiVersion + "\"; use " + resourceKind.apiVersion() + " ("
                                + String.join(" and ", others) + (others.size() == 1 ? " is" : " are")
                                + " accepted too)");
                return;
            }
            resource(file, map, resourceKind, apiVersion, metadataNode, here, listPath);
        }

        private void kubernetesObject(String file, YamlNode.MapNode map, String kind, YamlNode.MapNode metadataNode,
                                      String name, String namespace, Problems here, String listPath) {
            if (kind.equals("Namespace") || kind.equals("Node")) {
                namespace = ""; // cluster-scoped
            }
            if (name == null) {
                here.add(Severity.ERROR, metadataNode == null ? map.line() : metadataNode.line(),
                        prefix(listPath) + "metadata.name", "required");
                return;
            }
            Metadata metadata = new Metadata(name, namespace, KubernetesReader.metadataMap(metadataNode, "labels"),
                    KubernetesReader.metadataMap(metadataNode, "annotations"));
            for (Object object : KubernetesReader.read(file, map, kind, metadata,
                    (line, path, message) -> here.add(Severity.ERROR, line, path, message))) {
                if (object instanceof KubernetesService service) {
                    services.add(service);
                } else if (object instanceof ServiceEndpoints endpoints) {
                    endpointLists.add(endpoints);
                } else if (object instanceof Pod pod) {
                    pods.add(pod);
                } else if (object instanceof Metadata clusterScoped) {
                    (kind.equals("Node") ? nodes : namespaces).add(clusterScoped);
                } else if (object instanceof io.proxyless.mesh.api.kubernetes.Secret secret) {
                    secrets.add(secret);
                }
            }
        }

        private void skip(Problems here, YamlNode.MapNode map, String listPath, String group, String kind,
                          String apiVersion) {
            if (kind.equals("Gateway") && KubernetesReader.GATEWAY_API_VERSIONS.contains(apiVersion)
                    && here.name != null) {
                // Not for the mesh, but VirtualServices may name it: the analyses check them against it.
                YamlNode.MapNode metadataNode = map.get("metadata") instanceof YamlNode.MapNode m ? m : null;
                gatewayApiGateways.add(KubernetesReader.gateway(map, new Metadata(here.name, here.namespace,
                        KubernetesReader.metadataMap(metadataNode, "labels"), Map.of())));
            }
            int line = line(map, "kind");
            String path = prefix(listPath) + "kind";
            if (group.equals(ResourceKind.GROUP)) {
                here.add(Severity.WARNING, line, path, kind + " (" + apiVersion
                        + ") is not implemented by the client-side mesh; skipped");
            } else if (group.endsWith(".istio.io") || group.equals("gateway.networking.k8s.io")) {
                here.add(Severity.WARNING, line, path, kind + " (" + apiVersion
                        + ") is not implemented by the client-side mesh; skipped");
            } else {
                here.add(Severity.INFO, line, path, "not an Istio networking resource (" + apiVersion + " " + kind
                        + "); skipped");
            }
        }

        private void resource(String file, YamlNode.MapNode map, ResourceKind kind, String apiVersion,
                              YamlNode.MapNode metadataNode, Problems here, String listPath) {
            // Field paths stay relative to the resource ("spec.http[0]"), even inside a List, so messages read
            // the same wherever the resource was written.
            RecordBinder binder = new RecordBinder();
            boolean envelopeOk = true;
            for (YamlNode.Entry entry : map.entries()) {
                if (!ENVELOPE_FIELDS.contains(entry.key())) {
                    String hint = Suggestions.closest(entry.key(), ENVELOPE_FIELDS);
                    here.add(Severity.ERROR, entry.keyLine(), entry.key(), "unknown field \"" + entry.key() + "\""
                            + (hint == null ? "" : "; did you mean \"" + hint + "\"?"));
                }
            }
            String name = null;
            String namespace = defaultNamespace;
            Map<String, String> labels = Map.of();
            Map<String, String> annotations = Map.of();
            if (metadataNode == null) {
                here.add(Severity.ERROR, line(map, "metadata"), "metadata.name", "required");
                envelopeOk = false;
            } else {
                name = (String) binder.bind(orNull(metadataNode.get("name"), metadataNode), String.class,
                        "metadata.name");
                String ns = (String) binder.bind(orNull(metadataNode.get("namespace"), metadataNode), String.class,
                        "metadata.namespace");
                if (ns != null) {
                    namespace = ns;
                }
                labels = stringMap(binder, metadataNode.get("labels"), "metadata.labels");
                annotations = stringMap(binder, metadataNode.get("annotations"), "metadata.annotations");
                if (name == null && !binder.unboundPaths().contains("metadata.name")) {
                    here.add(Severity.ERROR, line(map, "metadata"), "metadata.name", "required");
                    envelopeOk = false;
                } else if (name != null && (name.length() > 253 || !DnsNames.isLowerCaseSubdomain(name))) {
                    here.add(Severity.ERROR, line(metadataNode, "name"), "metadata.name", "invalid name \"" + name
                            + "\": use lower case letters, digits, '-' and '.', starting and ending with a letter or "
                            + "digit");
                }
                if (!DnsNames.isLowerCaseLabel(namespace) || namespace.length() > 63) {
                    here.add(Severity.ERROR, line(metadataNode, "namespace"), "metadata.namespace",
                            "invalid namespace \"" + namespace + "\": use a DNS-1123 label (lower case letters, "
                                    + "digits and '-')");
                }
            }
            if (name == null) {
                envelopeOk = false;
            }
            YamlNode specNode = map.get("spec");
            if (specNode == null) {
                specNode = new YamlNode.MapNode(List.of(), map.line());
            }
            Object spec = binder.bind(specNode, kind.specType(), "spec");
            Problems located = new Problems(file, kind.kindName(), namespace, name);
            for (RecordBinder.Finding f : binder.findings()) {
                located.add(f.severity(), f.line(), f.path(), f.message());
            }
            if (spec == null && specNode instanceof YamlNode.MapNode) {
                envelopeOk = false; // the record itself refused to be built; already reported
            }
            if (!envelopeOk || spec == null) {
                return;
            }
            FieldLocations locations = strings.locations(map);
            Resource<?> resource = new Resource<>(kind, apiVersion, new Metadata(name, namespace, labels, annotations),
                    spec, new SourceInfo(file, locations));
            Resource<?> previous = byKey.putIfAbsent(new ResourceKey(kind, namespace, name), resource);
            if (previous != null) {
                problems.add(resource.problem(Severity.ERROR, "metadata.name", "duplicate " + resource.describe()
                        + "; already defined at " + previous.source().describe()));
                return;
            }
            resources.add(resource);
            unbound.put(resource, binder.unboundPaths());
            if (map.get("status") instanceof YamlNode.MapNode status
                    && status.get("addresses") instanceof YamlNode.ListNode addresses && !addresses.items().isEmpty()) {
                allocatedAddresses.add(resource.describe());
            }
        }

        private Map<String, String> stringMap(RecordBinder binder, YamlNode node, String path) {
            if (node == null) {
                return Map.of();
            }
            @SuppressWarnings("unchecked")
            Map<String, String> m = (Map<String, String>) binder.bind(node,
                    new java.lang.reflect.ParameterizedType() {
                        @Override
                        public java.lang.reflect.Type[] getActualTypeArguments() {
                            return new java.lang.reflect.Type[] {String.class, String.class};
                        }

                        @Override
                        public java.lang.reflect.Type getRawType() {
                            return Map.class;
                        }

                        @Override
                        public java.lang.reflect.Type getOwnerType() {
                            return null;
                        }
                    }, path);
            return m == null ? Map.of() : m;
        }

        /**
         * Adds what one file parsed to (in a batch of its own) to this load: its problems, then its resources in
         * order, each checked against the resources of the files before it unless {@code noDuplicates} (none can
         * be a duplicate: {@link #load}).
         */
        void merge(Batch file, boolean noDuplicates) {
            problems.addAll(file.problems);
            if (noDuplicates && file.allocatedAddresses.isEmpty()) {
                resources.addAll(file.resources);
                mergeKubernetes(file);
                segments.add(new Segment(file, null));
                return;
            }
            List<Resource<?>> added = new ArrayList<>(file.resources.size());
            for (Resource<?> resource : file.resources) {
                Resource<?> previous = noDuplicates ? null : byKey.putIfAbsent(new ResourceKey(resource.kind(),
                        resource.namespace(), resource.name()), resource);
                if (previous != null) {
                    problems.add(resource.problem(Severity.ERROR, "metadata.name", "duplicate "
                            + resource.describe() + "; already defined at " + previous.source().describe()));
                    continue;
                }
                resources.add(resource);
                added.add(resource);
                if (!file.allocatedAddresses.isEmpty() && file.allocatedAddresses.contains(resource.describe())) {
                    allocatedAddresses.add(resource.describe());
                }
            }
            mergeKubernetes(file);
            segments.add(new Segment(file, added.size() == file.resources.size() ? null : added));
        }

        private void mergeKubernetes(Batch file) {
            services.addAll(file.services);
            endpointLists.addAll(file.endpointLists);
            pods.addAll(file.pods);
            namespaces.addAll(file.namespaces);
            nodes.addAll(file.nodes);
            secrets.addAll(file.secrets);
            gatewayApiGateways.addAll(file.gatewayApiGateways);
        }

        /** Notes the resources merged without the cross-file check (none of them a duplicate) for the check. */
        void indexMerged() {
            for (Resource<?> resource : resources) {
                byKey.putIfAbsent(new ResourceKey(resource.kind(), resource.namespace(), resource.name()), resource);
            }
        }

        /**
         * Validates the resources of every merged file — taking a file's validation as it is when the file's
         * batch was finished by the load before with all its resources, else each resource's own (kept from the
         * file's parse before when unchanged) or validating it — then runs the analyses (taking the findings of
         * {@code analyzedBefore} where the change cannot alter them) and notes them in {@link #analysis}.
         */
        LoadedConfig finishFiles(Analyzers.Analysis analyzedBefore) {
            List<Resource<?>> bound = new ArrayList<>(resources.size());
            List<Resource<?>> valid = new ArrayList<>(resources.size());
            for (Segment segment : segments) {
                Batch file = segment.file();
                Finished done = segment.added() == null ? file.finished : null;
                if (done == null) {
                    done = validate(file, segment.added() == null ? file.resources : segment.added());
                    if (segment.added() == null) {
                        file.finished = done;
                    }
                }
                problems.addAll(done.problems());
                bound.addAll(done.bound());
                valid.addAll(done.valid());
            }
            return analyzed(bound, valid, analyzedBefore);
        }

        /**
         * The validation of {@code merged}, resources of {@code file}. The analyses see every resource that bound
         * completely, as istioctl analyze sees what it reads; those that also passed validation are a fallback set
         * should an analysis trip over one of the others.
         */
        private Finished validate(Batch file, List<Resource<?>> merged) {
            List<Problem> found = new ArrayList<>();
            List<Resource<?>> bound = new ArrayList<>(merged.size());
            List<Resource<?>> valid = new ArrayList<>(merged.size());
            Map<Resource<?>, List<Problem>> validated = new IdentityHashMap<>(merged.size());
            for (Resource<?> resource : merged) {
                Set<String> unboundPaths = file.unbound.getOrDefault(resource, Set.of());
                List<Problem> own = file.carried.get(resource);
                if (own == null) {
                    own = Validator.validate(resource, unboundPaths);
                }
                validated.put(resource, own);
                found.addAll(own);
                if (unboundPaths.isEmpty()) {
                    bound.add(resource);
                    if (!blocks(own)) {
                        valid.add(resource);
                    }
                }
            }
            return new Finished(List.copyOf(found), List.copyOf(bound), List.copyOf(valid), validated);
        }

        private static boolean blocks(List<Problem> problems) {
            for (Problem p : problems) {
                if (p.blocksConfig()) {
                    return true;
                }
            }
            return false;
        }

        /** Validates every resource of this batch and runs the analyses over them: a load of one document stream. */
        LoadedConfig finish() {
            Finished done = validate(this, resources);
            problems.addAll(done.problems());
            return analyzed(done.bound(), done.valid(), null);
        }

        /** Runs the analyses over {@code bound} (and {@code valid}) and adds their findings: the loaded config. */
        private LoadedConfig analyzed(List<Resource<?>> bound, List<Resource<?>> valid,
                                      Analyzers.Analysis analyzedBefore) {
            KubernetesObjects kubernetes = new KubernetesObjects(services, endpointLists, pods, namespaces, nodes,
                    secrets, gatewayApiGateways);
            analysis = Analyzers.analyze(bound, valid, kubernetes, allocatedAddresses, analyzedBefore);
            problems.addAll(analysis.findings());
            return new LoadedConfig(resources, problems, kubernetes);
        }

        /** Problems for one document whose resource identity may be partly unknown. */
        private final class Problems {
            final String file;
            final String kind;
            final String namespace;
            final String name;

            Problems(String file, String kind, String namespace, String name) {
                this.file = file;
                this.kind = kind;
                this.namespace = namespace;
                this.name = name;
            }

            void add(Severity severity, int line, String path, String message) {
                problems.add(new Problem(severity, file, line, kind, name == null ? null : namespace, name, path,
                        message));
            }
        }
    }

    private static YamlNode orNull(YamlNode node, YamlNode parent) {
        return node == null ? new YamlNode.ScalarNode(YamlNode.ScalarType.NULL, null, parent.line()) : node;
    }

    private static String prefix(String listPath) {
        return listPath.isEmpty() ? "" : listPath + ".";
    }

    private static int line(YamlNode.MapNode map, String key) {
        YamlNode.Entry e = map.entry(key);
        return e == null ? map.line() : e.keyLine();
    }

    private static String text(YamlNode node) {
        return node instanceof YamlNode.ScalarNode s && s.type() == YamlNode.ScalarType.STRING ? s.text() : null;
    }
}
