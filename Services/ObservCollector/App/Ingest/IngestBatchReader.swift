import Foundation
import Hummingbird
import ServiceKit

/// Reads the events of an ingest request: `{"events": [...]}` as `application/json`, or one event a
/// line as `application/x-ndjson`; at most 10 MiB (the context's limit, else 413) and 10,000 events
/// (else 413). A malformed event answers 400 naming `events[i]`.
enum IngestBatchReader {
    static let maximumEvents = 10_000

    static func read(_ request: Request, context: CollectorRequestContext) async throws -> [ObservedEvent] {
        let mediaType = request.headers[.contentType].flatMap(MediaType.init(from:))
        let isNDJSON = mediaType?.type == .application && mediaType?.subType == "x-ndjson"
        guard isNDJSON || (mediaType?.type == .application && mediaType?.subType == "json") else {
            throw AppError(.unsupportedMediaType, "Content-Type must be application/json or application/x-ndjson")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try events(in: buffer, ndjson: isNDJSON)
    }

    /// The events of a body: read straight from its bytes (`IngestEventParser`) when plainly valid,
    /// else by `JSONDecoder`, whose errors name what is wrong.
    static func events(in buffer: ByteBuffer, ndjson: Bool) throws -> [ObservedEvent] {
        let decoder = JSONDecoder()  // ObservedEvent spells its keys and keeps `ts` as text
        let events: [ObservedEvent]
        if ndjson {
            var decoded: [ObservedEvent] = []
            try buffer.withUnsafeReadableBytes { bytes in
                var start = 0
                while start < bytes.count {
                    let line = start..<(bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count)
                    start = line.upperBound + 1
                    if bytes[line].allSatisfy(isWhitespace) { continue }
                    guard decoded.count < maximumEvents else { throw tooMany }
                    if let event = IngestEventParser.event(bytes, in: line) {
                        decoded.append(event)
                        continue
                    }
                    do {
                        decoded.append(try decoder.decode(ObservedEvent.self, from: Data(bytes[line])))
                    } catch let error as DecodingError {
                        throw inEvent(decoded.count, AppError(decoding: error))
                    }
                }
            }
            events = decoded
        } else if let parsed = buffer.withUnsafeReadableBytes(IngestEventParser.batch) {
            events = parsed
        } else {
            do {
                events = try decoder.decode(IngestRequestBody.self, from: buffer).events
            } catch let error as DecodingError {
                throw AppError(decoding: error)
            }
        }
        guard events.count <= maximumEvents else { throw tooMany }
        return events
    }

    static var tooMany: AppError {
        AppError(.payloadTooLarge, "A request carries at most \(maximumEvents) events")
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// A line's decoding error, with its fields named as in a JSON batch: `events[3].status`.
    private static func inEvent(_ index: Int, _ error: AppError) -> AppError {
        let details = error.details.isEmpty
            ? [FieldError(field: "events[\(index)]", message: error.message)]
            : error.details.map { FieldError(field: "events[\(index)]" + ($0.field.isEmpty ? "" : ".\($0.field)"), message: $0.message) }
        return AppError.validationFailed(details, message: "Event \(index) is not valid; nothing was stored")
    }
}
