package io.proxyless.mesh.examples;

import io.proxyless.mesh.examples.Bookinfo.Page;
import io.proxyless.mesh.okhttp.MirrorStats;
import io.proxyless.mesh.runtime.call.MeshOverflowException;
import io.proxyless.mesh.runtime.call.MeshRejectedException;
import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The scenarios, in the order of Istio's traffic-management tasks. Each applies example config (hot reload),
 * sends real requests through the workloads, prints what it measured and checks it against what Istio's sidecar
 * would have done. Request counts are small and tolerances wide (four standard deviations for random splits), so
 * a correct mesh passes every time and a wrong one fails.
 */
final class Walkthrough {
    static final String BASE = "config/base";
    static final String ALL_V1 = "config/routing/bookinfo-all-v1.yaml";
    static final String JASON_V2 = "config/routing/reviews-jason-v2.yaml";
    static final String DEFAULT_MESH = "config";
    static final String STRICT = "scenarios/mutual-tls-strict";
    static final String AUTHZ = "scenarios/authorization";
    /** Bookinfo with ISTIO_MUTUAL to every service: the callers present their identities. */
    private static final List<String> MUTUAL_TLS = List.of("config/base/bookinfo-services.yaml",
            "config/base/httpbin-service.yaml", "config/routing", "scenarios/mutual-tls");
    /** How many scenarios {@link #run} knows. */
    static final int SCENARIOS = 14;

    private final Bookinfo app;
    private final ConfigDriver config;
    private final PrintStream out;
    private final DemoMetrics metrics;

    Walkthrough(Bookinfo app, ConfigDriver config, PrintStream out, DemoMetrics metrics) {
        this.app = app;
        this.config = config;
        this.out = out;
        this.metrics = metrics;
    }

    /** The first config in force, before the meshes are built. */
    static List<String> initialConfig() {
        return List.of(BASE);
    }

    /** One step of the walk-through. */
    private record Step(String title, String task, Consumer<ScenarioRun> body) {
    }

    private List<Step> steps() {
        return List.of(
                new Step("No routing rules: reviews v1, v2 and v3 share the traffic", "Request Routing",
                        this::noRules),
                new Step("Route all traffic to v1", "Request Routing", this::allToV1),
                new Step("Route user jason to reviews v2", "Request Routing", this::jasonToV2),
                new Step("Shift reviews traffic: 50% to v3, then 100%", "Traffic Shifting", this::shifting),
                new Step("Inject a delay into ratings for jason", "Fault Injection", this::faultDelay),
                new Step("Inject an HTTP 500 abort into ratings for jason", "Fault Injection", this::faultAbort),
                new Step("Time out reviews after 0.5 s", "Request Timeouts", this::timeouts),
                new Step("Retries hide a failing ratings pod", null, this::retries),
                new Step("Circuit breaking on httpbin", "Circuit Breaking", this::circuitBreaking),
                new Step("Mirror httpbin v1 traffic to v2", "Mirroring", this::mirroring),
                new Step("Mutual TLS between the Bookinfo services", "Mutual TLS Migration", this::mutualTls),
                new Step("Egress to an external service under REGISTRY_ONLY", "Accessing External Services",
                        this::egress),
                new Step("Egress through an egress gateway", "Egress Gateways", this::egressGateway),
                new Step("Authorization: productpage may call reviews, sleep may not", "Authorization for HTTP traffic",
                        this::authorization));
    }

    /** Runs the scenarios numbered in {@code only} (from 1), or all of them when it is empty. */
    List<DemoReport.Scenario> run(Set<Integer> only) {
        List<DemoReport.Scenario> results = new ArrayList<>();
        List<Step> steps = steps();
        if (steps.size() != SCENARIOS) {
            throw new IllegalStateException("SCENARIOS is " + SCENARIOS + " but there are " + steps.size());
        }
        for (int i = 0; i < steps.size(); i++) {
            if (only.isEmpty() || only.contains(i + 1)) {
                results.add(scenario(i + 1, steps.get(i)));
            }
        }
        return results;
    }

    private DemoReport.Scenario scenario(int number, Step step) {
        ScenarioRun run = new ScenarioRun(out, number, step.title(), step.task());
        DemoMetrics.Counts before = metrics.counts();
        try {
            step.body().accept(run);
            run.metrics(metrics.summary(before));
        } catch (RuntimeException e) {
            run.failed(e);
        } finally {
            app.ratings.failEveryOther(false);
        }
        return run.finish();
    }

    private void apply(ScenarioRun run, String... pieces) {
        List<String> list = List.of(pieces);
        run.applied(list, config.apply(list));
        app.reset();
    }

    // ---- Request routing ----

    private void noRules(ScenarioRun run) {
        apply(run, BASE);
        List<Page> pages = app.view(null, 60, 1);
        Map<String, Long> versions = versions(pages);
        run.measured("60 pages: reviews %s; details (gRPC) ok on %d", versions, count(pages, Page::detailsOk));
        for (String v : List.of("v1", "v2", "v3")) {
            checkShare(run, "reviews " + v, versions.getOrDefault(v, 0L), 60, 1.0 / 3);
        }
        run.check(count(pages, Page::detailsOk) == 60, "every page got details over gRPC");
    }

    private void allToV1(ScenarioRun run) {
        apply(run, BASE, ALL_V1, "scenarios/request-routing/all-v1");
        List<Page> pages = new ArrayList<>(app.view(null, 20, 1));
        pages.addAll(app.view("jason", 20, 1));
        run.measured("20 anonymous + 20 jason pages: reviews %s", versions(pages));
        run.check(count(pages, p -> "v1".equals(p.reviews())) == 40, "all 40 pages show reviews v1");
    }

    private void jasonToV2(ScenarioRun run) {
        apply(run, DEFAULT_MESH);
        List<Page> jason = app.view("jason", 20, 1);
        List<Page> kim = app.view("kim", 20, 1);
        run.measured("jason: reviews %s, ratings ok on %d; kim: reviews %s", versions(jason),
                count(jason, p -> "ok".equals(p.ratings())), versions(kim));
        run.check(count(jason, p -> "v2".equals(p.reviews()) && "ok".equals(p.ratings())) == 20,
                "jason sees v2 (black stars, ratings) on 20 of 20 pages");
        run.check(count(kim, p -> "v1".equals(p.reviews())) == 20, "kim sees v1 on 20 of 20 pages");
        int jasonHeaders = (int) app.reviewsV2.received().stream()
                .filter(r -> "jason".equals(r.header("end-user"))).count();
        run.check(jasonHeaders == 20, "reviews v2 received the end-user header on all %d requests", jasonHeaders);
    }

    // ---- Traffic shifting ----

    private void shifting(ScenarioRun run) {
        apply(run, BASE, "scenarios/traffic-shifting/50-50");
        List<Page> half = app.view(null, 100, 1);
        Map<String, Long> split = versions(half);
        run.measured("100 pages: reviews %s", split);
        checkShare(run, "reviews v3", split.getOrDefault("v3", 0L), 100, 0.5);
        run.check(split.getOrDefault("v1", 0L) + split.getOrDefault("v3", 0L) == 100, "only v1 and v3 served");

        apply(run, BASE, "scenarios/traffic-shifting/100-v3");
        List<Page> all = app.view(null, 30, 1);
        run.measured("30 pages: reviews %s, stars %s", versions(all), tally(all, p -> p.fields().get("stars")));
        run.check(count(all, p -> "v3".equals(p.reviews())) == 30, "all 30 pages show v3 (red stars)");
    }

    // ---- Fault injection ----

    private void faultDelay(ScenarioRun run) {
        apply(run, BASE, JASON_V2, "scenarios/fault-injection/delay");
        run.note("the example delays jason's ratings calls by 7 s; the demo renders it as 2 s to stay quick");
        List<Page> jason = app.view("jason", 4, 4);
        List<Double> others = timedRatingsCalls(5);
        run.measured("4 jason pages (in parallel): %s s, ratings %s; 5 other calls to ratings: %s s",
                seconds(jason), tally(jason, Page::ratings), others.stream().map(Walkthrough::fmt).toList());
        run.check(jason.stream().allMatch(p -> p.seconds() >= 1.95 && p.seconds() < 5),
                "jason's pages took the 2 s delay (between 1.95 s and 5 s)");
        run.check(count(jason, p -> "ok".equals(p.ratings())) == 4, "the delayed ratings calls still succeeded");
        run.check(others.stream().allMatch(s -> s < 1.0), "calls without end-user: jason were not delayed (< 1 s)");
        run.check(app.reviewsClient().faults.get() == 4, "reviews' mesh client injected the delay %d times (4)",
                app.reviewsClient().faults.get());
    }

    private void faultAbort(ScenarioRun run) {
        apply(run, BASE, JASON_V2, "scenarios/fault-injection/abort");
        List<Page> jason = app.view("jason", 10, 1);
        List<Double> others = timedRatingsCalls(5);
        long reached = app.ratings.received().stream().filter(r -> "jason".equals(r.header("end-user"))).count();
        run.measured("10 jason pages: ratings %s; ratings pod received %d of jason's calls, %d others",
                tally(jason, Page::ratings), reached, app.ratings.count() - reached);
        run.check(count(jason, p -> p.ratings() != null && p.ratings().contains("HTTP 500")) == 10,
                "jason's 10 ratings calls failed with HTTP 500 (reviews shows ratings unavailable)");
        run.check(reached == 0, "none of jason's ratings calls reached the ratings pod");
        run.check(app.ratings.count() - reached == others.size(), "the %d calls of others reached ratings",
                others.size());
    }

    /** Calls ratings from the sleep workload, not as jason; seconds each took (-1 on failure). */
    private List<Double> timedRatingsCalls(int n) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            try (Response r = app.sleep().http.newCall(new Request.Builder()
                    .url("http://ratings:9080/ratings/0").build()).execute()) {
                r.body().string();
                out.add(r.code() == 200 ? (System.nanoTime() - start) / 1e9 : -1);
            } catch (IOException e) {
                out.add(-1.0);
            }
        }
        return out;
    }

    // ---- Timeouts and retries ----

    private void timeouts(ScenarioRun run) {
        apply(run, BASE, "scenarios/request-timeouts");
        List<Page> pages = app.view(null, 6, 6);
        run.measured("6 pages (in parallel): %s s; reviews errors %s", seconds(pages),
                tally(pages, p -> p.reviewsError() == null ? "none" : p.reviewsError()));
        run.check(count(pages, p -> p.reviewsError() != null && p.reviewsError().startsWith("MeshTimeoutException"))
                == 6, "all 6 reviews calls ended with the route timeout (504)");
        // The upper bound only has to tell the timeout from the delay: a page that waited for ratings takes 2 s or
        // more, and on a busy machine a timed-out page may take well over 0.5 s to reach the caller.
        run.check(pages.stream().allMatch(p -> p.seconds() >= 0.45 && p.seconds() < 2.0),
                "each page was answered after the 0.5 s timeout, not after the 2 s ratings delay");
        run.check(count(pages, Page::detailsOk) == 6, "details still answered on every page");
    }

    private void retries(ScenarioRun run) {
        run.note("Istio has no task page for retries; this follows the retries section of its traffic"
                + " management concepts");
        app.ratings.failEveryOther(true);
        run.action("the ratings pod starts failing every other request with HTTP 503");
        apply(run, BASE, JASON_V2);
        List<Page> before = app.view("jason", 10, 1);
        long failedBefore = count(before, p -> p.ratings() != null && p.ratings().startsWith("unavailable"));
        run.measured("Istio's default retry policy (503 is not retried): ratings unavailable on %d of 10 pages",
                failedBefore);
        run.check(failedBefore >= 2 && failedBefore <= 8, "about half of jason's pages lost their ratings (%d of 10)",
                failedBefore);

        apply(run, BASE, JASON_V2, "scenarios/retries");
        List<Page> after = app.view("jason", 10, 1);
        long failedAfter = count(after, p -> p.ratings() == null || !p.ratings().equals("ok"));
        run.measured("retries on gateway-error: ratings unavailable on %d of 10 pages; the ratings pod got %d"
                        + " requests; reviews' mesh client retried %d times", failedAfter, app.ratings.count(),
                app.reviewsClient().retries.get());
        run.check(failedAfter == 0, "every page has its ratings: the retries hid the failing pod");
        run.check(app.reviewsClient().retries.get() >= 5 && app.ratings.count() >= 15,
                "the failures really happened and were retried (%d retries)", app.reviewsClient().retries.get());
    }

    // ---- Circuit breaking and mirroring ----

    private void circuitBreaking(ScenarioRun run) {
        apply(run, BASE, "scenarios/circuit-breaking");
        int n = 10;
        List<String> outcomes = app.inParallel(n, n, () -> {
            try (Response r = app.sleep().http.newCall(new Request.Builder()
                    .url("http://httpbin:8000/get?ms=300").build()).execute()) {
                r.body().string();
                return r.code() == 200 ? "200" : "HTTP " + r.code();
            } catch (MeshOverflowException e) {
                return "overflow";
            } catch (IOException e) {
                return e.toString();
            }
        });
        Map<String, Long> tally = outcomes.stream().collect(Collectors.groupingBy(o -> o, TreeMap::new,
                Collectors.counting()));
        long ok = tally.getOrDefault("200", 0L);
        long overflow = tally.getOrDefault("overflow", 0L);
        int maxV1 = app.httpbinV1.maxInFlight();
        int maxV2 = app.httpbinV2.maxInFlight();
        run.measured("%d concurrent calls (each held 0.3 s): %s; most in flight at httpbin v1 %d, v2 %d", n, tally,
                maxV1, maxV2);
        run.check(overflow >= n / 2 && ok >= 1 && ok + overflow == n,
                "the breaker let a few through and refused the rest at once with 503 (%d ok, %d overflow)", ok,
                overflow);
        run.check(maxV1 + maxV2 <= 2, "httpbin never had more than maxConnections + http1MaxPendingRequests = 2"
                + " requests of this client");
    }

    private void mirroring(ScenarioRun run) {
        apply(run, BASE, "scenarios/mirroring");
        MirrorStats statsBefore = app.sleep().interceptor.mirrorStats();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            try (Response r = app.sleep().http.newCall(new Request.Builder()
                    .url("http://httpbin:8000/headers").build()).execute()) {
                answers.add(r.header("x-served-by"));
                r.body().string();
            } catch (IOException e) {
                answers.add(e.toString());
            }
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (app.httpbinV2.count() < 20 && System.nanoTime() < deadline) {
            FileConfigDriver.sleep(10);
        }
        MirrorStats stats = app.sleep().interceptor.mirrorStats();
        List<String> mirrorHosts = app.httpbinV2.received().stream().map(r -> r.header("host")).distinct().toList();
        run.measured("20 calls answered by %s; httpbin v1 received %d, v2 received %d copies (Host %s); mirror"
                        + " copies dropped %d", tally(answers, a -> a), app.httpbinV1.count(), app.httpbinV2.count(),
                mirrorHosts, stats.dropped() - statsBefore.dropped());
        run.check(answers.stream().allMatch("httpbin-v1"::equals), "all 20 answers came from v1");
        run.check(app.httpbinV2.count() == 20, "v2 saw a copy of each of the 20 requests");
        run.check(mirrorHosts.equals(List.of("httpbin:8000")),
                "copies carried the primary's Host, httpbin:8000 (Istio 1.28 and later)");
    }

    // ---- Security ----

    /**
     * Istio's Mutual TLS Migration task: with the servers PERMISSIVE, the mesh's clients send mutual TLS without
     * any DestinationRule (auto mTLS: the servers' endpoints are labelled {@code security.istio.io/tlsMode:
     * istio}) while a client outside the mesh still gets through in plain text; once the servers are STRICT the
     * mesh's calls go on and the outside client is refused. Explicit ISTIO_MUTUAL DestinationRules then change
     * nothing.
     */
    private void mutualTls(ScenarioRun run) {
        apply(run, DEFAULT_MESH);
        mtlsPages(run, "no DestinationRule tls, PERMISSIVE servers");
        boolean answered = plainTextFromOutside(run);
        List<HttpWorkload.Received> outside = app.reviewsV1.received();
        run.check(answered && !outside.isEmpty() && outside.stream().noneMatch(HttpWorkload.Received::mutualTls),
                "PERMISSIVE: a client outside the mesh is answered in plain text");

        apply(run, DEFAULT_MESH, STRICT);
        run.note("details, reviews and ratings now require mutual TLS: their servers enforce the PeerAuthentication");
        mtlsPages(run, "STRICT servers, still no DestinationRule tls");
        run.check(!plainTextFromOutside(run) && app.reviewsV1.count() == 0,
                "STRICT refuses the plain-text client outside the mesh before the application sees it");

        apply(run, "config/base/bookinfo-services.yaml", "config/base/httpbin-service.yaml", "config/routing",
                "scenarios/mutual-tls", STRICT);
        mtlsPages(run, "ISTIO_MUTUAL DestinationRules, STRICT servers");
    }

    /**
     * A plain-text call from outside the mesh (the browser) straight to reviews v1, on a connection of its own;
     * true when answered. (A kept-alive connection accepted while PERMISSIVE would outlive the switch to STRICT,
     * which applies to new connections.)
     */
    private boolean plainTextFromOutside(ScenarioRun run) {
        boolean answered;
        app.browser.connectionPool().evictAll();
        try (Response r = app.browser.newCall(new Request.Builder()
                .url("http://127.0.0.1:" + app.reviewsV1.port() + "/reviews/0").header("Connection", "close")
                .build()).execute()) {
            run.measured("a plain-text call from outside the mesh to reviews v1: %d %s", r.code(), r.body().string());
            answered = r.isSuccessful();
        } catch (IOException e) {
            run.measured("a plain-text call from outside the mesh to reviews v1: refused (%s)", e.getMessage());
            answered = false;
        }
        return answered;
    }

    private void mtlsPages(ScenarioRun run, String label) {
        List<Page> pages = app.view("jason", 6, 1);
        List<DetailsServer.Received> details = app.details.received();
        List<HttpWorkload.Received> reviews = app.reviewsV2.received();
        List<HttpWorkload.Received> ratings = app.ratings.received();
        run.measured("%s, 6 jason pages: %d ok; mTLS on details %s (client %s), reviews v2 %s (client %s),"
                        + " ratings %s (client %s)", label, count(pages, p -> "ok".equals(p.ratings()) && p.detailsOk()),
                mtls(details, DetailsServer.Received::mutualTls), peers(details, DetailsServer.Received::peer),
                mtls(reviews, HttpWorkload.Received::mutualTls), peers(reviews, HttpWorkload.Received::peer),
                mtls(ratings, HttpWorkload.Received::mutualTls), peers(ratings, HttpWorkload.Received::peer));
        run.check(count(pages, p -> "ok".equals(p.ratings()) && p.detailsOk()) == 6, "%s: all 6 pages complete",
                label);
        run.check(!details.isEmpty() && details.stream().allMatch(r -> r.mutualTls()
                        && DemoPki.spiffeId("productpage").equals(r.peer())),
                "%s: details (gRPC) got every call over mTLS from productpage's identity", label);
        run.check(!reviews.isEmpty() && reviews.stream().allMatch(r -> r.mutualTls()
                        && DemoPki.spiffeId("productpage").equals(r.peer())),
                "%s: reviews got every call over mTLS from productpage's identity", label);
        run.check(!ratings.isEmpty() && ratings.stream().allMatch(r -> r.mutualTls()
                        && DemoPki.spiffeId("reviews").equals(r.peer())),
                "%s: ratings got every call over mTLS from reviews' identity", label);
    }

    // ---- Egress ----

    private void egress(ScenarioRun run) {
        apply(run, BASE, "scenarios/egress/external-service");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(call(app.sleep(), "http://httpbin.org/headers"));
        }
        String blocked = call(app.sleep(), "http://www.google.com/");
        List<String> hosts = app.httpbinOrg.received().stream().map(r -> r.header("host")).distinct().toList();
        run.measured("5 calls to httpbin.org: %s (the stand-in saw Host %s); www.google.com: %s",
                tally(answers, a -> a), hosts, blocked);
        run.check(answers.stream().allMatch("200"::equals) && app.httpbinOrg.count() == 5,
                "httpbin.org, declared by a ServiceEntry, answered all 5 calls");
        run.check(hosts.equals(List.of("httpbin.org")), "the external service saw its own name as Host");
        run.check(blocked.startsWith("refused 502"), "an undeclared host is refused with 502 (REGISTRY_ONLY)");
    }

    private void egressGateway(ScenarioRun run) {
        apply(run, BASE, "config/egress/edition-cnn-com.yaml", "scenarios/egress/egress-gateway");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(call(app.sleep(), "http://edition.cnn.com/politics"));
        }
        List<String> gatewayHosts = app.egressGateway.received().stream().map(r -> r.header("host")).distinct()
                .toList();
        long viaGateway = app.cnn.received().stream()
                .filter(r -> Objects.requireNonNullElse(r.header("via"), "").contains("istio-egressgateway")).count();
        run.measured("5 calls to edition.cnn.com: %s; egress gateway received %d (Host %s); the site received %d,"
                + " %d of them via the gateway", tally(answers, a -> a), app.egressGateway.count(), gatewayHosts,
                app.cnn.count(), viaGateway);
        run.check(answers.stream().allMatch("200"::equals), "all 5 calls succeeded");
        run.check(app.egressGateway.count() == 5 && gatewayHosts.equals(List.of("edition.cnn.com")),
                "every call went to the egress gateway, still addressed to edition.cnn.com");
        run.check(app.cnn.count() == 5 && viaGateway == 5, "the site received every call from the gateway");
    }

    // ---- Authorization ----

    private void authorization(ScenarioRun run) {
        run.note("the servers are the mesh's own (Jetty with mesh-servlet, MeshGrpc.serverBuilder); callers are"
                + " known by their SPIFFE ids, e.g. productpage %s", DemoPki.spiffeId("productpage"));
        apply(run, with(MUTUAL_TLS, AUTHZ + "/reviews-viewer.yaml"));
        List<Page> pages = app.view(null, 10, 1);
        String sleepReviews = answer(app.sleep(), "http://reviews:9080/reviews/0");
        String sleepRatings = answer(app.sleep(), "http://ratings:9080/ratings/0");
        List<String> reviewsCallers = peers(app.reviewsV1.received(), HttpWorkload.Received::peer);
        run.measured("reviews-viewer only, 10 pages: reviews %s; sleep -> reviews: %s; sleep -> ratings: %s;"
                + " reviews v1 served %s", versions(pages), sleepReviews, sleepRatings, reviewsCallers);
        run.check(count(pages, p -> "v1".equals(p.reviews())) == 10, "productpage's 10 GETs to reviews were allowed");
        run.check(sleepReviews.equals("403 RBAC: access denied"), "sleep is refused by reviews: 403 RBAC: access"
                + " denied, as Envoy answers");
        run.check(reviewsCallers.equals(List.of(DemoPki.spiffeId("productpage"))) && app.reviewsV1.count() == 10,
                "reviews' application saw productpage's calls only");
        run.check(sleepRatings.startsWith("200"), "ratings, with no policy, still lets sleep in");

        apply(run, with(MUTUAL_TLS, AUTHZ + "/allow-nothing.yaml"));
        List<Page> denied = app.view("jason", 3, 1);
        run.measured("allow-nothing, 3 pages: details %s; reviews %s",
                tally(denied, p -> p.detailsOk() ? "ok" : p.fields().get("details-error")),
                tally(denied, p -> p.reviews() != null ? "ok" : p.reviewsError()));
        run.check(count(denied, p -> !p.detailsOk() && String.valueOf(p.fields().get("details-error"))
                        .startsWith("PERMISSION_DENIED")) == 3,
                "an ALLOW policy with no rules matches nothing: details (gRPC) denies every call (PERMISSION_DENIED)");
        run.check(count(denied, p -> String.valueOf(p.reviewsError()).startsWith("HTTP 403")) == 3,
                "reviews denies every call (403)");
        run.check(app.details.received().isEmpty() && app.reviews().stream().allMatch(w -> w.count() == 0),
                "no request reached an application");

        apply(run, with(MUTUAL_TLS, AUTHZ));
        List<Page> allowed = app.view("jason", 6, 1);
        sleepReviews = answer(app.sleep(), "http://reviews:9080/reviews/0");
        sleepRatings = answer(app.sleep(), "http://ratings:9080/ratings/0");
        run.measured("allow-nothing + details-, reviews- and ratings-viewer, 6 jason pages: %d complete; sleep ->"
                + " reviews: %s; sleep -> ratings: %s", count(allowed, Walkthrough::complete), sleepReviews,
                sleepRatings);
        run.check(count(allowed, Walkthrough::complete) == 6,
                "each viewer policy lets its one caller through: all 6 pages have details, reviews v2 and ratings");
        run.check(sleepReviews.equals("403 RBAC: access denied") && sleepRatings.equals("403 RBAC: access denied"),
                "sleep is denied everywhere (deny by default)");
    }

    private static boolean complete(Page p) {
        return p.detailsOk() && "v2".equals(p.reviews()) && "ok".equals(p.ratings());
    }

    private static String[] with(List<String> pieces, String... more) {
        List<String> all = new ArrayList<>(pieces);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** One GET through {@code client}: "STATUS first-line-of-body", "refused STATUS", or the error. */
    private static String answer(MeshClient client, String url) {
        try (Response r = client.http.newCall(new Request.Builder().url(url).build()).execute()) {
            String body = r.body().string();
            int nl = body.indexOf('\n');
            return r.code() + " " + (nl < 0 ? body : body.substring(0, nl));
        } catch (MeshRejectedException e) {
            return "refused " + e.status() + " (" + e.reason() + ")";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** One GET through {@code client}: "200", "HTTP n", "refused STATUS", or the error. */
    private static String call(MeshClient client, String url) {
        try (Response r = client.http.newCall(new Request.Builder().url(url).build()).execute()) {
            r.body().string();
            return r.code() == 200 ? "200" : "HTTP " + r.code();
        } catch (MeshRejectedException e) {
            return "refused " + e.status() + " (" + e.reason() + ")";
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---- measurement helpers ----

    private static void checkShare(ScenarioRun run, String what, long count, int n, double p) {
        double sd = Math.sqrt(n * p * (1 - p));
        long low = (long) Math.ceil(n * p - 4 * sd);
        long high = (long) Math.floor(n * p + 4 * sd);
        run.check(count >= Math.max(1, low) && count <= high, "%s got %d of %d (%.0f%%), expected %.0f%% (%d..%d)",
                what, count, n, 100.0 * count / n, 100 * p, Math.max(1, low), high);
    }

    private static Map<String, Long> versions(List<Page> pages) {
        return tally(pages, p -> p.reviews() != null ? p.reviews() : "error");
    }

    static <T> Map<String, Long> tally(List<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.groupingBy(i -> String.valueOf(key.apply(i)), TreeMap::new,
                Collectors.counting()));
    }

    private static <T> long count(List<T> items, Predicate<T> p) {
        return items.stream().filter(p).count();
    }

    private static <T> String mtls(List<T> received, Predicate<T> mutual) {
        return count(received, mutual) + "/" + received.size();
    }

    private static <T> List<String> peers(List<T> received, Function<T, String> peer) {
        return received.stream().map(r -> String.valueOf(peer.apply(r))).distinct().sorted().toList();
    }

    private static List<String> seconds(List<Page> pages) {
        double[] s = pages.stream().mapToDouble(Page::seconds).sorted().toArray();
        return Arrays.stream(s).mapToObj(Walkthrough::fmt).toList();
    }

    private static String fmt(double seconds) {
        return String.format(Locale.ROOT, "%.2f", seconds);
    }
}
