//! Futures are lazy: calling an `async fn` runs none of its body. The body
//! starts at the first poll, and a future dropped unpolled never runs at
//! all. Usage: `lazy`.

use ch09_futures::add_two::add_two;
use ch09_futures::driver::block_on_traced;
use ch09_futures::inbox::Inbox;

// ANCHOR: main
fn main() {
    let inbox = Inbox::new(&[Some(40), None, Some(2)]);
    println!("main: calling add_two");
    let future = add_two(&inbox);
    println!(
        "main: add_two returned; attempts to receive: {}",
        inbox.attempts()
    );

    println!("main: calling add_two again, and dropping that future");
    drop(add_two(&inbox));

    println!("main: handing the first future to the driver");
    let sum = block_on_traced(future);
    println!("main: the driver returned {sum:?}");
}
// ANCHOR_END: main
