//! Chapter 14's `tests/timer.rs` (in `tests/flavored/timer.rs`, its runtimes
//! made by `runtime()` and `builder()` below), run on both flavours.

// On purpose: the same tests, compiled once per flavour, each time with
// that flavour's `runtime()`.
#![allow(clippy::duplicate_mod)]

/// A current-thread runtime, as chapters 13 and 14 have it.
#[path = "flavored"]
mod current_thread {
    use ch15_runtime::runtime::{Builder, Flavor};

    // Each flavoured file uses some of these; the rest is unused there.
    #[allow(dead_code)]
    const FLAVOR: Flavor = Flavor::CurrentThread;

    #[allow(dead_code)]
    fn builder() -> Builder {
        Builder::new_current_thread()
    }

    #[allow(dead_code)]
    fn runtime() -> std::io::Result<ch15_runtime::Runtime> {
        builder().build()
    }

    #[path = "timer.rs"]
    mod tests;
}

/// Two workers, the reactor and the timers turned by whichever is idle.
#[path = "flavored"]
mod multi_thread {
    use ch15_runtime::runtime::{Builder, Flavor};

    #[allow(dead_code)]
    const FLAVOR: Flavor = Flavor::MultiThread;

    #[allow(dead_code)]
    fn builder() -> Builder {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    }

    #[allow(dead_code)]
    fn runtime() -> std::io::Result<ch15_runtime::Runtime> {
        builder().build()
    }

    #[path = "timer.rs"]
    mod tests;
}
