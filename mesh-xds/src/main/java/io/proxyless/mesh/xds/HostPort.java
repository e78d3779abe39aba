package io.proxyless.mesh.xds;

import io.proxyless.mesh.api.HostName;

/** Splits {@code host:port}, {@code [v6]:port} and bare hosts, as xDS names and domains are written. */
final class HostPort {
    private HostPort() {
    }

    /** The host without brackets or port, normalized as {@link HostName#of} (empty when there is none). */
    static String host(String hostPort) {
        String s = hostPort;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            s = close > 0 ? s.substring(1, close) : s;
        } else {
            int colon = s.lastIndexOf(':');
            if (colon > 0 && s.indexOf(':') == colon && isPort(s.substring(colon + 1))) {
                s = s.substring(0, colon);
            }
        }
        return s.isEmpty() || s.equals(".") ? "" : HostName.of(s).toString();
    }

    /** The port, or null when there is none. */
    static Integer port(String hostPort) {
        String tail;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
                return null;
            }
            tail = hostPort.substring(close + 2);
        } else {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || hostPort.indexOf(':') != colon) {
                return null;
            }
            tail = hostPort.substring(colon + 1);
        }
        return isPort(tail) ? Integer.parseInt(tail) : null;
    }

    static boolean isPort(String s) {
        return !s.isEmpty() && s.length() <= 5 && s.chars().allMatch(c -> c >= '0' && c <= '9')
                && Integer.parseInt(s) <= 65535;
    }
}
