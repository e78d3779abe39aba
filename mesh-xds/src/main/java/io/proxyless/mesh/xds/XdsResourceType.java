package io.proxyless.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/**
 * The four xDS resource types the mesh subscribes to, with their v3 type URLs. Declared in the order Envoy and
 * istiod push them (CDS, EDS, LDS, RDS), which is also the order in which the source asks for them.
 */
public enum XdsResourceType {
    /** Clusters: discovery, load balancing, outlier detection, circuit breakers, connections, TLS. */
    CLUSTER("CDS", "type.googleapis.com/envoy.config.cluster.v3.Cluster", Cluster.getDefaultInstance(), true),
    /** Endpoints of EDS clusters. */
    ENDPOINT("EDS", "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
            ClusterLoadAssignment.getDefaultInstance(), false),
    /** Listeners: which route configuration serves which {@code host:port} (proxyless) or port (sidecar). */
    LISTENER("LDS", "type.googleapis.com/envoy.config.listener.v3.Listener", Listener.getDefaultInstance(), true),
    /** Route configurations: virtual hosts and their routes. */
    ROUTE("RDS", "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            RouteConfiguration.getDefaultInstance(), false);

    private final String shortName;
    private final String typeUrl;
    private final Message prototype;
    private final boolean fullState;

    XdsResourceType(String shortName, String typeUrl, Message prototype, boolean fullState) {
        this.shortName = shortName;
        this.typeUrl = typeUrl;
        this.prototype = prototype;
        this.fullState = fullState;
    }

    /** {@code LDS}, {@code RDS}, {@code CDS} or {@code EDS}. */
    public String shortName() {
        return shortName;
    }

    public String typeUrl() {
        return typeUrl;
    }

    /**
     * In state-of-the-world xDS, a response of this type lists every subscribed resource that exists, so a
     * resource it leaves out was deleted (LDS and CDS). RDS and EDS responses may list only what changed.
     */
    public boolean fullState() {
        return fullState;
    }

    /** The type for {@code typeUrl}, or null if the mesh does not use it. */
    public static XdsResourceType byTypeUrl(String typeUrl) {
        for (XdsResourceType t : values()) {
            if (t.typeUrl.equals(typeUrl)) {
                return t;
            }
        }
        return null;
    }

    /** Unpacks {@code any} into this type's message. */
    @SuppressWarnings("unchecked")
    Message unpack(Any any) throws InvalidProtocolBufferException {
        return ProtoValues.unpack(any, prototype, (Class<Message>) prototype.getClass());
    }

    /** The resource's name, as xDS identifies it. */
    static String nameOf(Message m) {
        if (m instanceof Listener l) {
            return l.getName();
        }
        if (m instanceof RouteConfiguration r) {
            return r.getName();
        }
        if (m instanceof Cluster c) {
            return c.getName();
        }
        if (m instanceof ClusterLoadAssignment c) {
            return c.getClusterName();
        }
        throw new IllegalArgumentException("not an xDS resource the mesh uses: " + m.getClass().getName());
    }
}
