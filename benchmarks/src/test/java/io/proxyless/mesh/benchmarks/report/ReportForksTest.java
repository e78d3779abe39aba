package io.proxyless.mesh.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's side-by-side figures when a scenario ran in several JVMs (forks): rounds paired within their fork,
 * pooled over the forks for the median and quartiles, each fork's median beside them, the noisy-round rule applied per
 * fork, and a fork that left no rounds said on the page.
 */
class ReportForksTest {
    private static final double[] QUIET_CPU = {1e9, 4e8, 1e8, 3e8, 0, 8e8, 2e9};

    @TempDir
    Path dir;

    @Test
    void roundsArePairedWithinTheirForkAndPooledOverTheForks() {
        // fork 2 ran at twice the speed of fork 1: pairing round 1 of one fork with round 1 of the other would show it
        Report.Run base = run(Map.of("1.1", 100.0, "1.2", 100.0, "1.3", 100.0, "1.4", 100.0,
                "2.1", 200.0, "2.2", 200.0, "2.3", 200.0, "2.4", 200.0));
        Report.Run x = run(Map.of("1.1", 90.0, "1.2", 92.0, "1.3", 94.0, "1.4", 96.0,
                "2.1", 200.0, "2.2", 204.0, "2.3", 208.0, "2.4", 212.0));

        Report.Ratio r = Report.Ratio.of(x, base, Report.Iter::score, 2);

        // pooled ratios 0.90 0.92 0.94 0.96 1.00 1.02 1.04 1.06
        assertThat(r.n()).isEqualTo(8);
        assertThat(r.median()).isCloseTo(0.98, within(1e-9));
        assertThat(r.q1()).isCloseTo(0.935, within(1e-9));
        assertThat(r.q3()).isCloseTo(1.025, within(1e-9));
        assertThat(r.forks()).hasSize(2);
        assertThat(r.forks().get(0)).isCloseTo(0.93, within(1e-9));
        assertThat(r.forks().get(1)).isCloseTo(1.03, within(1e-9));
        assertThat(r.spreadPercent()).isCloseTo(0.045 / 0.98 * 100, within(1e-9));
        assertThat(r).hasToString("0.98× (±5%; forks: 0.93× / 1.03×)");
        assertThat(r.change()).isEqualTo("-2.0% (±5%; forks: -7.0% / +3.0%)");
    }

    @Test
    void aForkWithoutRoundsShowsAsADash() {
        Report.Run base = run(Map.of("1.1", 100.0, "1.2", 100.0, "1.3", 100.0));
        Report.Run x = run(Map.of("1.1", 90.0, "1.2", 95.0, "1.3", 100.0));

        Report.Ratio r = Report.Ratio.of(x, base, Report.Iter::score, 2);

        assertThat(r.n()).isEqualTo(3);
        assertThat(r.forks().get(0)).isCloseTo(0.95, within(1e-9));
        assertThat(r.forks().get(1)).isNaN();
        assertThat(r).hasToString("0.95× (±3%; forks: 0.95× / —)");
    }

    @Test
    void aRunOfOneJvmShowsNoForks() {
        Report.Run base = run(Map.of("1", 100.0, "2", 100.0, "3", 100.0));
        Report.Run x = run(Map.of("1", 90.0, "2", 95.0, "3", 100.0));

        Report.Ratio r = Report.Ratio.of(x, base, Report.Iter::score, 1);

        assertThat(r.forks()).hasSize(1);
        assertThat(r).hasToString("0.95× (±3%)");
    }

    @Test
    void aPairedDifferenceIsPooledLikeARatio() {
        Report.Run base = run(Map.of("1.1", 10.0, "1.2", 10.0, "2.1", 20.0, "2.2", 20.0));
        Report.Run x = run(Map.of("1.1", 12.0, "1.2", 14.0, "2.1", 26.0, "2.2", 28.0));

        Report.Ratio d = Report.Ratio.paired(x, base, (i, b) -> i.score() - b.score(), 2);

        assertThat(d.median()).isCloseTo(5.0, within(1e-9));
        assertThat(d.forks()).containsExactly(3.0, 7.0);
    }

    @Test
    void theForkOfARoundIsTheFirstPartOfItsLabel() {
        assertThat(iter("2.13", 1).fork()).isEqualTo("2");
        assertThat(iter("13", 1).fork()).isEqualTo("1");
    }

    @Test
    void theForksCountersAreSummed() {
        assertThat(Report.sumCounts("3/5/0/0", "1/1/2/4")).isEqualTo("4/6/2/4");
        assertThat(Report.sumCounters("queued=3, dropped=1", "queued=2, dropped=0")).isEqualTo("queued=5, dropped=1");
        assertThat(Report.sumCounters("queued=3", "sent=2")).isEqualTo("queued=3; sent=2");
    }

    @Test
    void thePageSaysWhatEachForkLeftAndDropsNoisyRoundsPerFork() throws IOException {
        Path results = dir.resolve("results");
        Files.writeString(Files.createDirectories(results).resolve("meta.properties"),
                "forks=2\nrounds=4\nparts=4\ntiming=test\n");
        for (int fork = 1; fork <= 2; fork++) {
            for (int round = 1; round <= 4; round++) {
                String label = fork + "." + round;
                // fork 1: one noisy round of four, left out; fork 2: two of four, kept, as only two would remain
                boolean noisy = label.equals("1.2") || label.equals("2.1") || label.equals("2.2");
                slice(results, "side-http__variant=plain__t8", label, 1000, noisy);
                slice(results, "side-http__variant=mesh__t8", label, fork == 1 ? 900 : 1000, noisy);
            }
        }
        for (int round = 1; round <= 4; round++) {
            // the mirror scenario's second fork failed before its first round
            for (String v : List.of("mirror-none", "mirror-healthy", "mirror-dead")) {
                slice(results, "side-mirror__variant=" + v + "__t1", "1." + round, 500, false);
            }
            // the gRPC streaming scenario's second fork timed out after two rounds
            if (round <= 2) {
                for (int fork = 1; fork <= 2; fork++) {
                    slice(results, "side-grpc-streaming__variant=plain__t8", fork + "." + round, 2000, false);
                    slice(results, "side-grpc-streaming__variant=mesh__t8", fork + "." + round, 1900, false);
                }
            } else {
                slice(results, "side-grpc-streaming__variant=plain__t8", "1." + round, 2000, false);
                slice(results, "side-grpc-streaming__variant=mesh__t8", "1." + round, 1900, false);
            }
        }
        Path doc = dir.resolve("benchmarks.md");

        Report.main(new String[] {results.toString(), doc.toString(), dir.resolve("svg").toString()});

        String page = Files.readString(doc);
        assertThat(page).contains("1 of 8 rounds left out (fork 1: 1 of 4, fork 2: 0 of 4): in them other processes "
                + "took more than 15% of the CPU during a slice.");
        // fork 1: 0.90 in its 3 quiet rounds, fork 2: 1.00 in all 4
        assertThat(page).contains("| HTTP mesh vs plain, c=8 | ≥ 0.95× | 1.00× (±5%; forks: 0.90× / 1.00×) |");
        assertThat(page).contains("**Fork 2 of 2 left no rounds at this concurrency** (its JVM failed or timed out: "
                + "see `logs/side-mirror.f2.log`); the figures are those of the other fork alone.");
        assertThat(page).contains("fork 2 measured 2 of 4 rounds (its JVM failed or timed out: see "
                + "`logs/side-grpc-streaming.f2.log`).");
        assertThat(page).contains("so the ± covers rounds from 2 JVMs");
    }

    private static Report.Run run(Map<String, Double> scores) {
        Report.Run r = new Report.Run("k", "side-test", Map.of(), 8, "ops/s");
        new java.util.TreeMap<>(scores).forEach((round, score) -> r.iters.add(iter(round, score)));
        return r;
    }

    private static Report.Iter iter(String round, double score) {
        return new Report.Iter(round, 1, score, 0, new long[0], QUIET_CPU, 0, List.of(new long[] {0, 1}));
    }

    /** One round of one variant as the driver writes it: its side line, its CPU line and its latencies. */
    private static void slice(Path results, String key, String round, long ops, boolean noisy) throws IOException {
        append(results.resolve("side").resolve(key + ".tsv"), String.format(Locale.ROOT, "%s\t%d\t0\t%d\t0\t1\t0-1",
                round, ops, ops * 1000));
        double busy = noisy ? 1.8e9 : 8e8;
        append(results.resolve("cpu").resolve(key + ".tsv"), String.format(Locale.ROOT,
                "%s\t1\t1000000000\t400000000\t100000000\t300000000\t0\t%.0f\t2000000000\t1.0", round, busy));
        Path lat = Files.createDirectories(results.resolve("lat").resolve(key));
        try (OutputStream os = Files.newOutputStream(lat.resolve("r" + round + "-m1-t0.bin"));
             DataOutputStream o = new DataOutputStream(os)) {
            for (long v = 1; v <= 100; v++) {
                o.writeLong(v * 1000);
            }
        }
    }

    private static void append(Path file, String line) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
