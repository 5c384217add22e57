import AuthService
import Foundation
import Logging
import ServiceKit

let name = AuthServiceConfiguration.serviceName

if CommandLine.arguments.dropFirst().first == RotateSigningKeyCommand.name {
    // `auth-service rotate-signing-key [--jwt-signing-key-file path] [--access-token-ttl 15m]`
    do {
        let reader = try await ConfigurationReader.load(arguments: Array(CommandLine.arguments.dropFirst(2)))
        let common = try ServiceConfiguration(reader, serviceName: name, defaultPort: AuthServiceConfiguration.defaultPort)
        let configuration = try AuthServiceConfiguration(reader, service: common)
        try reader.rejectUnreadOptions()
        let logger = Logger(label: "\(name) \(RotateSigningKeyCommand.name)")
        print(try await RotateSigningKeyCommand.run(configuration: configuration, logger: logger))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(name) \(RotateSigningKeyCommand.name): \(error)\n".utf8))
        exit(error is ConfigurationError ? ServiceMain.configurationErrorStatus : 1)
    }
}

ServiceMain.runTasksOnEventLoops()
await ServiceMain.run(name: name, defaultPort: AuthServiceConfiguration.defaultPort) { reader, common, logger, metrics in
    let configuration = try AuthServiceConfiguration(reader, service: common)
    return try await buildApplication(configuration: configuration, logger: logger, metrics: metrics)
}
