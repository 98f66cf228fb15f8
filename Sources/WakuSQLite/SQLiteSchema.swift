#if SQLite
/// The durable schema and its migrations. Each migration runs once; the applied version is
/// recorded in `waku_schema_version`.
enum SQLiteSchema {
    static let migrations: [[String]] = [
        // Version 1: deliveries, unique per (message id, handler) for deduplication.
        [
            """
            CREATE TABLE IF NOT EXISTS waku_deliveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id TEXT NOT NULL,
                handler TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                message_type TEXT NOT NULL,
                correlation_id TEXT NOT NULL,
                causation_id TEXT NOT NULL,
                payload TEXT NOT NULL,
                headers TEXT NOT NULL,
                timestamp REAL NOT NULL,
                group_id TEXT,
                available_at REAL NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                status INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_until REAL,
                last_error TEXT,
                created_at REAL NOT NULL,
                finished_at REAL,
                UNIQUE (message_id, handler)
            )
            """,
            // Claims scan pending rows of one endpoint in id order: this keeps them indexed however
            // many rows are pending or handled.
            "CREATE INDEX IF NOT EXISTS waku_deliveries_pending ON waku_deliveries (endpoint, id) WHERE status = 0",
            "CREATE INDEX IF NOT EXISTS waku_deliveries_groups ON waku_deliveries (endpoint, group_id, id) WHERE status = 0 AND group_id IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS waku_deliveries_dead ON waku_deliveries (endpoint, id) WHERE status = 2",
        ],
        // Version 2: claims carry a token (a finalize acts only on its own claim), attempts are
        // timed for operators, and ungrouped rows get an index of their own so a claim never
        // walks past pending grouped rows.
        [
            "ALTER TABLE waku_deliveries ADD COLUMN claim_token TEXT",
            "ALTER TABLE waku_deliveries ADD COLUMN claimed_at REAL",
            "ALTER TABLE waku_deliveries ADD COLUMN first_claimed_at REAL",
            "CREATE INDEX IF NOT EXISTS waku_deliveries_ungrouped ON waku_deliveries (endpoint, id) WHERE status = 0 AND group_id IS NULL",
            "CREATE INDEX IF NOT EXISTS waku_deliveries_claims ON waku_deliveries (claim_token) WHERE status = 0 AND claim_token IS NOT NULL",
        ],
    ]

    static var version: Int { migrations.count }
}
#endif
