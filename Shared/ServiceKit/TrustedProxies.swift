import Foundation
import NIOCore

/// The proxies (`TRUSTED_PROXIES`) whose `X-Forwarded-For` header is believed, and the rule that
/// finds a request's client address with them.
public struct TrustedProxies: Sendable, Equatable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) {
        self.networks = networks
    }

    /// Parses comma-separated CIDRs; a bare address counts as a single host.
    public init(parsing text: String) throws(InvalidNetwork) {
        var networks: [IPNetwork] = []
        for part in text.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let network = IPNetwork(trimmed) else { throw InvalidNetwork(text: trimmed) }
            networks.append(network)
        }
        self.networks = networks
    }

    public struct InvalidNetwork: Error {
        public let text: String
    }

    public func isTrusted(_ address: String) -> Bool {
        guard let bytes = IPNetwork.addressBytes(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client address of a request: the peer, or, when the peer is a trusted proxy, the
    /// right-most address of `X-Forwarded-For` that is not itself a trusted proxy.
    public func clientAddress(peer: String?, forwardedFor: String?) -> String? {
        guard let peer, isTrusted(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { String($0.trimmingHTTPWhitespace()) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !isTrusted(hop) {
            return IPNetwork.addressBytes(hop) != nil ? hop : peer
        }
        return hops.first ?? peer
    }
}

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    let base: [UInt8]
    let prefixLength: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let base = Self.addressBytes(String(parts[0])) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...base.count * 8).contains(parsed) else { return nil }
            length = parsed
        } else {
            length = base.count * 8
        }
        self.base = base
        self.prefixLength = length
        self.description = text
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == base.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address, base) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 bytes of an IP address in text form, nil when it is not one.
    static func addressBytes(_ text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}
