#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension WakuApplication {
    /// Runs a program's body and, if it throws, prints the error to standard error and exits
    /// with status 1.
    ///
    /// An error thrown out of `@main`'s `static func main() async throws` traps instead: "Fatal
    /// error: Error raised at top level", an illegal instruction and a backtrace, with the
    /// readable ``StartupError`` buried in it. Wrap the program's body instead:
    ///
    /// ```swift
    /// @main
    /// struct Main {
    ///     static func main() async {
    ///         await WakuApplication.main {
    ///             let app = try await WakuFactory(AppModule()).create()
    ///             try await app.run { app in … }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: the program's name, which starts the error line; the executable's name by default.
    ///   - isolation: the actor `body` runs on; the caller's, by default.
    ///   - body: the program. When it returns, `main` returns.
    public static func main(
        name: String? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
        } catch {
            let program = name ?? CommandLine.arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "waku"
            var line = "\(program): \(error)\n"
            // write(2) rather than `stderr`, a C global that strict concurrency rejects.
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(2, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                    guard written > 0 else { break }
                    offset += written
                }
            }
            exit(1)
        }
    }
}
