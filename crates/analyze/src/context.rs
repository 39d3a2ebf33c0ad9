//! What every pass can see: the report and the knowledge tables.

use crashlens_model::CrashReport;

pub struct Context<'a> {
    pub report: &'a CrashReport,
}

impl<'a> Context<'a> {
    pub fn new(report: &'a CrashReport) -> Self {
        Context { report }
    }
}
