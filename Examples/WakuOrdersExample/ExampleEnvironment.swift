import Foundation
package import Logging

/// What both HTTP examples read from the environment: `LOG_LEVEL` and `PORT`.
package enum ExampleEnvironment {
    /// A logger at `LOG_LEVEL` (`info` when unset or not a level).
    package static func logger(label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    /// `PORT` (8080 when unset; 0 picks a free port). Exits with status 64 when it is not a port.
    package static func port(logger: Logger) -> Int {
        let text = ProcessInfo.processInfo.environment["PORT"] ?? "8080"
        guard let port = Int(text), (0...65_535).contains(port) else {
            logger.critical("PORT must be a number from 0 to 65535, not '\(text)'")
            exit(64)
        }
        return port
    }
}
