import Foundation
import Prometheus

/// The process's own figures, as Prometheus's process collectors name them, read at each scrape:
/// `process_resident_memory_bytes` (what a soak watches for growth) and `process_open_fds` (what a
/// leak of connections or files shows first). Linux only (they come from `/proc/self`); elsewhere
/// nothing is reported.
struct ProcessMetrics: Sendable {
    private let residentMemory: Gauge
    private let openFileDescriptors: Gauge

    init(registry: PrometheusCollectorRegistry) {
        residentMemory = registry.makeGauge(descriptor: .named("process_resident_memory_bytes"), labels: [])
        openFileDescriptors = registry.makeGauge(descriptor: .named("process_open_fds"), labels: [])
    }

    func update() {
        #if os(Linux)
        // statm: size, resident, … in pages.
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        {
            residentMemory.set(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFileDescriptors.set(Double(descriptors.count))
        }
        #endif
    }
}
