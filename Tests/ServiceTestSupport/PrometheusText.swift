/// The value of a sample in Prometheus text (`name{labels} value`), nil when absent.
public func prometheusValue(_ sample: String, in text: String) -> Double? {
    let line = text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }
    return line.flatMap { Double($0.split(separator: " ").last!) }
}
