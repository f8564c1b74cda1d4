//! The kernel's side of the contract: the structures and numbers of
//! `<linux/io_uring.h>` that this chapter uses, written out by hand.
//!
//! Nothing here is generated. Every structure is `#[repr(C)]`, and the
//! `const` blocks below check its size and the offset of every field
//! against the kernel's ABI at compile time: a field in the wrong place
//! fails the build instead of corrupting a request.

use std::mem::{offset_of, size_of};

// ANCHOR: params
/// Where each field of the submission ring lives, as byte offsets from the
/// start of its mapping (`struct io_sqring_offsets`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SqringOffsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub flags: u32,
    pub dropped: u32,
    pub array: u32,
    pub resv1: u32,
    pub user_addr: u64,
}

/// The same for the completion ring (`struct io_cqring_offsets`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CqringOffsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub overflow: u32,
    pub cqes: u32,
    pub flags: u32,
    pub resv1: u32,
    pub user_addr: u64,
}

/// What `io_uring_setup` reads (sizes, flags) and fills in (features,
/// offsets): `struct io_uring_params`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Params {
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub flags: u32,
    pub sq_thread_cpu: u32,
    pub sq_thread_idle: u32,
    pub features: u32,
    pub wq_fd: u32,
    pub resv: [u32; 3],
    pub sq_off: SqringOffsets,
    pub cq_off: CqringOffsets,
}

const _: () = {
    assert!(size_of::<SqringOffsets>() == 40);
    assert!(offset_of!(SqringOffsets, array) == 24);
    assert!(offset_of!(SqringOffsets, user_addr) == 32);
    assert!(size_of::<CqringOffsets>() == 40);
    assert!(offset_of!(CqringOffsets, overflow) == 16);
    assert!(offset_of!(CqringOffsets, cqes) == 20);
    assert!(offset_of!(CqringOffsets, user_addr) == 32);
    assert!(size_of::<Params>() == 120);
    assert!(offset_of!(Params, features) == 20);
    assert!(offset_of!(Params, sq_off) == 40);
    assert!(offset_of!(Params, cq_off) == 80);
};
// ANCHOR_END: params

// ANCHOR: sqe
/// One request: a submission queue entry (`struct io_uring_sqe`), 64
/// bytes. The kernel's version is a tower of unions; this one names each
/// slot after its use in this chapter and says what else it holds.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Sqe {
    /// What to do: one of the `OP_*` numbers.
    pub opcode: u8,
    /// `IOSQE_*` flags: links, buffer selection.
    pub flags: u8,
    /// For accept, recv and send: their own flags (multishot and so on).
    pub ioprio: u16,
    pub fd: i32,
    /// A file offset; for a cancel nothing; for a timeout a count.
    pub off: u64,
    /// The buffer's address; for a cancel, the `user_data` to cancel.
    pub addr: u64,
    /// The buffer's length in bytes.
    pub len: u32,
    /// The operation's flags: `msg_flags` for recv and send,
    /// `accept_flags`, `cancel_flags`, `timeout_flags`.
    pub op_flags: u32,
    /// Any 64 bits: the kernel copies them into this request's completion.
    pub user_data: u64,
    /// A registered buffer's index, or a provided-buffer group.
    pub buf_index: u16,
    pub personality: u16,
    pub file_index: u32,
    pub addr3: u64,
    pub pad: u64,
}

/// One result: a completion queue entry (`struct io_uring_cqe`), 16 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cqe {
    /// The `user_data` of the request this completes.
    pub user_data: u64,
    /// What the system call would have returned, or `-errno`.
    pub res: i32,
    /// `CQE_F_*`: more to come, which provided buffer was used.
    pub flags: u32,
}

const _: () = {
    assert!(size_of::<Sqe>() == 64);
    assert!(offset_of!(Sqe, opcode) == 0);
    assert!(offset_of!(Sqe, flags) == 1);
    assert!(offset_of!(Sqe, ioprio) == 2);
    assert!(offset_of!(Sqe, fd) == 4);
    assert!(offset_of!(Sqe, off) == 8);
    assert!(offset_of!(Sqe, addr) == 16);
    assert!(offset_of!(Sqe, len) == 24);
    assert!(offset_of!(Sqe, op_flags) == 28);
    assert!(offset_of!(Sqe, user_data) == 32);
    assert!(offset_of!(Sqe, buf_index) == 40);
    assert!(offset_of!(Sqe, personality) == 42);
    assert!(offset_of!(Sqe, file_index) == 44);
    assert!(offset_of!(Sqe, addr3) == 48);
    assert!(size_of::<Cqe>() == 16);
    assert!(offset_of!(Cqe, res) == 8);
    assert!(offset_of!(Cqe, flags) == 12);
};
// ANCHOR_END: sqe

/// `struct __kernel_timespec`, which a timeout request points to.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

const _: () = assert!(size_of::<Timespec>() == 16);

/// The head of `struct io_uring_probe`, which `IORING_REGISTER_PROBE`
/// fills, followed in memory by `ops_len` [`ProbeOp`]s.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Probe {
    pub last_op: u8,
    pub ops_len: u8,
    pub resv: u16,
    pub resv2: [u32; 3],
}

/// `struct io_uring_probe_op`: one opcode, and whether it is supported.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ProbeOp {
    pub op: u8,
    pub resv: u8,
    pub flags: u16,
    pub resv2: u32,
}

const _: () = {
    assert!(size_of::<Probe>() == 16);
    assert!(size_of::<ProbeOp>() == 8);
    assert!(offset_of!(ProbeOp, flags) == 2);
};

/// One entry of a provided-buffer ring (`struct io_uring_buf`). The ring's
/// tail overlays the `resv` field of its first entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BufRingEntry {
    pub addr: u64,
    pub len: u32,
    pub bid: u16,
    pub resv: u16,
}

/// The argument of `IORING_REGISTER_PBUF_RING` (`struct io_uring_buf_reg`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BufReg {
    pub ring_addr: u64,
    pub ring_entries: u32,
    pub bgid: u16,
    pub flags: u16,
    pub resv: [u64; 3],
}

const _: () = {
    assert!(size_of::<BufRingEntry>() == 16);
    assert!(offset_of!(BufRingEntry, resv) == 14);
    assert!(size_of::<BufReg>() == 40);
    assert!(offset_of!(BufReg, bgid) == 12);
};

// ANCHOR: numbers
// Opcodes (`enum io_uring_op`): the position in the kernel's list is the
// number, so these are fixed forever.
pub const OP_NOP: u8 = 0;
pub const OP_TIMEOUT: u8 = 11;
pub const OP_ACCEPT: u8 = 13;
pub const OP_ASYNC_CANCEL: u8 = 14;
pub const OP_READ: u8 = 22;
pub const OP_SEND: u8 = 26;
pub const OP_RECV: u8 = 27;

// `Sqe::flags`.
/// The next SQE starts only after this one succeeded.
pub const IOSQE_IO_LINK: u8 = 1 << 2;
/// Let the kernel pick a buffer from the group in `buf_index`.
pub const IOSQE_BUFFER_SELECT: u8 = 1 << 5;

// `Params::flags`.
/// `cq_entries` is set by the caller.
pub const SETUP_CQSIZE: u32 = 1 << 3;

// `Params::features`, set by the kernel.
/// One `mmap` serves both rings.
pub const FEAT_SINGLE_MMAP: u32 = 1 << 0;
/// Completions that find the ring full wait in the kernel, not lost.
pub const FEAT_NODROP: u32 = 1 << 1;
/// A socket operation that would block waits for readiness inside the
/// kernel instead of occupying a worker thread.
pub const FEAT_FAST_POLL: u32 = 1 << 5;

/// `io_uring_enter`: wait for `min_complete` completions.
pub const ENTER_GETEVENTS: u32 = 1 << 0;

/// The submission ring's flags word: completions are waiting in the
/// kernel because the completion ring was full.
pub const SQ_CQ_OVERFLOW: u32 = 1 << 1;

// `Cqe::flags`.
/// The upper 16 bits hold the id of the provided buffer that was used.
pub const CQE_F_BUFFER: u32 = 1 << 0;
pub const CQE_BUFFER_SHIFT: u32 = 16;

// `mmap` offsets that select what to map.
pub const OFF_SQ_RING: i64 = 0;
pub const OFF_CQ_RING: i64 = 0x800_0000;
pub const OFF_SQES: i64 = 0x1000_0000;

// `io_uring_register` opcodes.
pub const REGISTER_PROBE: u32 = 8;
pub const REGISTER_PBUF_RING: u32 = 22;
pub const UNREGISTER_PBUF_RING: u32 = 23;
/// In [`ProbeOp::flags`]: this kernel knows the opcode.
pub const OP_SUPPORTED: u16 = 1 << 0;
// ANCHOR_END: numbers
