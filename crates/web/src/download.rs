//! Files that the API and the desktop both hand out. Each holds customer data or the audit
//! log, so no cache keeps it.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `csv` as a download named `filename`, which no cache keeps.
pub fn csv_file(filename: &str, csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        csv,
    )
        .into_response()
}

/// An approved statement file. `id` is the export's, already found by the store, so it is
/// safe in the header.
pub fn statement_file(id: &str, csv: String) -> Response {
    csv_file(&format!("statement-{id}.csv"), csv)
}
