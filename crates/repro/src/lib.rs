//! crashlens-repro: run a command many times per configuration and measure
//! its crash rate honestly (issue 5, `crashlens repro`).
//!
//! | module | what |
//! |---|---|
//! | [`stats`] | Wilson interval, 3/N rule, runs needed, Fisher exact, Holm, Kaplan-Meier |

pub mod stats;
