import Foundation
import ServiceKit
import Testing

@testable import AuthService
@testable import BlogService
@testable import ObservCollector

/// The README's configuration tables name every setting the services read, and each secret as one.
@Suite struct SettingsDocumentationTests {
    /// Every setting each service reads, found by reading its configuration from nothing.
    static func settingsRead() throws -> Set<String> {
        var names: Set<String> = [ConfigurationReader.directorySetting.name]
        for read in [
            { (reader: ConfigurationReader) throws in
                _ = try AuthServiceConfiguration(reader, service: ServiceConfiguration(reader, serviceName: "a", defaultPort: 1))
            },
            { reader in _ = try BlogServiceConfiguration(reader, service: ServiceConfiguration(reader, serviceName: "b", defaultPort: 1)) },
            { reader in _ = try ObservCollectorConfiguration(reader, service: ServiceConfiguration(reader, serviceName: "c", defaultPort: 1)) },
        ] {
            let reader = try ConfigurationReader(environment: [:], arguments: [])
            try read(reader)
            names.formUnion(reader.settingsRead)
        }
        return names
    }

    @Test func theReadmeDocumentsEverySettingAndEachSecret() throws {
        let readme = try String(contentsOf: URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../README.md"), encoding: .utf8)
        let names = try Self.settingsRead()
        #expect(names.count > 30, "\(names.sorted())")
        for name in names.sorted() {
            #expect(readme.contains("| `\(name)` |") || readme.contains("| `\(name)` (*secret*) |"), "the README's tables lack \(name)")
        }
        let secrets = [ServiceSettings.database(service: "x").isSecret, EventShipper.Settings.ingestKeySetting.isSecret, CollectorSettings.ingestKeys.isSecret]
        #expect(secrets == [true, true, true])
        for secret in ["DATABASE_URL", "COLLECTOR_INGEST_KEY", "INGEST_KEYS"] {
            #expect(readme.contains("| `\(secret)` (*secret*) |"), "\(secret) is a secret in the README")
        }
    }
}
