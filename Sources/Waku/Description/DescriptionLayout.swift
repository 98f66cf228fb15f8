/// The nodes and edges both renderers draw, with stable ids derived from positions in the model,
/// never from names, so names need escaping only inside labels.
struct DescriptionLayout {
    struct ModuleNode {
        let id: String
        let module: ApplicationDescription.ModuleEntry
        /// Active providers only: an inactive conditional provider is not part of the running app.
        var providers: [ApplicationDescription.ProviderEntry] { module.providers.filter(\.isActive) }
        /// `global`, `dynamic`, or both, for the label.
        var tags: [String] {
            (module.isGlobal ? ["global"] : []) + (module.isDynamic ? ["dynamic"] : [])
        }
    }

    struct ImportEdge {
        let from: String
        let to: String
        /// The importer re-exports the imported module whole.
        let isReexport: Bool
        var label: String { isReexport ? "imports, re-exports" : "imports" }
    }

    struct FlowNode {
        let id: String
        let flow: ApplicationDescription.Flow
    }

    /// One node per (handler, module) pair, shared by every flow it handles.
    struct HandlerNode {
        let id: String
        let handler: String
        let module: String
    }

    struct FlowEdge {
        let from: String
        let to: String
        let route: ApplicationDescription.FlowRoute
    }

    private(set) var modules: [ModuleNode] = []
    private(set) var imports: [ImportEdge] = []
    private(set) var flows: [FlowNode] = []
    private(set) var handlers: [HandlerNode] = []
    private(set) var flowEdges: [FlowEdge] = []

    init(_ description: ApplicationDescription) {
        var moduleIDs: [String: String] = [:]
        for (index, module) in description.modules.enumerated() {
            let node = ModuleNode(id: "m\(index)", module: module)
            modules.append(node)
            if moduleIDs[module.name] == nil { moduleIDs[module.name] = node.id }
        }
        for node in modules {
            let reexported = Set(node.module.exports.filter(\.isModule).map(\.name))
            for name in node.module.imports {
                guard let target = moduleIDs[name] else { continue }
                imports.append(ImportEdge(from: node.id, to: target, isReexport: reexported.contains(name)))
            }
        }

        var handlerIDs: [HandlerKey: String] = [:]
        for (index, flow) in description.flows.enumerated() {
            let flowNode = FlowNode(id: "f\(index)", flow: flow)
            flows.append(flowNode)
            for handler in flow.handlers {
                let key = HandlerKey(handler: handler.handler, module: handler.module)
                let id: String
                if let existing = handlerIDs[key] {
                    id = existing
                } else {
                    id = "h\(handlers.count)"
                    handlerIDs[key] = id
                    handlers.append(HandlerNode(id: id, handler: handler.handler, module: handler.module))
                }
                flowEdges.append(FlowEdge(from: flowNode.id, to: id, route: handler.route))
            }
        }
    }

    private struct HandlerKey: Hashable {
        let handler: String
        let module: String
    }
}
