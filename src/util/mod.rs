//! Low-level helpers the pipeline's stages share, each behind a plain
//! interface: memory hints, the allocator, byte scans, a word table, and
//! hints to the operating system. Every `unsafe` block of newsdex is here,
//! each with its SAFETY comment.

pub mod alloc;
pub mod bytes;
pub mod huge;
pub mod prefetch;
pub mod sys;
pub mod word_table;

pub use prefetch::prefetch;
