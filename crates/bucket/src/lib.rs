//! crashlens-bucket
