package io.proxyless.mesh.runtime.security;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;

/**
 * An IP address block, {@code 10.0.0.0/16} or a single address ({@code 10.0.0.7} is {@code /32}, an IPv6
 * address {@code /128}), as Istio's {@code ipBlocks} and {@code source.ip} write them.
 *
 * @param address      the block's address
 * @param prefixLength how many leading bits must be equal
 */
public record CidrRange(InetAddress address, int prefixLength) {
    public CidrRange {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + address);
        }
    }

    /**
     * Parses {@code ip} or {@code ip/length} (no name lookup).
     *
     * @throws IllegalArgumentException when it is neither
     */
    public static CidrRange parse(String text) {
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        if (!InetAddresses.isInetAddress(ip)) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
        InetAddress address = InetAddresses.forString(ip);
        int length = address.getAddress().length * 8;
        if (slash >= 0) {
            try {
                length = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IP address or CIDR block: " + text, e);
            }
        }
        return new CidrRange(address, length);
    }

    /** True when {@code ip} lies in this block (an address of the other family never does). */
    public boolean contains(InetAddress ip) {
        if (ip == null) {
            return false;
        }
        byte[] block = address.getAddress();
        byte[] candidate = ip.getAddress();
        if (block.length != candidate.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (block[i] != candidate[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (block[full] & mask) == (candidate[full] & mask);
    }

    @Override
    public String toString() {
        return InetAddresses.toAddrString(address) + "/" + prefixLength;
    }
}
