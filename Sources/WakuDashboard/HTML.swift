#if Hummingbird
import Foundation

/// Builds the dashboard's HTML. Every value that comes from the application or the request
/// (payloads, errors, names, filters) goes through ``escape(_:)``: a payload is user data.
enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, safe in text and in quoted
    /// attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// `parameters` as a query string, each name and value percent-encoded.
    static func query(_ parameters: [(name: String, value: String)]) -> String {
        guard !parameters.isEmpty else { return "" }
        return "?" + parameters.map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }.joined(separator: "&")
    }

    /// Hidden form fields carrying `parameters`.
    static func hiddenFields(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { "<input type=\"hidden\" name=\"\(escape($0.name))\" value=\"\(escape($0.value))\">" }.joined()
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A whole page: the title, the navigation (`current` is highlighted), an optional notice,
    /// and `body`. Styles are inline, and nothing is loaded from anywhere, so the page works
    /// offline. `refresh` reloads the page every that many seconds.
    static func page(title: String, base: String, current: String, notice: String? = nil, refresh: Int? = nil, body: String) -> String {
        let links = [("Endpoints", ""), ("Dead letters", "/dead-letters"), ("Application", "/application")]
        let navigation = links.map { name, path in
            let selected = name == current ? " aria-current=\"page\"" : ""
            return "<a href=\"\(escape(base + path))\"\(selected)>\(name)</a>"
        }.joined(separator: "\n")
        let reload = refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        let banner = notice.map { "<p class=\"notice\" role=\"status\">\(escape($0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(reload)
            <title>\(escape(title)) · Waku</title>
            <style>\(style)</style>
            </head>
            <body>
            <header><strong>Waku</strong><nav>\(navigation)</nav></header>
            <main>
            <h1>\(escape(title))</h1>
            \(banner)
            \(body)
            </main>
            </body>
            </html>
            """
    }

    private static let style = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { display: flex; gap: 2em; align-items: center; padding: .7em 1.5em; background: #1d2330; color: #fff; }
        header nav a { color: #c9d3e6; margin-right: 1.2em; text-decoration: none; }
        header nav a[aria-current] { color: #fff; border-bottom: 2px solid #6ea8fe; }
        main { padding: 1em 1.5em 3em; }
        h1 { font-size: 1.35em; margin: .3em 0 .8em; }
        h2 { font-size: 1.1em; margin: 1.5em 0 .5em; }
        table { border-collapse: collapse; background: #fff; width: 100%; }
        th, td { text-align: left; padding: .4em .7em; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        pre { background: #fff; border: 1px solid #e3e6eb; padding: .8em; overflow: auto; white-space: pre-wrap; word-break: break-word; }
        .notice { background: #e7f1ff; border: 1px solid #b6d4fe; padding: .5em .8em; }
        .problem { color: #a4262c; }
        .muted { color: #69707d; }
        form.filter { display: flex; flex-wrap: wrap; gap: .6em; align-items: end; margin-bottom: 1em; }
        form.filter label { display: flex; flex-direction: column; font-size: .85em; color: #4a5160; }
        input, button { font: inherit; padding: .3em .5em; }
        button.danger { background: #a4262c; color: #fff; border: 1px solid #7d1d22; }
        .actions { display: flex; gap: .8em; margin: 1em 0; }
        .card { background: #fff; border: 1px solid #e3e6eb; padding: .7em 1em; margin-bottom: .8em; }
        svg.history rect.handled { fill: #2f9e62; }
        svg.history rect.failed { fill: #d9534f; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1em; }
        dt { color: #4a5160; }
        dd { margin: 0; }
        """
}
#endif
