#if SQLite
import Foundation
import SQLiteNIO
import Waku
import WakuMessaging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wakes this process's idle durable workers within milliseconds when another connection to the
/// store's file commits: another process sharing the file, or a unit of work here. Without it,
/// rows another process commits are found at the next poll only.
///
/// SQLite has no notifications between processes, but `PRAGMA data_version` on the store's
/// shared connection changes whenever another connection commits, and never for the shared
/// connection's own writes (claims, finalizes); reading it costs no disk I/O. It is read on the
/// shared connection, so it takes the store's mutex, which serializes every store operation. So
/// that it holds that mutex rarely, the watcher first looks at the write-ahead log's size and
/// modification time (one `stat`, no lock, no thread hop) every ``interval`` (``quietInterval``
/// once nothing changed for ``busyPeriod``), and reads `data_version` only when they changed, or
/// at least every ``confirmInterval`` (a file's time stamp can be coarser than the gap between
/// two commits, and the log keeps its size once it is reused after a checkpoint).
///
/// It runs only while a worker of the store is idle: from a claim that came back empty until
/// that worker's next claim found rows or its endpoint released its claims (at stop). It stops
/// in ``SQLiteDurableStore/shutdown()``. Polling stays the fallback.
final class SQLiteChangeWatcher: Sendable {
    /// How often the write-ahead log is looked at while a worker is idle, for ``busyPeriod`` after
    /// the watcher started or last saw a change: deliveries often come in bursts.
    static let interval: Duration = .milliseconds(2)
    /// How often after that: a long-idle process spends less time looking (about a quarter).
    static let quietInterval: Duration = .milliseconds(8)
    /// How long after a change (or the start) the watcher looks every ``interval``.
    static let busyPeriod: Duration = .seconds(1)
    /// How long at most between two reads of `data_version` while a worker is idle.
    static let confirmInterval: Duration = .milliseconds(100)

    private let walPath: String
    private let state = Locked(State())

    private struct State {
        /// Claim owners whose last claim found nothing.
        var idle: Set<String> = []
        /// Whether the watching task runs; `task` is its handle once stored.
        var running = false
        var task: Task<Void, Never>?
        var closed = false
        /// The last `data_version` read; kept while the watcher pauses, so a change made while
        /// every worker was busy still wakes them when one goes idle.
        var version: Int?
        var stamp: FileStamp?
        var lastRead: ContinuousClock.Instant?
        /// Changes seen (each woke the workers).
        var changes = 0
        /// `data_version` reads.
        var reads = 0
    }

    /// What `stat` says about the write-ahead log.
    struct FileStamp: Equatable, Sendable {
        let inode: UInt64
        let size: Int64
        let seconds: Int
        let nanoseconds: Int
    }

    init(databasePath: String) {
        walPath = databasePath + "-wal"
    }

    /// Changes seen so far.
    var changesSeen: Int { state.withLock { $0.changes } }
    /// `data_version` reads so far.
    var versionReads: Int { state.withLock { $0.reads } }
    /// Whether the watcher is running.
    var isWatching: Bool { state.withLock { $0.running } }

    /// Records the outcome of `owner`'s claim: a claim that found nothing makes it idle (and starts
    /// the watcher), one that found rows makes it busy.
    func claimed(by owner: String, found: Bool, store: SQLiteDurableStore) {
        let start = state.withLock { state -> Bool in
            if found {
                state.idle.remove(owner)
                return false
            }
            state.idle.insert(owner)
            guard !state.running, !state.closed else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        let task = Task.detached { [weak store, self] in
            if let store {
                await self.watch(store)
            } else {
                self.stopped()
            }
        }
        state.withLock { state in
            // Unless it ended already (then `running` is false, or a newer watcher runs).
            if state.running, state.task == nil { state.task = task }
        }
    }

    /// `owner` stopped (its endpoint released its claims): it is no longer idle.
    func released(_ owner: String) {
        state.withLock { _ = $0.idle.remove(owner) }
    }

    /// Stops the watcher for good and waits for it (it checks at every step whether to go on).
    func stop() async {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.closed = true
            state.idle = []
            return state.task
        }
        task?.cancel()
        let deadline = ContinuousClock.now + .seconds(2)
        while state.withLock({ $0.running }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Watches while some worker is idle; ends when none is, or when stopped.
    private func watch(_ store: SQLiteDurableStore) async {
        var lastActivity = ContinuousClock.now
        while true {
            let now = ContinuousClock.now
            let stamp = Self.stamp(walPath)
            let plan = state.withLock { state -> (read: Bool, stamp: FileStamp?)? in
                // Decided under the lock, so a worker going idle now either sees `running` false
                // and starts a new watcher, or is seen here.
                guard !state.idle.isEmpty, !state.closed, !Task.isCancelled else {
                    state.running = false
                    state.task = nil
                    return nil
                }
                let due = state.lastRead.map { $0.duration(to: now) >= Self.confirmInterval } ?? true
                return (due || stamp == nil || stamp != state.stamp, stamp)
            }
            guard let plan else { return }
            if plan.read {
                do {
                    let version = try await store.dataVersion()
                    let changed = state.withLock { state -> Bool in
                        // The first read ever has nothing to compare with: a commit may have
                        // come between the empty claim and this read, so wake once.
                        let changed = state.version != version
                        state.version = version
                        state.stamp = plan.stamp
                        state.lastRead = now
                        state.reads += 1
                        if changed { state.changes += 1 }
                        return changed
                    }
                    if changed {
                        lastActivity = now
                        DurableWakeups.committed(store)
                    }
                } catch {
                    // The store is unavailable (or shutting down): the workers see it themselves.
                    state.withLock { $0.lastRead = now }
                }
            }
            do {
                try await Task.sleep(for: lastActivity.duration(to: now) < Self.busyPeriod ? Self.interval : Self.quietInterval)
            } catch {
                stopped()
                return
            }
        }
    }

    /// The watching task ended (cancelled by ``stop()``).
    private func stopped() {
        state.withLock { state in
            state.running = false
            state.task = nil
        }
    }

    /// The write-ahead log's identity, size and modification time, or `nil` when it cannot be read.
    static func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return FileStamp(inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: Int(modified.tv_sec), nanoseconds: Int(modified.tv_nsec))
    }
}

extension SQLiteDurableStore {
    /// `PRAGMA data_version` of the shared connection: it changes when another connection commits.
    func dataVersion() async throws -> Int {
        try await withConnection { connection in
            let rows = try await connection.query("PRAGMA data_version")
            guard let version = rows.first?.column("data_version")?.integer else {
                throw UnreadableRow(description: "PRAGMA data_version returned no number")
            }
            return version
        }
    }
}
#endif
