//! `add_two` as a chain of combinators, and counting messages in state
//! that two steps share: with combinators (an `Rc<RefCell<_>>`) and with
//! `async`/`.await` (a `&mut`). The same driver runs all three; the first
//! with its polls traced.
//! Usage: `combinators`.

use std::cell::RefCell;
use std::rc::Rc;

use ch09_futures::counted::{
    Stats, add_two_chained, add_two_counted, add_two_counted_chained,
};
use ch09_futures::driver::{block_on, block_on_traced};
use ch09_futures::inbox::Inbox;

const SCRIPT: &[Option<u32>] = &[None, Some(40), None, None, Some(2)];

// ANCHOR: main
fn main() {
    println!("== combinators ==");
    let sum = block_on_traced(add_two_chained(&Inbox::new(SCRIPT)));
    println!("returned {sum:?}");

    println!("== combinators sharing an Rc<RefCell<Stats>> ==");
    let stats = Rc::new(RefCell::new(Stats::default()));
    let inbox = Inbox::new(SCRIPT);
    let sum = block_on(add_two_counted_chained(&inbox, stats.clone()));
    println!("returned {sum:?}, {:?}", stats.borrow());

    println!("== async fn with a &mut Stats ==");
    let mut stats = Stats::default();
    let inbox = Inbox::new(SCRIPT);
    let sum = block_on(add_two_counted(&inbox, &mut stats));
    println!("returned {sum:?}, {stats:?}");
}
// ANCHOR_END: main
