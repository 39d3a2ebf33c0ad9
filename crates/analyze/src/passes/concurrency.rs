//! Stub.

use crate::Context;
use crashlens_model::Analysis;

pub fn run(_cx: &Context, _a: &mut Analysis) {}
