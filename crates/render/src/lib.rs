//! crashlens-render
