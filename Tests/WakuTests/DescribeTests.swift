import Foundation
import Testing
import Waku

// `app.describe(format:)`: one model of modules, imports, exports and providers, rendered as
// Mermaid and Graphviz DOT, deterministically and with every name escaped.

// MARK: Fixture

protocol PicPlugin: Sendable {}
struct PicAudit: PicPlugin {}
protocol PicCache: Sendable {}
struct PicMemoryCache: PicCache {}
final class PicDatabase: Sendable {}
struct PicBox<Value: Sendable>: Sendable { let value: Value }
struct PicRepository: Sendable { let database: PicDatabase }
struct PicFeatureFlag: Sendable { let on: Bool }
struct PicEnabled: Sendable {}
struct PicDisabled: Sendable {}

struct PicDatabaseModule: Module {
    var providers: [Provider] { [singleton(PicDatabase.init), object(PicMemoryCache(), as: (any PicCache).self)] }
    var exports: [Export] { [.type(PicDatabase.self), .type((any PicCache).self)] }
}

struct PicSharedModule: Module {
    var isGlobal: Bool { true }
    var providers: [Provider] {
        [
            object(PicBox(value: 1)),
            many((any PicPlugin).self, { PicAudit() }),
            transient(PicEnabled.init, when: .flag(true, "enabled")),
            transient(PicDisabled.init, when: .flag(false, "disabled")),
        ]
    }
    var exports: [Export] { [.type(PicBox<Int>.self)] }
}

struct PicUsersModule: Module {
    var imports: [any Module] { [PicDatabaseModule()] }
    var providers: [Provider] { [scoped(PicRepository.init)] }
    var exports: [Export] { [.type(PicRepository.self), .module(PicDatabaseModule.self)] }
}

struct PicConfigModule: Module {
    static func register(flag: Bool) -> DynamicModule {
        DynamicModule(
            PicConfigModule(), configuration: flag, providers: [object(PicFeatureFlag(on: flag))],
            exports: [.type(PicFeatureFlag.self)])
    }
}

struct PicRoot: Module {
    var imports: [any Module] { [PicSharedModule(), PicUsersModule(), PicConfigModule.register(flag: true)] }
    var providers: [Provider] { [.requirement("framework bookkeeping", dependencies: [])] }
}

/// An app-level contributor: adds one flow per route style.
struct PicJobs: ApplicationDescriptionContributor {
    func contribute(to description: inout ApplicationDescription, app: WakuApplication) {
        description.flows.append(ApplicationDescription.Flow(name: "NightlyReport", kind: "job", handlers: [
            .init(handler: "ReportJob", module: "PicUsersModule", route: .inline),
            .init(handler: "ArchiveJob", module: "PicUsersModule", route: .endpoint("batch", kind: "local queue", style: .queued)),
            .init(handler: "LedgerJob", module: "PicRoot", route: .endpoint("ledger", kind: "durable", style: .durable)),
        ]))
        description.flows.append(ApplicationDescription.Flow(name: "WeeklyReport", kind: "job", handlers: [
            .init(handler: "ReportJob", module: "PicUsersModule", route: .inline)
        ]))
    }
}

private func makeApp(contributors: [any ApplicationExtension] = []) async throws -> WakuApplication {
    try await WakuFactory(PicRoot(), extensions: contributors).create()
}

private func splitLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
}

// MARK: Tests

@Suite struct DescribeTests {
    @Test func modelListsModulesImportsExportsAndProviders() async throws {
        let app = try await makeApp()
        let description = app.describe()

        // Start-up order: dependencies first, the root last.
        #expect(description.modules.map(\.name) == ["PicSharedModule", "PicDatabaseModule", "PicUsersModule", "PicConfigModule", "PicRoot"])
        let shared = description.modules[0], database = description.modules[1], users = description.modules[2]
        let config = description.modules[3], root = description.modules[4]

        #expect(shared.isGlobal && root.isGlobal)
        #expect(!database.isGlobal && !users.isGlobal && !config.isGlobal)
        #expect(config.isDynamic && !users.isDynamic)
        #expect(root.imports == ["PicSharedModule", "PicUsersModule", "PicConfigModule"])
        #expect(users.imports == ["PicDatabaseModule"])
        #expect(users.exports == [.init(name: "PicRepository"), .init(name: "PicDatabaseModule", isModule: true)])
        #expect(database.exports.map(\.description) == ["PicDatabase", "PicCache"])
        #expect(database.providers == [
            .init(type: "PicDatabase", lifetime: .singleton),
            .init(type: "PicCache", lifetime: .object),
        ])
        #expect(users.providers.map(\.description) == ["scoped PicRepository"])
        #expect(shared.providers.map(\.description) == [
            "object PicBox<Int>", "scoped Array<PicPlugin> += PicPlugin", "transient PicEnabled", "transient PicDisabled",
        ])
        #expect(shared.providers.map(\.isActive) == [true, true, true, false])
        #expect(shared.providers[2].condition == "enabled")
        #expect(config.providers.map(\.description) == ["object PicFeatureFlag"])
        // The framework's requirement anchors are bookkeeping, not part of the picture.
        #expect(root.providers.isEmpty)
        #expect(description.flows.isEmpty)
    }

    @Test func dotDrawsModuleTablesAndImportEdges() async throws {
        let dot = try await makeApp().describe(format: .dot)
        let lines = splitLines(dot)

        #expect(lines.contains("digraph waku {"))
        #expect(lines.last(where: { !$0.isEmpty }) == "}")
        // Importer -> imported; a whole-module re-export is bold.
        #expect(lines.contains("m2 -> m1 [label=\"imports, re-exports\", style=bold];"))
        #expect(lines.contains("m4 -> m0 [label=\"imports\"];"))
        #expect(lines.contains("m4 -> m2 [label=\"imports\"];"))
        #expect(lines.contains("m4 -> m3 [label=\"imports\"];"))
        #expect(lines.filter { $0.contains(" -> ") }.count == 4)

        let database = try #require(lines.first { $0.hasPrefix("m1 [") })
        #expect(database.hasPrefix("m1 [shape=plain, label=<<TABLE "))
        #expect(database.contains("<B>PicDatabaseModule</B>"))
        #expect(database.contains("<FONT COLOR=\"#666666\">object</FONT></TD><TD ALIGN=\"LEFT\">PicCache</TD>"))
        #expect(database.contains("<FONT COLOR=\"#666666\">exports</FONT></TD><TD ALIGN=\"LEFT\">PicDatabase</TD>"))
        #expect(database.contains("<TD ALIGN=\"LEFT\"></TD><TD ALIGN=\"LEFT\">PicCache</TD>"))
        #expect(!database.contains("global"))

        let shared = try #require(lines.first { $0.hasPrefix("m0 [") })
        #expect(shared.contains("<I>global</I>"))
        #expect(shared.contains(">object</FONT></TD><TD ALIGN=\"LEFT\">PicBox&lt;Int&gt;</TD>"))
        #expect(shared.contains(">scoped</FONT></TD><TD ALIGN=\"LEFT\">Array&lt;PicPlugin&gt; += PicPlugin</TD>"))
        #expect(shared.contains(">transient</FONT></TD><TD ALIGN=\"LEFT\">PicEnabled (when enabled)</TD>"))
        #expect(!shared.contains("PicDisabled"), "an inactive conditional provider is not drawn")

        let users = try #require(lines.first { $0.hasPrefix("m2 [") })
        #expect(users.contains(">scoped</FONT></TD><TD ALIGN=\"LEFT\">PicRepository</TD>"))
        #expect(users.contains("<TD ALIGN=\"LEFT\">module PicDatabaseModule</TD>"))

        let config = try #require(lines.first { $0.hasPrefix("m3 [") })
        #expect(config.contains("<I>dynamic</I>"))
        let root = try #require(lines.first { $0.hasPrefix("m4 [") })
        #expect(root.contains("<B>PicRoot</B>") && root.contains("<I>global</I>"))
        #expect(!dot.contains("requirement") && !dot.contains("bookkeeping"))
        #expect(!dot.contains("cluster_flows"), "no flows, no flow section")
    }

    @Test func mermaidDrawsTheSameModel() async throws {
        let mermaid = try await makeApp().describe(format: .mermaid)
        let lines = splitLines(mermaid)

        #expect(lines.contains("flowchart LR"))
        #expect(lines.contains("subgraph modules[\"Modules\"]"))
        #expect(lines.contains("m2 ==>|\"imports, re-exports\"| m1"))
        #expect(lines.contains("m4 -->|\"imports\"| m0"))
        #expect(lines.contains("m4 -->|\"imports\"| m3"))
        #expect(lines.contains(
            "m1[\"<b>PicDatabaseModule</b><br/>―――<br/>singleton PicDatabase<br/>object PicCache"
                + "<br/>―――<br/>exports: PicDatabase, PicCache\"]"))
        #expect(lines.contains(
            "m0[\"<b>PicSharedModule</b><br/><i>global</i><br/>―――<br/>object PicBox#lt;Int#gt;<br/>scoped Array#lt;PicPlugin#gt; += PicPlugin"
                + "<br/>transient PicEnabled (when enabled)<br/>―――<br/>exports: PicBox#lt;Int#gt;\"]"))
        #expect(lines.contains("m3[\"<b>PicConfigModule</b><br/><i>dynamic</i><br/>―――<br/>object PicFeatureFlag<br/>―――<br/>exports: PicFeatureFlag\"]"))
        #expect(lines.contains("m4[\"<b>PicRoot</b><br/><i>global</i>\"]"))
        #expect(lines.contains("class m1,m2,m3 module"))
        #expect(lines.contains("class m0,m4 global"))
        #expect(!mermaid.contains("PicDisabled") && !mermaid.contains("requirement"))
        #expect(!mermaid.contains("subgraph flows"))
    }

    @Test func outputIsDeterministic() async throws {
        let first = try await makeApp(contributors: [PicJobs()])
        let second = try await makeApp(contributors: [PicJobs()])
        for format in DescriptionFormat.allCases {
            let text = first.describe(format: format)
            #expect(text == first.describe(format: format))
            #expect(text == second.describe(format: format))
            #expect(text == first.describe().rendered(as: format))
        }
        #expect(first.describe() == second.describe())
    }

    @Test func contributorsAddFlowsDrawnByRouteStyle() async throws {
        let app = try await makeApp(contributors: [PicJobs()])
        #expect(app.describe().flows.map(\.name) == ["NightlyReport", "WeeklyReport"])

        let dot = splitLines(app.describe(format: .dot))
        #expect(dot.contains("f0 [shape=cds, style=filled, fillcolor=\"#fff2cc\", color=\"#b58900\", label=\"NightlyReport\\njob\"];"))
        #expect(dot.contains("h0 [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f5e9\", color=\"#2e7d32\", label=\"ReportJob\\nin PicUsersModule\"];"))
        #expect(dot.contains("f0 -> h0 [label=\"inline\"];"))
        #expect(dot.contains("f0 -> h1 [label=\"batch (local queue)\", style=dashed, color=\"#1565c0\", fontcolor=\"#1565c0\"];"))
        #expect(dot.contains("f0 -> h2 [label=\"ledger (durable)\", style=bold, penwidth=2, color=\"#c62828\", fontcolor=\"#c62828\"];"))
        // One node per (handler, module): WeeklyReport reuses ReportJob's node.
        #expect(dot.contains("f1 -> h0 [label=\"inline\"];"))
        #expect(!dot.contains(where: { $0.hasPrefix("h3 [") }))

        let mermaid = splitLines(app.describe(format: .mermaid))
        #expect(mermaid.contains("subgraph flows[\"Message flow\"]"))
        #expect(mermaid.contains("f0[/\"NightlyReport<br/><i>job</i>\"/]"))
        #expect(mermaid.contains("h2(\"LedgerJob<br/><i>in PicRoot</i>\")"))
        #expect(mermaid.contains("f0 -->|\"inline\"| h0"))
        #expect(mermaid.contains("f0 -.->|\"batch (local queue)\"| h1"))
        #expect(mermaid.contains("f0 ==>|\"ledger (durable)\"| h2"))
        #expect(mermaid.contains("f1 -->|\"inline\"| h0"))
        #expect(mermaid.contains("class f0,f1 message"))
        #expect(mermaid.contains("class h0,h1,h2 handler"))
    }

    @Test func namesAreEscapedInBothFormats() {
        let hostile = ApplicationDescription(
            modules: [
                .init(name: "A<B>&\"C\"", isGlobal: true, exports: [.init(name: "[any Plugin]")],
                      providers: [.init(type: "Box<any P & Q>", lifetime: .scoped, implementation: "Impl\\n#1")]),
                .init(name: "Plain", imports: ["A<B>&\"C\""]),
            ],
            flows: [
                .init(name: "Quote\"Event\\l", kind: "event|kind", handlers: [
                    .init(handler: "H`ash#1", module: "A<B>&\"C\"", route: .endpoint("q\"1", kind: "local queue", style: .queued))
                ])
            ])

        let dot = hostile.rendered(as: .dot)
        let dotLines = splitLines(dot)
        #expect(dot.contains("<B>A&lt;B&gt;&amp;&quot;C&quot;</B>"))
        #expect(dot.contains("<TD ALIGN=\"LEFT\">Box&lt;any P &amp; Q&gt; → Impl\\n#1</TD>"))
        #expect(dot.contains("<TD ALIGN=\"LEFT\">[any Plugin]</TD>"))
        #expect(dotLines.contains("m1 -> m0 [label=\"imports\"];"))
        #expect(dot.contains("label=\"Quote\\\"Event\\\\l\\nevent|kind\""))
        #expect(dot.contains("label=\"H`ash#1\\nin A<B>&\\\"C\\\"\""))
        #expect(dotLines.contains("f0 -> h0 [label=\"q\\\"1 (local queue)\", style=dashed, color=\"#1565c0\", fontcolor=\"#1565c0\"];"))
        #expect(!dot.contains("A<B>&\"C\""), "no raw quote ends a DOT string early")

        let mermaid = hostile.rendered(as: .mermaid)
        let mermaidLines = splitLines(mermaid)
        #expect(mermaid.contains("<b>A#lt;B#gt;#amp;#quot;C#quot;</b>"))
        #expect(mermaid.contains("scoped Box#lt;any P #amp; Q#gt; → Impl\\n#35;1"))
        #expect(mermaid.contains("exports: [any Plugin]"))
        #expect(mermaidLines.contains("f0[/\"Quote#quot;Event\\l<br/><i>event#124;kind</i>\"/]"))
        #expect(mermaidLines.contains("h0(\"H#96;ash#35;1<br/><i>in A#lt;B#gt;#amp;#quot;C#quot;</i>\")"))
        #expect(mermaidLines.contains("f0 -.->|\"q#quot;1 (local queue)\"| h0"))
        #expect(!mermaid.contains("A<B>"))
        // Every quoted Mermaid label closes on the line it opens: an even number of quotes.
        for line in mermaidLines {
            #expect(line.filter { $0 == "\"" }.count % 2 == 0, "unbalanced quotes in \(line)")
        }
    }
}
