//! One module per pass; see the crate docs for the order.
pub mod exception;
pub mod termination;
pub mod fault;
pub mod registers;
pub mod esr;
pub mod stack;
pub mod binaries;
pub mod threads;
pub mod concurrency;
pub mod timeline;
pub mod known_issues;
pub mod verdict;
pub mod headline;
