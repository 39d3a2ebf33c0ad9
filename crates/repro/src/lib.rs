//! crashlens-repro
