import Testing

@testable import ServiceKit

@Suite struct HTTPWhitespaceTests {
    @Test(arguments: [
        ("", ""), ("   ", ""), ("\t", ""), ("a", "a"), (" a ", "a"), ("\t a b \t", "a b"), ("  é ", "é"), ("x😀 ", "x😀"),
        ("\u{00A0}a\u{00A0}", "\u{00A0}a\u{00A0}"),  // only spaces and tabs are HTTP's whitespace
        ("a\n", "a\n"),
    ])
    func spacesAndTabsAroundAreDropped(text: String, trimmed: String) {
        #expect(text.trimmingHTTPWhitespace() == trimmed)
        #expect(text[...].trimmingHTTPWhitespace() == trimmed)
    }
}
