//! What a move does to a struct that points into itself: the pointer
//! keeps the old address. Only addresses are compared; nothing is read
//! through the stale pointer. Usage: `self-ref`.

use ch09_futures::self_ref::SelfRef;

fn yes_no(answer: bool) -> &'static str {
    if answer { "yes" } else { "no" }
}

// ANCHOR: main
fn main() {
    let mut value = SelfRef::new(*b"ping");
    value.point_at_data();
    let before = value.data_address();
    println!(
        "before the move: view points at data: {}",
        yes_no(value.view_address() == value.data_address())
    );

    // Moving it into a Box copies its bytes to the heap, `view` included.
    let moved = Box::new(value);
    println!(
        "after the move: data is somewhere else: {}",
        yes_no(moved.data_address() != before)
    );
    println!(
        "after the move: view points at data: {}",
        yes_no(moved.view_address() == moved.data_address())
    );
    println!(
        "after the move: view points where data was: {}",
        yes_no(moved.view_address() == before)
    );
}
// ANCHOR_END: main
