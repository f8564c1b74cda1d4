// What a task costs, the same code on every async runtime (see
// `async_serve.rs`): spawning one, and handing control from one to another.

/// Nanoseconds per spawn and per hand-off, each measured after a warm-up
/// run a tenth the size (so the allocator and the run queue have grown).
pub async fn task_costs(spawns: usize, handoffs: usize) -> (f64, f64) {
    spawn_cost(spawns / 10).await;
    hand_off(handoffs / 10).await;
    (spawn_cost(spawns).await, hand_off(handoffs).await)
}

/// Spawns `tasks` empty tasks in batches of 1,000 and awaits each batch's
/// `JoinHandle`s. Returns nanoseconds per task: the spawn (allocating the
/// task, queueing it), its one poll, its completion and the join.
async fn spawn_cost(tasks: usize) -> f64 {
    const BATCH: usize = 1000;
    let mut handles = Vec::with_capacity(BATCH);
    let started = Instant::now();
    let mut left = tasks;
    while left > 0 {
        let batch = left.min(BATCH);
        handles.extend((0..batch).map(|_| spawn(async {})));
        for handle in handles.drain(..) {
            let _ = handle.await; // tokio's is a `Result`; the value is ()
        }
        left -= batch;
    }
    started.elapsed().as_secs_f64() * 1e9 / tasks.max(1) as f64
}

/// Two tasks pass a [`Baton`] back and forth, `rounds` times each way.
/// Returns nanoseconds per hand-off: one task wakes the other and waits;
/// the runtime polls the other, which does the same.
async fn hand_off(rounds: usize) -> f64 {
    let baton = Baton::new();
    let partner = baton.clone();
    let other = spawn(async move {
        for _ in 0..rounds {
            partner.wait(Side::B).await;
            partner.pass(Side::A);
        }
    });
    let started = Instant::now();
    for _ in 0..rounds {
        baton.pass(Side::B);
        baton.wait(Side::A).await;
    }
    let elapsed = started.elapsed();
    let _ = other.await;
    elapsed.as_secs_f64() * 1e9 / (2 * rounds.max(1)) as f64
}
