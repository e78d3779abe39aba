package io.proxyless.mesh.runtime.event;

import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Mirror;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/** Two listeners as one: the mesh's own and an adapter's. */
record Both(MeshListener first, MeshListener second) implements MeshListener {

    @Override
    public void routed(CallView call) {
        first.routed(call);
        second.routed(call);
    }

    @Override
    public void faultApplied(CallView call, FaultDecision fault) {
        first.faultApplied(call, fault);
        second.faultApplied(call, fault);
    }

    @Override
    public void attemptStarted(CallView call, AttemptView attempt) {
        first.attemptStarted(call, attempt);
        second.attemptStarted(call, attempt);
    }

    @Override
    public void attemptFinished(CallView call, AttemptView attempt) {
        first.attemptFinished(call, attempt);
        second.attemptFinished(call, attempt);
    }

    @Override
    public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
        first.retrying(call, failed, retry, backoff);
        second.retrying(call, failed, retry, backoff);
    }

    @Override
    public void overflow(CallView call, String clusterKey, ConnectionPool.Overflow overflow, boolean retry) {
        first.overflow(call, clusterKey, overflow, retry);
        second.overflow(call, clusterKey, overflow, retry);
    }

    @Override
    public void mirrorSent(CallView call, Mirror mirror, Endpoint endpoint) {
        first.mirrorSent(call, mirror, endpoint);
        second.mirrorSent(call, mirror, endpoint);
    }

    @Override
    public void mirrorDropped(CallView call, Mirror mirror, String reason) {
        first.mirrorDropped(call, mirror, reason);
        second.mirrorDropped(call, mirror, reason);
    }

    @Override
    public void mirrorCompleted(CallView call, Mirror mirror, int status) {
        first.mirrorCompleted(call, mirror, status);
        second.mirrorCompleted(call, mirror, status);
    }

    @Override
    public void tlsFailure(CallView call, String clusterKey, Throwable failure) {
        first.tlsFailure(call, clusterKey, failure);
        second.tlsFailure(call, clusterKey, failure);
    }

    @Override
    public void callFinished(CallView call) {
        first.callFinished(call);
        second.callFinished(call);
    }

    /** Both halves' names, asked for each time: a half may be the mesh's listeners, whose names change. */
    @Override
    public Set<String> requestHeaderNames() {
        Set<String> a = first.requestHeaderNames();
        Set<String> b = second.requestHeaderNames();
        if (b.isEmpty()) {
            return a;
        }
        if (a.isEmpty()) {
            return b;
        }
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
