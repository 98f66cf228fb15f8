import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory the process holds, for the `queue.memory.*` scenarios.
enum ProcessMemory {
    /// Bytes the allocator has handed out and not had back (all threads' arenas), or `nil` where
    /// it cannot be read. Byte-exact, unlike the resident set, and unaffected by freed memory the
    /// allocator keeps for reuse.
    ///
    /// glibc: `malloc_info` (every arena; `mallinfo2` would report the main arena only):
    /// in use = arena memory obtained from the system − free chunks (fast bins, other bins and
    /// top) + memory in mmapped chunks. Darwin: `malloc_zone_statistics` over all zones.
    static func allocatedBytes() -> Int? {
        #if canImport(Glibc)
        return GlibcMallocInfo.inUse()
        #elseif canImport(Darwin)
        var statistics = malloc_statistics_t()
        malloc_zone_statistics(nil, &statistics)
        return Int(statistics.size_in_use)
        #else
        return nil
        #endif
    }

    /// The resident set size from `/proc/self/statm` (Linux); `nil` elsewhere.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

#if canImport(Glibc)
/// `malloc_info(0, FILE *)` is declared in `<malloc.h>`, which the Glibc module does not
/// import; it is looked up at run time instead.
enum GlibcMallocInfo {
    private typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32

    private static let function: MallocInfo? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_info") else { return nil }
        return unsafeBitCast(symbol, to: MallocInfo.self)
    }()

    static func inUse() -> Int? {
        guard let xml = report() else { return nil }
        // The process-wide totals follow the last `</heap>`.
        guard let tail = xml.range(of: "</heap>", options: .backwards).map({ xml[$0.upperBound...] }) else { return nil }
        guard let fast = attribute(in: tail, tag: "<total type=\"fast\""),
              let rest = attribute(in: tail, tag: "<total type=\"rest\""),
              let system = attribute(in: tail, tag: "<system type=\"current\"")
        else { return nil }
        let mmapped = attribute(in: tail, tag: "<total type=\"mmap\"") ?? 0
        return system - fast - rest + mmapped
    }

    private static func report() -> String? {
        guard let function else { return nil }
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        let status = function(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard status == 0, let buffer else { return nil }
        return String(cString: buffer)
    }

    /// The `size="…"` of the first element starting with `tag`.
    private static func attribute(in text: Substring, tag: String) -> Int? {
        guard let element = text.range(of: tag) else { return nil }
        let rest = text[element.upperBound...]
        guard let end = rest.firstIndex(of: ">"), let size = rest[..<end].range(of: "size=\"") else { return nil }
        let digits = rest[size.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
#endif
