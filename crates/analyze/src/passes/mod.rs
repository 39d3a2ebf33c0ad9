//! One module per pass; see the crate docs for the order.
pub mod binaries;
pub mod concurrency;
pub mod esr;
pub mod exception;
pub mod fault;
pub mod headline;
pub mod known_issues;
pub mod registers;
pub mod stack;
pub mod termination;
pub mod threads;
pub mod timeline;
pub mod verdict;
