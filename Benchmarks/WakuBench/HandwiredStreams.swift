/// The hand-wired queue of the `handwired.queue.*` baselines: `concurrency` unbounded
/// `AsyncStream`s fed round robin, one consumer task each running `consume` per element.
final class HandwiredStreams<Element: Sendable> {
    private var inputs: [AsyncStream<Element>.Continuation] = []
    private var workers: [Task<Void, Never>] = []

    init(concurrency: Int, consume: @escaping @Sendable (Element) async -> Void) {
        for _ in 0 ..< concurrency {
            let (stream, input) = AsyncStream.makeStream(of: Element.self)
            inputs.append(input)
            workers.append(Task {
                for await element in stream { await consume(element) }
            })
        }
    }

    /// Hands `element` to stream `index % concurrency`.
    func yield(_ element: Element, at index: Int) {
        inputs[index % inputs.count].yield(element)
    }

    /// Runs `body`, then ends the streams and waits for the consumers to finish what was queued.
    /// When `body` throws, the streams are ended without waiting (a consumer may be parked).
    func drive<R>(_ body: () async throws -> R) async throws -> R {
        let result: R
        do {
            result = try await body()
        } catch {
            for input in inputs { input.finish() }
            throw error
        }
        for input in inputs { input.finish() }
        for worker in workers { await worker.value }
        return result
    }
}
