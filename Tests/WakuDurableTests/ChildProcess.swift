import Foundation
import Waku

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`.
///
/// Not Foundation's `Process`: on Linux it detects a child's exit through a descriptor the
/// child inherits, so a grandchild that outlives it (`pg-ctl start` leaves the PostgreSQL server
/// running, and the server inherits whatever is open) makes `waitUntilExit()` hang forever.
/// Here the child gets only stdin (/dev/null) and stdout/stderr (a file); every other
/// descriptor is marked close-on-exec first.
final class ChildProcess: Sendable {
    let pid: pid_t
    let outputPath: String
    private let status = Locked<Int32?>(nil)

    /// Starts `path` with `arguments`, its output going to `outputPath`, and its standard error
    /// there too unless `errorPath` names a file of its own. `environment` replaces the test
    /// process's environment when given.
    init(_ path: String, _ arguments: [String], outputPath: String, errorPath: String? = nil,
         environment: [String: String]? = nil) throws {
        self.outputPath = outputPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        #if os(Linux)
        ChildProcess.markDescriptorsCloseOnExec()
        #endif
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        #if canImport(Darwin)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
        #endif
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnFailed(path: path, errno: result) }
        self.pid = pid
    }

    #if os(Linux)
    /// Sets close-on-exec on every descriptor above stderr of this (test) process, so children
    /// inherit none of them (glibc's posix_spawn_file_actions_addclosefrom_np is not imported).
    private static func markDescriptorsCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
    #endif

    /// The exit status once the child exited (128 + signal number if a signal ended it).
    var exitStatus: Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out: the C macros are not imported.
            let decoded: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            status = decoded
            return decoded
        }
    }

    var isRunning: Bool { exitStatus == nil }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the child to exit; returns its status, or nil after `timeout` (then kills it).
    @discardableResult
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        if let status = exitStatus { return status }
        kill(pid, SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return nil
    }
}

struct SpawnFailed: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "could not start \(path): \(String(cString: strerror(errno)))" }
}

/// Runs `path` with `arguments` to completion; returns its exit status and output.
func runToCompletion(_ path: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: Int32?, output: String) {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("waku-spawn-\(UUID().uuidString).log").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let child = try ChildProcess(path, arguments, outputPath: outputPath)
    let status = await child.waitForExit(timeout: timeout)
    return (status, child.output)
}
