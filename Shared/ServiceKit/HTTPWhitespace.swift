extension StringProtocol {
    /// Without the spaces and tabs around it: HTTP's optional whitespace (RFC 9110, `OWS`) around a
    /// header value or a list element. On the bytes, as a request's headers are read on every request
    /// (Foundation's `trimmingCharacters(in:)` goes through `NSString` and costs microseconds).
    public func trimmingHTTPWhitespace() -> Substring {
        let whole = Substring(self)
        let utf8 = whole.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return whole[whole.endIndex...]
        }
        return whole[first..<utf8.index(after: last)]  // the byte after `last` starts a scalar
    }
}
