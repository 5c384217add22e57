/// A one-way gate between tasks: `wait` returns once `open` was called, before or after.
public final class Latch: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    public func open() { continuation.finish() }

    public func wait() async {
        for await _ in stream {}
    }
}
