import Hummingbird

// The baseline of `make bench`: the smallest Hummingbird server (the services' framework and version),
// one route answering a small JSON object. Every load scenario is reported as a ratio to what this
// answers under the same load in the same run, so that the figures mean something on any machine.
//
// Usage: bench-baseline PORT

struct Greeting: ResponseEncodable {
    let status: String
}

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 18180
let router = Router()
router.get("/") { _, _ in Greeting(status: "ok") }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
