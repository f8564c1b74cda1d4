use ch09_futures::driver::block_on;
use ch09_futures::yield_now::yield_now;

async fn step(name: &str) -> &str {
    println!("{name}: start");
    yield_now().await;
    println!("{name}: end");
    name
}

fn main() {
    let a = step("a");
    let b = step("b");
    let c = step("c");
    println!("three futures made");
    drop(c);
    let both = block_on(async {
        let first = b.await;
        let second = a.await;
        format!("{first}{second}")
    });
    println!("{both}");
}
