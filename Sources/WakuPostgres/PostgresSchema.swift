#if Postgres
/// The store's tables and their migrations. Versions are recorded in `waku_schema_version`;
/// ``PostgresDurableStore/prepare()`` applies the missing ones under an advisory lock, so several
/// processes starting at once migrate exactly once.
struct PostgresSchema: Sendable {
    /// The PostgreSQL schema holding the tables; `nil` uses the connection's `search_path`.
    let name: String?

    /// The newest version this build knows.
    static var version: Int { migrations.count }

    /// Key of the advisory lock taken while migrating ("waku" in ASCII).
    static let migrationLock: Int64 = 0x7761_6B75

    /// `"schema".table`, or `table` without a schema.
    func table(_ table: String) -> String {
        guard let name else { return table }
        return "\"\(name)\".\(table)"
    }

    var deliveries: String { table("waku_deliveries") }
    var versions: String { table("waku_schema_version") }

    /// Statements that must run before the version table can be read.
    var bootstrap: [String] {
        var statements: [String] = []
        if let name { statements.append("CREATE SCHEMA IF NOT EXISTS \"\(name)\"") }
        statements.append(
            """
            CREATE TABLE IF NOT EXISTS \(versions) (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        return statements
    }

    /// Migration `n` (1-based) is `migrations[n - 1]`. Append new versions; never edit old ones.
    static var migrations: [(PostgresSchema) -> [String]] {
        [
            { schema in
                [
                    """
                    CREATE TABLE \(schema.deliveries) (
                        id bigserial PRIMARY KEY,
                        message_id uuid NOT NULL,
                        handler text NOT NULL,
                        endpoint text NOT NULL,
                        message_type text NOT NULL,
                        correlation_id uuid NOT NULL,
                        causation_id uuid NOT NULL,
                        payload bytea NOT NULL,
                        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
                        "timestamp" timestamptz NOT NULL,
                        group_id text NULL,
                        available_at timestamptz NOT NULL DEFAULT now(),
                        attempts integer NOT NULL DEFAULT 0,
                        status smallint NOT NULL DEFAULT 0,
                        lease_owner text NULL,
                        lease_until timestamptz NULL,
                        last_error text NULL,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        finished_at timestamptz NULL,
                        CONSTRAINT waku_deliveries_dedup UNIQUE (message_id, handler)
                    )
                    """,
                    // The claim walks this index in id order; it only holds pending rows, so its
                    // size follows the queue depth, not the history kept for deduplication.
                    "CREATE INDEX waku_deliveries_pending ON \(schema.deliveries) (endpoint, id) WHERE status = 0",
                    // The per-group FIFO guard (`NOT EXISTS` an older pending row of the group).
                    """
                    CREATE INDEX waku_deliveries_pending_group ON \(schema.deliveries) (endpoint, group_id, id)
                    WHERE status = 0 AND group_id IS NOT NULL
                    """,
                    "CREATE INDEX waku_deliveries_dead ON \(schema.deliveries) (endpoint, id) WHERE status = 2",
                ]
            },
            // Version 2: claims carry a token (a finalize acts only on its own claim), attempts
            // are timed for operators, and ungrouped rows get an index of their own so a claim
            // never walks past pending grouped rows.
            { schema in
                [
                    """
                    ALTER TABLE \(schema.deliveries)
                        ADD COLUMN claim_token uuid NULL,
                        ADD COLUMN claimed_at timestamptz NULL,
                        ADD COLUMN first_claimed_at timestamptz NULL
                    """,
                    "CREATE INDEX waku_deliveries_ungrouped ON \(schema.deliveries) (endpoint, id) WHERE status = 0 AND group_id IS NULL",
                    """
                    CREATE INDEX waku_deliveries_claims ON \(schema.deliveries) (claim_token)
                    WHERE status = 0 AND claim_token IS NOT NULL
                    """,
                ]
            },
        ]
    }

    /// Whether `name` can be used as a schema name as is: letters, digits and `_`, not starting
    /// with a digit, at most 63 bytes (PostgreSQL's identifier limit).
    static func isValidIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 63 else { return false }
        func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }
}

/// Delivery row states in `waku_deliveries.status`.
enum DeliveryStatus: Int16 {
    case pending = 0
    case handled = 1
    case dead = 2
}
#endif
