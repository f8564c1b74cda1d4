//! The registration table without the kernel: slots named by index and
//! generation, pages that never move. These run under Miri too.

use std::sync::Arc;
use std::task::{Wake, Waker};

use ch15_runtime::reactor::readiness::READABLE;
use ch15_runtime::reactor::table::Table;
use ch15_runtime::reactor::{parts, token};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

#[test]
fn a_freed_slot_is_reused_under_the_next_generation() {
    let table = Table::new();
    let (a, slot) = table.insert().unwrap();
    let a_token = token(a, slot.readiness.load().generation);
    table.remove(a);
    let (b, slot) = table.insert().unwrap();
    let b_token = token(b, slot.readiness.load().generation);
    assert_eq!(a, b, "the slot is reused");
    assert_ne!(a_token, b_token, "under a new token");
    let (_, stale) = parts(a_token);
    assert!(
        slot.readiness.set(stale, READABLE).is_none(),
        "the old token is refused"
    );
    assert_eq!(table.len(), 1);
}

#[test]
fn slots_stay_where_they_are_while_the_table_grows() {
    let table = Table::new();
    let (first, slot) = table.insert().unwrap();
    let address = std::ptr::from_ref(slot);
    let count = if cfg!(miri) { 200 } else { 10_000 };
    for _ in 0..count {
        table.insert().unwrap();
    }
    assert!(std::ptr::eq(table.get(first).unwrap(), address));
    assert_eq!(table.len(), count + 1);
    // Indices run densely across the pages: 32, then 64, 128, ...
    for index in 0..=count as u32 {
        assert!(table.get(index).is_some());
    }
}

#[test]
fn removing_a_slot_drops_its_wakers() {
    let table = Table::new();
    let (index, slot) = table.insert().unwrap();
    let noop = Arc::new(Noop);
    slot.reader.register(&Waker::from(Arc::clone(&noop)));
    slot.writer.register(&Waker::from(Arc::clone(&noop)));
    assert_eq!(Arc::strong_count(&noop), 3);
    table.remove(index);
    assert_eq!(Arc::strong_count(&noop), 1);
    assert!(table.is_empty());
}

#[test]
fn lookups_from_another_thread_while_slots_come_and_go() {
    let table = Arc::new(Table::new());
    let rounds = if cfg!(miri) { 50 } else { 20_000 };
    let reader = {
        let table = Arc::clone(&table);
        std::thread::spawn(move || {
            // The reactor's side: look up whatever index, deliver to it.
            let mut found = 0;
            for i in 0..rounds {
                if let Some(slot) = table.get(i % 64) {
                    let generation = slot.readiness.load().generation;
                    found += usize::from(
                        slot.readiness.set(generation, READABLE).is_some(),
                    );
                    slot.reader.wake();
                }
            }
            found
        })
    };
    for _ in 0..rounds {
        let (index, _) = table.insert().unwrap();
        table.remove(index);
    }
    reader.join().unwrap();
    assert!(table.is_empty());
}
