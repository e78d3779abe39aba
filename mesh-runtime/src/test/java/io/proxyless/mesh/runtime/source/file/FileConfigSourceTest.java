package io.proxyless.mesh.runtime.source.file;

import static io.proxyless.mesh.api.ResourceKind.DESTINATION_RULE;
import static io.proxyless.mesh.api.ResourceKind.VIRTUAL_SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file source against real files. The debounce runs on the system clock here, and every wait is for a
 * condition (with a generous timeout), never a window; its timing is {@link DebouncerTest}'s, on a fake clock.
 */
class FileConfigSourceTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private FileConfigSource source;

    @AfterEach
    void closeSource() {
        if (source != null) {
            source.close();
        }
    }

    /** A VirtualService whose {@code rev} label tells the test which version of the file was loaded. */
    static String virtualService(String name, String rev) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: default, labels: {rev: "%s"}}
                spec:
                  hosts: [%s]
                  http:
                  - route:
                    - destination: {host: %s, subset: v1}
                """.formatted(name, rev, name, name);
    }

    /** Valid YAML with an unknown field ({@code subst}), which is an error. */
    static String invalidVirtualService(String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: [%s]
                  http:
                  - route:
                    - destination: {host: %s, subst: v1}
                """.formatted(name, name, name);
    }

    static String destinationRule(String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s, namespace: default}
                spec:
                  host: %s
                  subsets:
                  - name: v1
                    labels: {version: v1}
                """.formatted(name, name);
    }

    /** Records what a source tells its listeners; waits for the next delivery. */
    static final class Recorder implements ConfigListener {
        final BlockingQueue<MeshConfig> configs = new LinkedBlockingQueue<>();
        final BlockingQueue<List<Problem>> rejections = new LinkedBlockingQueue<>();

        @Override
        public void onConfig(MeshConfig config) {
            configs.add(config);
        }

        @Override
        public void onRejected(List<Problem> problems) {
            rejections.add(problems);
        }

        MeshConfig nextConfig() throws InterruptedException {
            MeshConfig config = configs.poll(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            if (config == null) {
                fail("no new config within " + WITHIN);
            }
            return config;
        }

        List<Problem> nextRejection() throws InterruptedException {
            List<Problem> problems = rejections.poll(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            if (problems == null) {
                fail("no rejected change within " + WITHIN);
            }
            return problems;
        }
    }

    private Recorder subscribe() throws InterruptedException {
        Recorder recorder = new Recorder();
        source.addListener(recorder);
        assertThat(recorder.nextConfig()).as("the config in force, on subscription").isSameAs(source.current());
        return recorder;
    }

    private static String rev(MeshConfig config, String name) {
        Resource<?> vs = config.find(VIRTUAL_SERVICE, "default", name).orElseThrow(
                () -> new AssertionError("no VirtualService default/" + name + " in " + config));
        return vs.metadata().labels().get("rev");
    }

    @Test
    void validRewriteOfAWatchedFilePublishesANewSnapshot() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(file), "default");
        MeshConfig initial = source.current();
        assertThat(rev(initial, "reviews")).isEqualTo("1");
        Recorder recorder = subscribe();

        Files.writeString(file, virtualService("reviews", "2"));

        MeshConfig next = recorder.nextConfig();
        assertThat(rev(next, "reviews")).isEqualTo("2");
        assertThat(source.current()).isSameAs(next);
        assertThat(next.version()).isGreaterThan(initial.version());
        assertThat(source.lastProblems()).noneMatch(Problem::blocksConfig);
    }

    @Test
    void invalidChangeKeepsTheLastGoodSnapshotAndExposesItsProblems() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        MeshConfig good = source.current();
        Recorder recorder = subscribe();

        Files.writeString(file, invalidVirtualService("reviews"));

        List<Problem> rejected = recorder.nextRejection();
        assertThat(rejected).anySatisfy(p -> {
            assertThat(p.isError()).isTrue();
            assertThat(p.format()).contains("reviews.yaml").contains("subst");
        });
        assertThat(source.current()).isSameAs(good);
        assertThat(source.lastProblems()).isEqualTo(rejected);
        assertThat(recorder.configs).as("no config published for a rejected change").isEmpty();
    }

    @Test
    void fixingAnInvalidFileRecovers() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        Recorder recorder = subscribe();
        Files.writeString(file, invalidVirtualService("reviews"));
        recorder.nextRejection();
        assertThat(source.lastProblems()).anyMatch(Problem::isError);

        Files.writeString(file, virtualService("reviews", "3"));

        MeshConfig recovered = recorder.nextConfig();
        assertThat(rev(recovered, "reviews")).isEqualTo("3");
        assertThat(source.current()).isSameAs(recovered);
        assertThat(source.lastProblems()).noneMatch(Problem::blocksConfig);
    }

    @Test
    void newFileInAWatchedDirectoryIsPickedUp() throws Exception {
        Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        Recorder recorder = subscribe();

        Files.writeString(dir.resolve("ratings.yaml"), virtualService("ratings", "1"));

        MeshConfig next = recorder.nextConfig();
        assertThat(next.resources(VIRTUAL_SERVICE)).extracting(Resource::name)
                .containsExactlyInAnyOrder("reviews", "ratings");
    }

    @Test
    void newSubdirectoryIsWatchedToo() throws Exception {
        Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        Recorder recorder = subscribe();

        Path sub = Files.createDirectories(dir.resolve("team/ratings"));
        Path file = Files.writeString(sub.resolve("ratings.yaml"), virtualService("ratings", "1"));
        assertThat(rev(recorder.nextConfig(), "ratings")).isEqualTo("1");

        // Only a watch on the new directory itself can see this change.
        Files.writeString(file, virtualService("ratings", "2"));
        assertThat(rev(recorder.nextConfig(), "ratings")).isEqualTo("2");
    }

    @Test
    void deletingAFileRemovesItsResources() throws Exception {
        Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        Path rules = Files.writeString(dir.resolve("rules.yaml"), destinationRule("reviews"));
        source = FileConfigSource.start(List.of(dir), "default");
        assertThat(source.current().resources(DESTINATION_RULE)).hasSize(1);
        Recorder recorder = subscribe();

        Files.delete(rules);

        MeshConfig next = recorder.nextConfig();
        assertThat(next.resources(DESTINATION_RULE)).isEmpty();
        assertThat(next.find(VIRTUAL_SERVICE, "default", "reviews")).isPresent();
    }

    @Test
    void invalidInitialConfigThrowsConfigException() throws Exception {
        Files.writeString(dir.resolve("reviews.yaml"), invalidVirtualService("reviews"));

        assertThatThrownBy(() -> FileConfigSource.start(List.of(dir), "default"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors())
                        .anySatisfy(p -> assertThat(p.format()).contains("subst")));
    }

    @Test
    void burstOfWritesEndsWithTheFinalContentInForce() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "0"));
        source = FileConfigSource.start(List.of(dir), "default");
        Recorder recorder = subscribe();

        for (int i = 1; i <= 20; i++) {
            Files.writeString(file, virtualService("reviews", Integer.toString(i)));
        }

        // A pause between two writes (a loaded machine) may let a reload see a file mid-write; the last one wins.
        MeshConfig last = recorder.nextConfig();
        while (last.find(VIRTUAL_SERVICE, "default", "reviews").isEmpty() || !"20".equals(rev(last, "reviews"))) {
            last = recorder.nextConfig();
        }
        // Deliveries are serialised and in version order, and every later reload reads "20" (unchanged, so not
        // published): nothing older can follow.
        assertThat(source.current()).isSameAs(last);
    }

    @Test
    void noReloadBeforeTheFilesHaveBeenQuietForTheQuietPeriod() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path file = Files.writeString(config.resolve("reviews.yaml"), virtualService("reviews", "1"));
        FakeClock clock = new FakeClock();
        source = FileConfigSource.start(List.of(config), "default", clock);
        Recorder recorder = subscribe();

        replaceAtomically(file, virtualService("reviews", "2"));
        awaitTrue(source::reloadPending);
        clock.advance(Duration.ofMillis(149));
        // The only way to a reload is the debounce timer, which is not due yet.
        assertThat(source.reloadCount()).isZero();
        assertThat(recorder.configs).isEmpty();

        clock.advance(Duration.ofMillis(1));
        assertThat(rev(recorder.nextConfig(), "reviews")).isEqualTo("2");
        assertThat(source.reloadCount()).isEqualTo(1);
    }

    @Test
    void givenFileIsWatchedThroughItsParentAndUnrelatedSiblingsAreIgnored() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        Files.writeString(dir.resolve("other.yaml"), virtualService("other", "1"));
        source = FileConfigSource.start(List.of(file), "default");
        assertThat(source.current().resources()).extracting(Resource::name).containsExactly("reviews");
        Recorder recorder = subscribe();

        assertThat(source.isRelevant(dir.resolve("other.yaml"))).isFalse();
        assertThat(source.isRelevant(dir.resolve("notes.txt"))).isFalse();
        assertThat(source.isRelevant(file.toAbsolutePath().normalize())).isTrue();

        Files.writeString(file, virtualService("reviews", "2"));
        assertThat(rev(recorder.nextConfig(), "reviews")).isEqualTo("2");
    }

    @Test
    void unchangedContentIsNotPublishedAgain() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        MeshConfig initial = source.current();
        Recorder recorder = subscribe();

        Files.writeString(file, virtualService("reviews", "1"));

        awaitTrue(() -> source.reloadsDone() > 0);
        // A reload delivers before it counts as done.
        assertThat(recorder.configs).isEmpty();
        assertThat(source.current()).isSameAs(initial);
    }

    @Test
    void configMapStyleSymlinkSwapIsPickedUp() throws Exception {
        // The layout kubelet gives a ConfigMap volume: key -> ..data/key, ..data -> ..<timestamp>
        Path first = Files.createDirectories(dir.resolve("..2024_01"));
        Files.writeString(first.resolve("reviews.yaml"), virtualService("reviews", "1"));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path key = Files.createSymbolicLink(dir.resolve("reviews.yaml"), Path.of("..data/reviews.yaml"));
        source = FileConfigSource.start(List.of(key), "default");
        assertThat(rev(source.current(), "reviews")).isEqualTo("1");
        Recorder recorder = subscribe();

        Path second = Files.createDirectories(dir.resolve("..2024_02"));
        Files.writeString(second.resolve("reviews.yaml"), virtualService("reviews", "2"));
        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        deleteTree(first);

        assertThat(rev(recorder.nextConfig(), "reviews")).isEqualTo("2");
    }

    @Test
    void aFileThatTurnedEmptyKeepsItsResourcesUntilItHasStayedEmpty() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("reviews.yaml"), virtualService("reviews", "1"));
        Path rules = Files.writeString(config.resolve("rules.yaml"), destinationRule("reviews"));
        FakeClock clock = new FakeClock();
        source = FileConfigSource.start(List.of(config), "default", clock);
        MeshConfig initial = source.current();
        Recorder recorder = subscribe();

        // What a writer that truncates first leaves for a moment, or an editor that saved nothing.
        replaceAtomically(rules, "");
        awaitTrue(source::reloadPending);
        clock.advance(FileConfigSource.DEFAULT_QUIET_PERIOD);
        awaitTrue(() -> source.reloadsDone() == 1);
        assertThat(recorder.configs).as("an emptied file is not believed at once").isEmpty();
        assertThat(source.current()).isSameAs(initial);

        clock.advance(FileConfigSource.EMPTY_FILE_CONFIRMATION);
        MeshConfig confirmed = recorder.nextConfig();
        assertThat(confirmed.resources(DESTINATION_RULE)).isEmpty();
        assertThat(confirmed.find(VIRTUAL_SERVICE, "default", "reviews")).isPresent();
    }

    @Test
    void aFileFilledAgainBeforeConfirmationNeverLosesItsResources() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path file = Files.writeString(config.resolve("reviews.yaml"), virtualService("reviews", "1"));
        FakeClock clock = new FakeClock();
        source = FileConfigSource.start(List.of(config), "default", clock);
        Recorder recorder = subscribe();

        replaceAtomically(file, "");
        awaitTrue(source::reloadPending);
        clock.advance(FileConfigSource.DEFAULT_QUIET_PERIOD);
        awaitTrue(() -> source.reloadsDone() == 1);
        replaceAtomically(file, virtualService("reviews", "2"));
        awaitTrue(source::reloadPending);
        clock.advance(FileConfigSource.DEFAULT_QUIET_PERIOD);
        assertThat(rev(recorder.nextConfig(), "reviews")).isEqualTo("2");

        clock.advance(FileConfigSource.EMPTY_FILE_CONFIRMATION);
        awaitTrue(() -> source.reloadsDone() == 3);
        assertThat(recorder.configs).as("the confirming reload finds the file full again").isEmpty();
        assertThat(rev(source.current(), "reviews")).isEqualTo("2");
    }

    @Test
    void deletingEveryFileEmptiesTheMesh() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path file = Files.writeString(config.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(config), "default");
        Recorder recorder = subscribe();

        Files.delete(file);

        // Deleting is deliberate (unlike a file caught empty), so it applies at once, with a loud warning.
        assertThat(recorder.nextConfig().resources()).isEmpty();
    }

    @Test
    void configMapVolumeSwappedOverAndOverOnlyEverDeliversWholeVersions() throws Exception {
        // kubelet's layout for a ConfigMap with two keys, mounted as a directory and given as one.
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path first = writeVersion(volume, 0);
        Files.createSymbolicLink(volume.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(volume.resolve("reviews.yaml"), Path.of("..data/reviews.yaml"));
        Files.createSymbolicLink(volume.resolve("ratings.yaml"), Path.of("..data/ratings.yaml"));
        source = FileConfigSource.start(List.of(volume), "default");
        assertThat(source.current().resources()).hasSize(2);
        Recorder recorder = subscribe();

        int versions = 30;
        Path previous = first;
        for (int v = 1; v <= versions; v++) {
            Path next = writeVersion(volume, v);
            Path tmp = Files.createSymbolicLink(volume.resolve("..data_tmp"), next.getFileName());
            Files.move(tmp, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            deleteTree(previous);
            previous = next;
        }

        String last = Integer.toString(versions);
        MeshConfig seen;
        do {
            seen = recorder.nextConfig();
            // Both keys always come from one version of the volume: never a mix, never one missing.
            assertThat(seen.resources()).hasSize(2);
            assertThat(rev(seen, "ratings")).isEqualTo(rev(seen, "reviews"));
        } while (!last.equals(rev(seen, "reviews")));
    }

    /** One version of a two-key ConfigMap volume, in its timestamped directory. */
    private static Path writeVersion(Path volume, int version) throws IOException {
        Path data = Files.createDirectories(volume.resolve("..2026_12_07_00_00_00." + version));
        Files.writeString(data.resolve("reviews.yaml"), virtualService("reviews", Integer.toString(version)));
        Files.writeString(data.resolve("ratings.yaml"), virtualService("ratings", Integer.toString(version)));
        return data;
    }

    @Test
    void listenerAddedLaterGetsTheCurrentSnapshotFirst() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        Recorder early = subscribe();
        Files.writeString(file, virtualService("reviews", "2"));
        MeshConfig changed = early.nextConfig();

        Recorder late = new Recorder();
        source.addListener(late);

        assertThat(late.nextConfig()).isSameAs(changed);
    }

    @Test
    void removedListenerIsNoLongerCalled() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        Recorder kept = subscribe();
        Recorder removed = subscribe();
        source.removeListener(removed);

        Files.writeString(file, virtualService("reviews", "2"));

        kept.nextConfig();
        assertThat(removed.configs).isEmpty();
    }

    @Test
    void failingListenerDoesNotStopDeliveryToOthers() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), virtualService("reviews", "1"));
        source = FileConfigSource.start(List.of(dir), "default");
        source.addListener(config -> {
            throw new IllegalStateException("listener bug");
        });
        Recorder recorder = subscribe();

        Files.writeString(file, virtualService("reviews", "2"));

        assertThat(rev(recorder.nextConfig(), "reviews")).isEqualTo("2");
    }

    @Test
    void watcherAndReloaderRunOnNamedDaemonThreadsThatCloseStops() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path file = Files.writeString(config.resolve("reviews.yaml"), virtualService("reviews", "1"));
        FakeClock clock = new FakeClock();
        source = FileConfigSource.start(List.of(config), "default", clock);
        Thread thread = source.watchThread();
        assertThat(thread.getName()).isEqualTo("mesh-file-watch");
        assertThat(thread.isDaemon()).isTrue();
        assertThat(thread.isAlive()).isTrue();
        Recorder recorder = subscribe();
        replaceAtomically(file, virtualService("reviews", "2"));
        awaitTrue(source::reloadPending);
        clock.advance(Duration.ofMillis(150));
        recorder.nextConfig();
        Thread reloader = source.reloadThread();
        assertThat(reloader.getName()).isEqualTo("mesh-file-reload");
        assertThat(reloader.isDaemon()).isTrue();

        source.close();

        assertThat(thread.isAlive()).isFalse();
        assertThat(reloader.isAlive()).isFalse();
        Files.writeString(file, virtualService("reviews", "3"));
        assertThat(clock.pendingTimers()).as("nothing left to fire a reload").isZero();
        clock.advance(Duration.ofSeconds(5));
        assertThat(recorder.configs).isEmpty();
        assertThat(rev(source.current(), "reviews")).isEqualTo("2");
        source.close(); // idempotent
    }

    @Test
    void resourcesWithoutNamespaceGetTheConfiguredOne() throws Exception {
        Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                """);

        source = FileConfigSource.start(List.of(dir), "shop");

        assertThat(source.current().find(VIRTUAL_SERVICE, "shop", "reviews")).isPresent();
    }

    /**
     * Writes {@code content} elsewhere and renames it over {@code target}: one file event, so that a test on a
     * fake clock knows the change is complete once the source has seen it (a plain write truncates first).
     */
    private void replaceAtomically(Path target, String content) throws IOException {
        Path staged = Files.writeString(Files.createDirectories(dir.resolve("staging")).resolve("next.yaml"), content);
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("condition not met within " + WITHIN);
            }
            Thread.sleep(5);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
