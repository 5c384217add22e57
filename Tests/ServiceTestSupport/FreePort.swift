#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A loopback TCP port that was free a moment ago: for a test that must know a server's port before
/// the server starts (to start it late, or again after a stop).
///
/// Ports come from below the kernel's ephemeral range (Linux: 32768–60999), walked in turn by this
/// process: a server another test starts on port 0 gets an ephemeral port, so it can never take the
/// port handed out here between the pick and the bind (which it did, now and then, when these ports
/// were ephemeral too). Each candidate is checked by binding it.
public func freeLoopbackPort() -> Int {
    while true {
        let candidate = PortSequence.next()
        if isFree(candidate) { return candidate }
    }
}

private enum PortSequence {
    static let range = 20_000..<32_000
    static let counter = Atomic<Int>(Int.random(in: 0..<range.count))

    static func next() -> Int {
        range.lowerBound + counter.add(1, ordering: .relaxed).newValue % range.count
    }
}

private func isFree(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0, "socket() failed")
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
