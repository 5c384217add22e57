import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

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
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum State {
        /// No byte of the next request yet.
        case idle
        /// Reading a head; how much of `\r\n\r\n` ended the bytes so far.
        case readingHead(matched: Int)
        /// Past the head: its body, or its handling.
        case inRequest
    }

    private let timeout: TimeAmount
    private var state = State.idle
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if case .idle = state, bytes.readableBytes > 0 {
            state = .readingHead(matched: 0)
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        }
        if case .readingHead(var matched) = state {
            let terminator: [UInt8] = [13, 10, 13, 10]
            for byte in bytes.readableBytesView {
                matched = byte == terminator[matched] ? matched + 1 : (byte == 13 ? 1 : 0)
                if matched == 4 { break }
            }
            if matched == 4 {
                deadline?.cancel()
                deadline = nil
                state = .inRequest
            } else {
                state = .readingHead(matched: matched)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A response means the decoder had the whole head, whatever its line endings looked like.
        deadline?.cancel()
        deadline = nil
        state = .idle
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
