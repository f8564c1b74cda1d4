//! The message each task waits for: its own task number, 8 bytes.

/// How many bytes one message has.
pub const LEN: usize = 8;

/// The message for task `task`.
pub fn encode(task: u64) -> [u8; LEN] {
    task.to_le_bytes()
}

/// The task number a message carries.
pub fn decode(message: [u8; LEN]) -> u64 {
    u64::from_le_bytes(message)
}
