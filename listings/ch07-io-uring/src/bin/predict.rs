//! Predict the output: NOPs through a submission ring with room for two.

use ch07_io_uring::uring::{Ring, Sqe, abi};

fn main() -> std::io::Result<()> {
    let mut ring = Ring::new(2)?;
    for user_data in [7, 8, 9] {
        let nop = Sqe {
            opcode: abi::OP_NOP,
            user_data,
            ..Sqe::default()
        };
        // SAFETY: a NOP points at no memory.
        match unsafe { ring.push(&nop) } {
            Ok(()) => println!("pushed {user_data}"),
            Err(_) => println!("no room for {user_data}"),
        }
    }
    let mut done = Vec::new();
    while let Some(cqe) = ring.pop() {
        done.push(cqe.user_data);
    }
    println!("before submit: {done:?}");
    ring.submit()?;
    while let Some(cqe) = ring.pop() {
        done.push(cqe.user_data);
    }
    println!("after submit: {done:?}");
    Ok(())
}
