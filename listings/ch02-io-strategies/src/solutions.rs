//! Solutions to the chapter's exercises.

pub mod epoll_loop;
pub mod two_messages;
