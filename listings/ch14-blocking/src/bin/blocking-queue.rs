//! Predict the output: a blocking pool of one thread, and four jobs.

use std::sync::mpsc;
use std::thread;

use ch14_blocking::{Builder, spawn_blocking};

fn main() -> std::io::Result<()> {
    std::panic::set_hook(Box::new(|_| {})); // no panic message on stderr
    let runtime = Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()?;
    runtime.block_on(async {
        let (go, wait) = mpsc::channel::<()>();
        let first = spawn_blocking(move || {
            let _ = wait.recv();
            println!("first runs");
            1
        });
        let second = spawn_blocking(|| println!("second runs"));
        let third = spawn_blocking(|| -> u8 { panic!("third fails") });
        second.abort();
        let _ = go.send(());
        println!("{:?}", first.await.ok());
        println!("{:?}", second.await.map_err(|e| e.is_cancelled()));
        println!("{:?}", third.await.map_err(|e| e.is_panic()));
        let name =
            spawn_blocking(|| thread::current().name().map(String::from));
        println!("{:?}", name.await.ok().flatten());
    });
    Ok(())
}
