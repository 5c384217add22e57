import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// How long a connection may take over its request head, and stay idle (CONTRACT.md: 30 s and 60 s),
/// so that connections that never finish their headers (slowloris) or never say anything are closed.
public struct ConnectionLimits: Sendable {
    /// From the first byte of a request head to its end.
    public var requestHeadTimeout: Duration = .seconds(30)
    /// Without a byte read or a response written.
    public var idleTimeout: Duration = .seconds(60)

    public init(requestHeadTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60)) {
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
    }

    /// Hummingbird's HTTP/1.1 server with these limits: its own idle timeout, its header size limits
    /// (80 KiB, 1,000 fields), and `RequestHeadTimeoutHandler` in front of the HTTP decoder.
    public var http1: HTTPServerBuilder {
        let limits = self
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout))),
                requestHeadTimeout: TimeAmount(limits.requestHeadTimeout))
        }
    }
}

/// `HTTP1Channel` with a `RequestHeadTimeoutHandler` first in the pipeline.
struct LimitedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let requestHeadTimeout: TimeAmount

    var responder: HTTPChannelHandler.Responder { inner.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(RequestHeadTimeoutHandler(timeout: requestHeadTimeout))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes a connection whose request head is not complete within `timeout` of its first byte.
///
/// It sits in front of the HTTP decoder and reads the raw bytes: a head starts with the first byte
/// read while no request is under way, and ends at its blank line (`\r\n\r\n`) or when a response is
/// written. What follows (a body) is not timed here; the idle timeout covers a stalled body. Once a
/// response is written, the next byte starts the next head.
///
/// One timer serves all of a connection's heads: a head only notes its deadline, and the timer,
/// when it fires, closes the connection if the head under way is past its deadline, or sets itself
/// again for that head's deadline. Scheduling and cancelling a task for each request cost a by-id
/// read 3.4 % of its CPU (the handler's share of `perf record` under `wrk -t2 -c32`).
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum State {
        /// No byte of the next request yet.
        case idle
        /// Reading a head that must end by `deadline`; `matched` bytes of `\r\n\r\n` ended the bytes so far.
        case readingHead(matched: Int, deadline: NIODeadline)
        /// Past the head: its body, or its handling.
        case inRequest
    }

    private let timeout: TimeAmount
    private var state = State.idle
    /// The connection's one timer: set by the first head after it last fired, for that head's deadline,
    /// and never later than the deadline of the head under way.
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if case .idle = state, bytes.readableBytes > 0 {
            let deadline = context.eventLoop.now + timeout
            state = .readingHead(matched: 0, deadline: deadline)
            if timer == nil { arm(at: deadline, context: context) }
        }
        if case .readingHead(let matched, let deadline) = state {
            let matchedNow = bytes.withUnsafeReadableBytes { HeadTerminator.scan($0, matched: matched) }
            state = matchedNow == HeadTerminator.length ? .inRequest : .readingHead(matched: matchedNow, deadline: deadline)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A response means the decoder had the whole head, whatever its line endings looked like.
        state = .idle
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard case .readingHead(_, let deadline) = state else { return }
        if deadline <= context.eventLoop.now {
            context.channel.close(promise: nil)
        } else {
            arm(at: deadline, context: context)  // a later head than the one the timer was set for
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// Finds the end of a request head, `\r\n\r\n`, in bytes that may come in any number of reads.
enum HeadTerminator {
    static let length = 4

    /// How many bytes of the terminator end `bytes`, having ended the bytes before them by `matched`;
    /// `length` when the terminator is complete. Bytes past a complete terminator are not looked at.
    static func scan(_ bytes: UnsafeRawBufferPointer, matched: Int) -> Int {
        var matched = matched
        var index = 0
        // A terminator begun in an earlier read, followed byte by byte until it completes or breaks.
        while matched > 0, index < bytes.count {
            matched = step(matched, bytes[index])
            if matched == length { return length }
            index += 1
        }
        guard index < bytes.count, let base = bytes.baseAddress else { return matched }
        let rest = UnsafeRawBufferPointer(start: base + index, count: bytes.count - index)
        if containsTerminator(rest) { return length }
        // Not complete here: the matcher's state after them depends only on their last three bytes.
        return rest.suffix(length - 1).reduce(0, step)
    }

    /// Whether `bytes` hold all four bytes of the terminator: each `\r` found by `memchr` (a head has one
    /// a line) is checked for the three bytes after it.
    private static func containsTerminator(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let end = base + bytes.count
        var from = base
        while from < end, let found = memchr(from, Int32(cr), end - from) {
            let at = UnsafeRawPointer(found)
            if end - at < length { return false }
            if at.load(fromByteOffset: 1, as: UInt8.self) == lf && at.load(fromByteOffset: 2, as: UInt8.self) == cr
                && at.load(fromByteOffset: 3, as: UInt8.self) == lf
            {
                return true
            }
            from = at + 1
        }
        return false
    }

    /// The matcher one byte at a time: what `scan` must agree with.
    static func step(_ matched: Int, _ byte: UInt8) -> Int {
        let expected = matched % 2 == 0 ? cr : lf
        return byte == expected ? matched + 1 : (byte == cr ? 1 : 0)
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
