//! The book's pages as doctests.
//!
//! mdBook's markdown renderer writes every page of `chapters/` with its
//! `{{#include}}` and `{{#rustdoc_include}}` directives expanded, to
//! `book/markdown/` (`cargo xtask test` builds the book below the target
//! directory and names the folder in `$BOOK_MARKDOWN_DIR`). The build script
//! makes each expanded page the
//! documentation of one module below, so `cargo test --doc` compiles (and runs)
//! every Rust block exactly as the reader sees it, with the real dependencies
//! (`libc`, `futures-task`, the listing crates) from `[dev-dependencies]`.
//!
//! `cargo xtask test` builds the book first, then runs these doctests and
//! checks that their number is the number of Rust blocks on the pages.

include!(concat!(env!("OUT_DIR"), "/pages.rs"));
