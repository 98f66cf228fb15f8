#if Hummingbird
import Atomics
import Waku
import WakuMessaging

/// Archive module: the one `OrderPlaced` handler routed to a background endpoint (the local queue
/// "archive"), so a request's trace also shows a routed delivery on its worker.
final class ArchiveOrder: EventHandler {
    private let archive: OrderArchive
    init(archive: OrderArchive) { self.archive = archive }

    func handle(_ event: OrderPlaced) async throws {
        archive.add(event.orderId)
    }
}

/// How many orders were archived.
final class OrderArchive: Sendable {
    private let archived = ManagedAtomic(0)
    func add(_ id: String) { archived.wrappingIncrement(ordering: .relaxed) }
    var count: Int { archived.load(ordering: .relaxed) }
}

struct ArchiveModule: Module {
    var providers: [Provider] { [singleton(OrderArchive.init)] }
    var exports: [Export] { [.type(OrderArchive.self)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, ArchiveOrder.init)] }
}
#endif
