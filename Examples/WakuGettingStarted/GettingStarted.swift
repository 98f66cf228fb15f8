import Waku

// waku-getting-started: the program of the Getting Started article, as written there.
// `--without-settings` leaves out the Settings provider, to show what a start-up error looks
// like: it is printed to standard error and the program exits with status 1.

protocol Greeter: Sendable {
    func greet(_ name: String) -> String
}

struct EnglishGreeter: Greeter {
    func greet(_ name: String) -> String { "Hello, \(name)!" }
}

struct Settings: Sendable {
    let shout: Bool
}

struct GreetingService: Sendable {
    let greeter: any Greeter
    let settings: Settings

    func welcome(_ name: String) -> String {
        let text = greeter.greet(name)
        return settings.shout ? text.uppercased() : text
    }
}

struct GreetingsModule: Module {
    var providers: [Provider] {
        [
            singleton((any Greeter).self, EnglishGreeter.init),
            scoped(GreetingService.init),
        ]
    }
    var exports: [Export] { [.type(GreetingService.self)] }
}

struct AppModule: Module {
    /// `false` only for `--without-settings`, the article's broken graph.
    let suppliesSettings: Bool
    var imports: [any Module] { [GreetingsModule()] }
    var providers: [Provider] { suppliesSettings ? [contextual(Settings.self, scope: .app)] : [] }
}

@main
struct Main {
    static func main() async {
        // Prints an error readably to standard error and exits with status 1, where an error
        // thrown out of `main` would trap with a backtrace.
        await WakuApplication.main {
            let app = try await WakuFactory(
                AppModule(suppliesSettings: !CommandLine.arguments.contains("--without-settings")),
                context: ContextValues(Settings(shout: false))
            ).create()

            try await app.run { app in
                let text = try await app.withContainer { container in
                    try await container.get(GreetingService.self).welcome("Ada")
                }
                print(text)  // Hello, Ada!
            }
        }
    }
}
