#if SQLite && Postgres
import Foundation
import Logging

// waku-admin: operator tools for durable endpoints, safe to run while workers run.
//
//   waku-admin --store postgres://app:secret@db:5432/app status
//   waku-admin --store sqlite:data/waku.sqlite dead list --endpoint fulfilment
//   waku-admin dead show 42                              # store from $WAKU_ADMIN_STORE
//   waku-admin dead replay --error "timed out" --dry-run
//   waku-admin dead purge --older-than 30d --yes
//
// Exit codes: 0 success, 1 operation failed, 2 usage error or refused, 3 not found.

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
let options: AdminOptions
do {
    options = try AdminOptions.parse(arguments, environment: environment)
} catch {
    // The store is not known yet: redact whatever --store or the environment named.
    var spec = environment[AdminOptions.storeVariable] ?? ""
    for (index, argument) in arguments.enumerated() {
        if argument == "--store", arguments.indices.contains(index + 1) { spec = arguments[index + 1] }
        if argument.hasPrefix("--store=") { spec = String(argument.dropFirst("--store=".count)) }
    }
    let console = Console(json: arguments.contains("--json"), storeSpec: spec)
    console.fail(.usage, "\(error.description)\nRun 'waku-admin --help' for the commands and options.")
    exit(ExitCode.usage.rawValue)
}

if options.command == .help {
    FileHandle.standardOutput.write(Data((AdminOptions.usage + "\n").utf8))
    exit(ExitCode.success.rawValue)
}

let logLevel: Logger.Level = options.verbose ? .info : .critical
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = logLevel
    return handler
}
let logger = Logger(label: "waku-admin")
let console = Console(json: options.json, storeSpec: options.store)

let store: AdminStore
do {
    store = try AdminStore.open(options.store, logger: logger)
} catch let error as AdminOptions.UsageError {
    console.fail(.usage, error.description)
    exit(ExitCode.usage.rawValue)
} catch {
    console.fail(.failed, "\(error)")
    exit(ExitCode.failed.rawValue)
}

let code = await AdminCommands(store: store, console: console).run(options.command)
await store.shutdown()
exit(code.rawValue)
#else
import Foundation

// Built without the trait this program needs: say how to build it instead of failing to compile.
FileHandle.standardError.write(Data("waku-admin needs the SQLite and Postgres traits: swift run --traits SQLite,Postgres waku-admin\n".utf8))
exit(2)
#endif
