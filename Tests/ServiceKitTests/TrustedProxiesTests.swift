import Testing

@testable import ServiceKit

@Suite struct TrustedProxiesTests {
    let proxies = try! TrustedProxies(parsing: "10.0.0.0/8, ::1/128")

    @Test func withoutTrustedProxiesThePeerIsTheClient() throws {
        let none = TrustedProxies()
        #expect(none.clientAddress(peer: "10.1.2.3", forwardedFor: "203.0.113.9") == "10.1.2.3")
    }

    @Test func aTrustedPeerForwardsTheFirstUntrustedHopFromTheRight() {
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: "198.51.100.1, 203.0.113.9, 10.9.9.9") == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "::1", forwardedFor: "203.0.113.9") == "203.0.113.9")
    }

    @Test func anUntrustedPeerCannotSpoofItsAddress() {
        #expect(proxies.clientAddress(peer: "192.0.2.7", forwardedFor: "203.0.113.9") == "192.0.2.7")
    }

    @Test func garbageInTheHeaderFallsBackToThePeer() {
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: "not-an-ip") == "10.1.2.3")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: nil) == "10.1.2.3")
    }

    @Test func prefixesMatchBitByBit() throws {
        let network = try #require(IPNetwork("192.168.4.0/22"))
        #expect(network.contains(IPNetwork.addressBytes("192.168.7.255")!))
        #expect(!network.contains(IPNetwork.addressBytes("192.168.8.0")!))
        #expect(IPNetwork("192.168.4.0/40") == nil)
        #expect(IPNetwork("fd00::/8")!.contains(IPNetwork.addressBytes("fd12::1")!))
    }
}
