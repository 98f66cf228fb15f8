import Foundation

/// What the header says about where and how the numbers were taken.
struct MachineInfo {
    let activeCores: Int
    let totalCores: Int
    let memoryGiB: Double
    let cpuModel: String?
    let system: String
    let host: String
    let date: String
    let command: String
    let directory: String
    let build: String
    let compiler: String

    static func current() -> MachineInfo {
        let process = ProcessInfo.processInfo
        var build = "release"
        #if DEBUG
        build = "DEBUG — numbers are meaningless, use -c release"
        #endif
        return MachineInfo(
            activeCores: process.activeProcessorCount,
            totalCores: process.processorCount,
            memoryGiB: Double(process.physicalMemory) / 1_073_741_824,
            cpuModel: cpuModel(),
            system: process.operatingSystemVersionString,
            host: process.hostName,
            date: Date().ISO8601Format(),
            command: CommandLine.arguments.map(shellQuoted).joined(separator: " "),
            directory: FileManager.default.currentDirectoryPath,
            build: build,
            compiler: compilerVersion())
    }

    /// The 1-, 5- and 15-minute load averages from /proc/loadavg (Linux); `nil` elsewhere. Above
    /// the core count, other processes competed for the CPU while the numbers were taken.
    static func loadAverage() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The CPU model from /proc/cpuinfo (Linux); `nil` elsewhere.
    private static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func compilerVersion() -> String {
        #if compiler(>=6.4)
        return "Swift >= 6.4"
        #elseif compiler(>=6.3)
        return "Swift 6.3"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #elseif compiler(>=6.1)
        return "Swift 6.1"
        #else
        return "Swift 6.0"
        #endif
    }
}
