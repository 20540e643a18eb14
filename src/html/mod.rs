//! Consentry's own streaming HTML reading, pure (no I/O).
//!
//! [`scanner`] finds tags the way a browser's tokenizer does and reports the
//! ones a [`scanner::Handler`] asks for; [`edit`] turns decisions into byte
//! span edits on the stream. Every byte nobody edits passes through as it
//! came (long unchanged spans as shared slices of the input, not copies), so
//! a document with nothing to change comes back byte for byte whatever its
//! chunking.

#[cfg(test)]
mod conformance;
pub mod edit;
pub mod scanner;
