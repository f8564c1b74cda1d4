//! Chapter 14's `tests/idle.rs` (in `tests/flavored/idle.rs`, its runtimes
//! made by `runtime()` and `builder()` below), run on both flavours.

// On purpose: the same tests, compiled once per flavour, each time with
// that flavour's `runtime()`.
#![allow(clippy::duplicate_mod)]

/// The test reads the process's CPU time and trace: one flavour at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

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

    #[path = "idle.rs"]
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

    #[path = "idle.rs"]
    mod tests;
}
