import NIOCore
import NIOEmbedded
import ServiceTestSupport
import Testing

@testable import ServiceKit

/// `RequestHeadTimeoutHandler` on an embedded channel, whose clock moves only when told: one timer
/// for all of a connection's heads must still close each slow head at its own deadline, never before.
@Suite struct RequestHeadTimeoutHandlerTests {
    static let timeout = TimeAmount.milliseconds(300)

    func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestHeadTimeoutHandler(timeout: Self.timeout))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func read(_ text: String, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: text))
        _ = try channel.readInbound(as: ByteBuffer.self)
    }

    func respond(on channel: EmbeddedChannel) throws {
        try channel.writeOutbound(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")))
        _ = try channel.readOutbound(as: IOData.self)
    }

    @Test func aHeadNotCompleteInTimeIsClosedAtItsDeadline() throws {
        let channel = try channel()
        try read("GET / HTTP/1.1\r\nHost: a\r\n", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(299))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func aCompleteHeadIsNotTimedWhileItsRequestIsHandled() throws {
        let channel = try channel()
        try read("POST / HTTP/1.1\r\nHost: a\r\n\r\n{\"body\":", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        try respond(on: channel)
        _ = try channel.finish()
    }

    /// The timer set by the first head fires while a later head is under way: it waits for that
    /// head's deadline instead of closing at its own.
    @Test func aLaterSlowHeadIsClosedAtItsOwnDeadline() throws {
        let channel = try channel()
        try read("GET / HTTP/1.1\r\nHost: a\r\n\r\n", on: channel)  // t = 0: the timer is set for 300
        try respond(on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(250))
        try read("GET / HTTP/1.1\r\nHo", on: channel)  // t = 250: a head that must end by 550
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(299))  // t = 549, the first timer fired at 300
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func aHeadEndingAcrossReadsStopsTheTimer() throws {
        let channel = try channel()
        for part in ["GET / HTTP/1.1\r\nHost: a\r", "\n", "\r", "\n"] {
            try read(part, on: channel)
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    /// `scan` over any bytes cut into any reads agrees with the matcher taken one byte at a time.
    @Test func scanningAgreesWithTheByteMatcherOverAnySplit() {
        var generator = SeededGenerator(state: 0x5EED)
        let alphabet: [UInt8] = [13, 10, 13, 10, UInt8(ascii: "a"), UInt8(ascii: ":")]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0..<12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var expected = 0
            for byte in bytes where expected < HeadTerminator.length {
                expected = HeadTerminator.step(expected, byte)
            }
            var matched = 0
            var start = 0
            while start < bytes.count, matched < HeadTerminator.length {
                let end = min(bytes.count, start + Int.random(in: 1...5, using: &generator))
                matched = bytes[start..<end].withUnsafeBytes { HeadTerminator.scan($0, matched: matched) }
                start = end
            }
            #expect(matched == expected, "\(bytes)")
        }
    }
}
