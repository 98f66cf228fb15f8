/// Command-line options of `waku-bench`.
struct Options: Sendable {
    var quick = false
    var jsonPath: String?
    var filter: String?
    var peers = false
    var list = false

    static let usage = """
        usage: waku-bench [--quick] [--filter SUBSTRING] [--json PATH] [--peers] [--list]

          --quick             short smoke run (seconds; numbers are indicative only)
          --filter SUBSTRING  run the scenarios whose name contains SUBSTRING, plus the baselines
                              they are compared with (so every ratio is from the same run)
          --json PATH         also write the results as a JSON array to PATH
          --peers             also run the Python peer (Benchmarks/python/run.sh, waku 0.42.0) and
                              report our median against its matching scenario (peerRatio);
                              WAKU_BENCH_PYTHON_PEER=/path/to/run.sh overrides where it is found
          --list              print the scenario names and exit
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
            case "--json": options.jsonPath = try value()
            case "--filter": options.filter = try value()
            case "-h", "--help": return nil
            default: throw ParseError.unknown(argument)
            }
        }
        return options
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}
