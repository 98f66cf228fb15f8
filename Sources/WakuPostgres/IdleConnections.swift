#if Postgres
import Waku
import PostgresNIO

/// Connections the store finished with, kept leased for its next operation.
///
/// Leasing from `PostgresClient` and giving back costs a task, a timer and several thread
/// hops each time (see ``HeldConnection``). A durable worker whose handlers each run a unit of
/// work leases once per delivery, so on a small host that overhead is a large share of the CPU.
/// Connections given back outside a transaction wait here instead, newest on top, and the next
/// operation takes one without touching the pool.
///
/// Bounded so the pool keeps connections for `PostgresClient` users: at most `capacity` wait
/// here, and one unused for `maximumIdle` goes back to the pool at the next take or give-back.
/// A connection that closed (a database restart) is never handed out; it goes back to the pool,
/// which drops it.
final class IdleConnections: Sendable {
    private struct Parked {
        let held: HeldConnection
        let since: ContinuousClock.Instant
    }

    private struct State {
        var parked: [Parked] = []
        var closed = false
    }

    private let state = Locked(State())
    private let capacity: Int
    private let maximumIdle: Duration

    init(capacity: Int, maximumIdle: Duration) {
        self.capacity = max(0, capacity)
        self.maximumIdle = maximumIdle
    }

    /// Connections waiting here now.
    var count: Int { state.withLock { $0.parked.count } }

    /// The most recently given back open connection, or `nil`.
    func take() -> HeldConnection? {
        let now = ContinuousClock.now
        let (found, stale) = state.withLock { state -> (HeldConnection?, [HeldConnection]) in
            var stale = expired(&state, now)
            while let top = state.parked.popLast() {
                if top.held.connection.isClosed {
                    stale.append(top.held)
                } else {
                    return (top.held, stale)
                }
            }
            return (nil, stale)
        }
        for held in stale { held.release(rollback: false) }
        return found
    }

    /// Keeps `held` (which must not be inside a transaction) for the next ``take()``, or gives
    /// it back to the pool when it closed, when full, or after ``close()``.
    func giveBack(_ held: HeldConnection) {
        let now = ContinuousClock.now
        let released = state.withLock { state -> [HeldConnection] in
            var released = expired(&state, now)
            if state.closed || held.connection.isClosed || state.parked.count >= capacity {
                released.append(held)
            } else {
                state.parked.append(Parked(held: held, since: now))
            }
            return released
        }
        for connection in released { connection.release(rollback: false) }
    }

    /// Gives every waiting connection back to the pool and keeps none from now on (shutdown).
    func close() {
        let all = state.withLock { state -> [Parked] in
            state.closed = true
            defer { state.parked = [] }
            return state.parked
        }
        for parked in all { parked.held.release(rollback: false) }
    }

    /// Removes the connections unused for `maximumIdle` (the oldest are at the bottom).
    private func expired(_ state: inout State, _ now: ContinuousClock.Instant) -> [HeldConnection] {
        let count = state.parked.prefix { $0.since.duration(to: now) > maximumIdle }.count
        guard count > 0 else { return [] }
        defer { state.parked.removeFirst(count) }
        return state.parked.prefix(count).map(\.held)
    }
}
#endif
