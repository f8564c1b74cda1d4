//! Solutions to the chapter's exercises. The main text uses none of them.

pub mod linked;
pub mod provided;
