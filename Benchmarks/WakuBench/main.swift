import Foundation

// waku-bench: `swift run -c release waku-bench [--quick] [--filter S] [--json PATH] [--peers]`.
// See Options.usage, and Catalog for the scenarios.

let parsed: Options?
do {
    parsed = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("waku-bench: \(error)\n\(Options.usage)\n".utf8))
    exit(2)
}
guard let options = parsed else {
    print(Options.usage)
    exit(0)
}
exit(await Runner.main(options))
