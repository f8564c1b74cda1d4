//! The chapter's exercises, with their solutions.
