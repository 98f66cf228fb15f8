#if Hummingbird
import Foundation
import Testing
import WakuMessaging
@testable import WakuDashboard

@Suite("Dashboard building blocks")
struct DashboardUnitTests {
    @Test("HTML.escape replaces the five characters that could end text or an attribute")
    func escaping() {
        #expect(HTML.escape(#"<script>alert("x") & 'y'</script>"#) == "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(HTML.escape("plain ünïcode") == "plain ünïcode")
    }

    @Test("a filter survives the round trip through query parameters")
    func filterRoundTrip() throws {
        let id = UUID()
        let filter = DashboardFilter(
            criteria: DeadLetterFilter(endpoint: "stock", messageType: "Shop.OrderPlaced", handler: "Reserve", errorContains: "refused & <gone>",
                                       olderThan: .seconds(600)),
            references: [.local(id), .durable(42)])
        let again = try DashboardFilter(parameters: filter.parameters)
        #expect(again == filter)
        #expect(again.localIDs == [id])
        #expect(again.durableIDs == [42])
        #expect(try DashboardFilter(parameters: []).matchesEverything)
        #expect(try DashboardFilter(parameters: [("endpoint", "  ")]).matchesEverything, "blank fields are ignored")
    }

    @Test("a reference that names no dead letter, or an age that is not minutes, is refused")
    func badFilterInput() {
        #expect(throws: DashboardInputError.self) { try DashboardFilter(parameters: [("ref", "durable-x")]) }
        #expect(throws: DashboardInputError.self) { try DashboardFilter(parameters: [("ref", "local-not-a-uuid")]) }
        #expect(throws: DashboardInputError.self) { try DashboardFilter(parameters: [("older", "-5")]) }
        #expect(throws: DashboardInputError.self) { try DashboardFilter(parameters: [("older", "ten")]) }
    }

    @Test("activity is counted per endpoint and per minute, 60 minutes kept, inline handlers ignored")
    func activityHistory() {
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let activity = EndpointActivity(now: { clock.now })
        let envelope = pingEnvelope()
        activity.handlerSucceeded(envelope, handler: "H", endpoint: "jobs")
        activity.handlerSucceeded(envelope, handler: "H", endpoint: nil)  // inline: no endpoint
        activity.handlerFailed(envelope, handler: "H", endpoint: "jobs", error: Boom(), attempt: 1, willRetry: true)
        clock.advance(minutes: 1)
        activity.handlerSucceeded(envelope, handler: "H", endpoint: "jobs")
        activity.handlerSucceeded(envelope, handler: "H", endpoint: "jobs")

        var history = activity.history(of: "jobs")
        #expect(history.count == EndpointActivity.retainedMinutes)
        #expect(history.last == EndpointActivity.Counts(handled: 2, failed: 0, deadLettered: 0))
        #expect(history[history.count - 2] == EndpointActivity.Counts(handled: 1, failed: 1, deadLettered: 0))
        #expect(activity.total(of: "jobs") == EndpointActivity.Counts(handled: 3, failed: 1, deadLettered: 0))
        #expect(activity.history(of: "other").allSatisfy { $0 == EndpointActivity.Counts() })

        // An hour later the first minutes have scrolled out; the totals stay.
        clock.advance(minutes: 60)
        activity.handlerFailed(envelope, handler: "H", endpoint: "jobs", error: Boom(), attempt: 1, willRetry: false)
        history = activity.history(of: "jobs")
        #expect(history.reduce(0) { $0 + $1.handled } == 0)
        #expect(history.last?.failed == 1)
        #expect(activity.total(of: "jobs") == EndpointActivity.Counts(handled: 3, failed: 2, deadLettered: 0))
    }

    @Test("activity counts stay exact under concurrent observers")
    func activityUnderContention() async {
        let activity = EndpointActivity()
        let envelope = pingEnvelope()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for _ in 0..<2_000 {
                        activity.handlerSucceeded(envelope, handler: "H", endpoint: "e\(task % 2)")
                    }
                }
            }
        }
        #expect(activity.total(of: "e0").handled == 8_000)
        #expect(activity.total(of: "e1").handled == 8_000)
    }
}

struct Ping: IEvent, Codable {}

func pingEnvelope() -> MessageEnvelope {
    let id = UUID()
    return MessageEnvelope(messageId: id, correlationId: id, causationId: id, messageType: "Ping", timestamp: Date(), payload: Ping())
}
struct Boom: Error {}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: LockedDate
    init(_ start: Date) { current = LockedDate(start) }
    var now: Date { current.value }
    func advance(minutes: Int) { current.add(TimeInterval(minutes * 60)) }
}

/// A date behind a lock, for ``TestClock``.
final class LockedDate: @unchecked Sendable {
    // @unchecked: `date` is read and written only while `lock` is held.
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    var value: Date { lock.withLock { date } }
    func add(_ interval: TimeInterval) { lock.withLock { date += interval } }
}
#endif
