import Foundation

/// JSON as the contract writes it: `snake_case` keys and RFC 3339 UTC timestamps with milliseconds
/// (`2026-11-22T10:04:05.123Z`). Every body a service reads or writes goes through these coders.
public enum ContractJSON {
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be an RFC 3339 timestamp such as 2026-11-22T10:04:05.123Z")
            }
            return date
        }
        return decoder
    }
}

/// RFC 3339 timestamps in UTC with milliseconds.
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)

    /// `2026-11-22T10:04:05.123Z`, rounded to the nearest millisecond.
    public static func format(_ date: Date) -> String {
        var bytes: [UInt8] = []
        append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `format(date)` at the end of `bytes`, without a `String` or the C library's calendar.
    public static func append(_ date: Date, to bytes: inout [UInt8]) {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds.floorDivided(by: 1000)
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        // The civil date of a day count from 1970-01-01 (Howard Hinnant's civil_from_days).
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        let millisecond = Int(milliseconds - seconds * 1000)
        // Written into 24 bytes on the stack and appended at once: appending byte by byte (each append
        // checking the array's capacity) was 3 % of the blog list's CPU, for 40 timestamps a page.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
            func put(_ value: Int, width: Int, at index: Int) {
                var value = value
                for position in stride(from: index + width - 1, through: index, by: -1) {
                    text[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            let fourDigitYear = (0...9999).contains(year)
            if fourDigitYear { put(year, width: 4, at: 0) }
            text[4] = UInt8(ascii: "-"); put(month, width: 2, at: 5)
            text[7] = UInt8(ascii: "-"); put(day, width: 2, at: 8)
            text[10] = UInt8(ascii: "T"); put(secondOfDay / 3600, width: 2, at: 11)
            text[13] = UInt8(ascii: ":"); put(secondOfDay / 60 % 60, width: 2, at: 14)
            text[16] = UInt8(ascii: ":"); put(secondOfDay % 60, width: 2, at: 17)
            text[19] = UInt8(ascii: "."); put(millisecond, width: 3, at: 20)
            text[23] = UInt8(ascii: "Z")
            if fourDigitYear {
                bytes.append(contentsOf: text)
            } else {
                bytes.append(contentsOf: String(year).utf8)
                bytes.append(contentsOf: text[4...])
            }
        }
    }

    /// Accepts RFC 3339 with or without fractional seconds. The contract's own form
    /// (`2026-11-22T10:04:05.123Z`) is read by hand, which is many times faster than a format style
    /// (it matters for the collector, which reads one per event); other offsets go the long way.
    public static func parse(_ text: String) -> Date? {
        // A `Z` time is the hand parser's to judge: the format style would take an hour of 25.
        if text.hasSuffix("Z") || text.hasSuffix("z") { return parseUTC(text) }
        return (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, or nil for anything else.
    static func parseUTC(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                bytes[bytes.count - 1] == UInt8(ascii: "Z") || bytes[bytes.count - 1] == UInt8(ascii: "z")
            else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            var fraction = 0.0
            if bytes.count > 20 {
                guard bytes[19] == UInt8(ascii: "."), bytes.count > 21 else { return nil }
                var scale = 0.1
                for index in 20..<(bytes.count - 1) {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    fraction += Double(digit) * scale
                    scale /= 10
                }
            } else if bytes[19] != UInt8(ascii: "Z") && bytes[19] != UInt8(ascii: "z") {
                return nil
            }
            // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, so that times before 1970 split correctly.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
