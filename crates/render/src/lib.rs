//! crashlens-render: turns a [`CrashReport`] and its [`Analysis`] into output.
//!
//! - [`markdown::render`]: a report fit to paste into a bug tracker, in the
//!   order and tone of `shared/docs/report-example.md`. Every section is left
//!   out when its data is absent; tables are never printed empty.
//! - [`json::render`] / [`json::render_string`]: one JSON document per report,
//!   `{"schema_version", "crashlens_version", "report", "analysis"}`, using the
//!   model's own serde (addresses are hex strings). `docs/json-schema.md`
//!   documents every field.
//!
//! Renderers only read the model; they never interpret beyond formatting.

pub mod json;
pub mod markdown;
mod table;
mod text;

pub use crashlens_model::{Analysis, CrashReport};
