//! A struct that points into itself, and what a move does to it.

// ANCHOR: self_ref
/// Holds some bytes and a pointer meant to point at them.
pub struct SelfRef {
    data: [u8; 4],
    /// Set by [`SelfRef::point_at_data`] to the address of `data`, in this
    /// very struct.
    view: *const [u8; 4],
}

impl SelfRef {
    pub fn new(data: [u8; 4]) -> SelfRef {
        SelfRef {
            data,
            view: std::ptr::null(),
        }
    }

    /// Makes `view` point at this struct's own `data`.
    pub fn point_at_data(&mut self) {
        self.view = &self.data;
    }

    /// Where `data` is now.
    pub fn data_address(&self) -> usize {
        (&raw const self.data).addr()
    }

    /// Where `view` points. Nothing here ever reads through it.
    pub fn view_address(&self) -> usize {
        self.view.addr()
    }
}
// ANCHOR_END: self_ref
