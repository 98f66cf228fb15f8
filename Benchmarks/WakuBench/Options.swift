import Foundation

/// Command-line options of `waku-bench`.
struct Options: Sendable {
    var quick = false
    var jsonPath: String?
    var markdownPath: String?
    var filter: String?
    var peers = false
    var list = false
    /// `--loop OPERATION COUNT`: run one operation COUNT times, untimed, and exit.
    var loop: (operation: String, count: Int)?

    static let usage = """
        usage: waku-bench [--quick] [--filter SUBSTRING] [--json PATH] [--markdown [PATH]] [--peers] [--list]
               waku-bench --loop OPERATION COUNT

          --quick             short smoke run (seconds; numbers are indicative only)
          --filter SUBSTRING  run the scenarios whose name contains SUBSTRING, plus the baselines
                              they are compared with (so every ratio is from the same run)
          --json PATH         also write the results as a JSON array to PATH
          --markdown [PATH]   also write the performance table as Markdown to PATH, or to stdout
                              after the report without one (machine, date, command, medians,
                              p50/p99, baselines, ratios, targets met or missed);
                              scripts/perf-table puts it in the README
          --peers             also run the Python peer (Benchmarks/python/run.sh, waku 0.42.0) and
                              report our median against its matching scenario (peerRatio);
                              WAKU_BENCH_PYTHON_PEER=/path/to/run.sh overrides where it is found
          --list              print the scenario names and exit (with --quick: the quick run's)
          --loop OPERATION COUNT
                              run one operation COUNT times, untimed, and exit: for profilers and
                              scripts/count-calls (operations: singleton, scoped, scope, bus, handler, invoke,
                              publish, queue, queue4; see Loops.swift)

        environment:
          WAKU_BENCH_POSTGRES_URL  postgres://… for the durable.postgres.* and floor.durable.* scenarios
                                   (skipped without it); scripts/bench starts a throwaway PostgreSQL,
                                   with production durability, and sets it; the report prints the
                                   server's fsync, synchronous_commit and full_page_writes
          WAKU_BENCH_WORKER        the waku-worker executable for durable.postgres.throughput.2proc*
                                   and durable.postgres.pickup (default: next to waku-bench)
          WAKU_BENCH_COMMAND       how --markdown names the command (default: swift run -c release waku-bench)
          -h, --help          this help
        """

    enum ParseError: Error, CustomStringConvertible {
        case missingValue(String)
        case unknown(String)
        var description: String {
            switch self {
            case .missingValue(let option): "option \(option) needs a value"
            case .unknown(let argument): "unknown argument '\(argument)'"
            }
        }
    }

    /// Parses `arguments` (without the executable). Returns `nil` for `--help`.
    static func parse(_ arguments: [String]) throws -> Options? {
        var options = Options()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            // --name=value is accepted as well as --name value.
            let (name, inline) = split(argument)
            func value() throws -> String {
                if let inline { return inline }
                guard let next = rest.popFirst() else { throw ParseError.missingValue(name) }
                return next
            }
            switch name {
            case "--quick": options.quick = true
            case "--peers": options.peers = true
            case "--list": options.list = true
            case "--loop":
                let operation = try value()
                guard let text = rest.popFirst(), let count = Int(text), count > 0 else {
                    throw ParseError.missingValue("--loop \(operation) (a positive count)")
                }
                options.loop = (operation, count)
            case "--json": options.jsonPath = try value()
            case "--markdown":
                // The path is optional: without one (or with "-") the table goes to stdout.
                if let inline {
                    options.markdownPath = inline
                } else if let next = rest.first, !next.hasPrefix("--") {
                    options.markdownPath = rest.popFirst()
                } else {
                    options.markdownPath = "-"
                }
            case "--filter": options.filter = try value()
            case "-h", "--help": return nil
            default: throw ParseError.unknown(argument)
            }
        }
        return options
    }

    /// The command as `--markdown` prints it: `WAKU_BENCH_COMMAND` (else `swift run -c release
    /// waku-bench`) and the arguments, without the output paths (they name this machine's files).
    static func displayCommand(_ arguments: [String]) -> String {
        var words = [ProcessInfo.processInfo.environment["WAKU_BENCH_COMMAND"] ?? "swift run -c release waku-bench"]
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            let (name, inline) = split(argument)
            if name == "--json" || name == "--markdown" {
                if inline == nil, let next = rest.first, name == "--json" || !next.hasPrefix("--") { _ = rest.popFirst() }
                continue
            }
            words.append(shellQuoted(argument))
        }
        return words.joined(separator: " ")
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}
