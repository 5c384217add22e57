import Foundation
import ServiceKit
import Testing

@testable import ObservCollector

/// The collector's quick check of an event's texts (`ObservedEvent.textsKeepTheirLimits`, field by
/// field) must refuse exactly what the detailed check names (`textLimits`, through `FieldValidator`),
/// so that every refusal names its field and nothing the contract allows is refused.
@Suite struct EventTextLimitsTests {
    /// Texts at and past every limit's bounds, in one- and two-byte scalars, and with the characters
    /// each kind of text refuses or allows.
    static let samples: [String] = {
        var texts = ["", "x", "a\u{0}b", "a\u{7}b", "a\u{7F}b", "a\u{85}b", "line\nbreak", "tab\tand\rreturn", "e\u{301}", "😀"]
        for length in Set(ObservedEvent.textLimits.map(\.length.upperBound)) {
            texts += [String(repeating: "r", count: length), String(repeating: "r", count: length + 1)]
            texts += [String(repeating: "é", count: length), String(repeating: "é", count: length + 1)]
        }
        return texts
    }()

    static func auditEvent() -> ObservedEvent {
        var event = ObservedEvent(type: .audit, ts: "2026-11-22T10:00:00.000Z", service: "blog-service")
        event.action = "post.create"
        event.outcome = "success"
        return event
    }

    @Test(arguments: ObservedEvent.textLimits.indices)
    func aTextIsRefusedExactlyWhenItsFieldIsNamed(limitIndex: Int) {
        let limit = ObservedEvent.textLimits[limitIndex]
        for text in Self.samples {
            var event = Self.auditEvent()
            event[keyPath: limit.keyPath] = text
            var oracle = FieldValidator()
            oracle.checkText(text, limit.name, limit.length, limit.kind)
            #expect(event.textsKeepTheirLimits == oracle.problems.isEmpty, "\(limit.name): \(text.unicodeScalars.count) scalars")
            switch event.validated(index: 0, keyService: "blog-service", receivedAt: Date()) {
            case .success: #expect(oracle.problems.isEmpty, "\(limit.name) accepted: \(text.unicodeScalars.count) scalars")
            case .failure(let error):
                #expect(error.details.map(\.field) == ["events[0].\(limit.name)"], "\(limit.name): \(text.unicodeScalars.count) scalars")
            }
        }
    }
}
