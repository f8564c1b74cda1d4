/// Compiles one of chapter 14's test files (in `tests/flavored/`) twice,
/// once per flavour, each time with that flavour's `runtime()`,
/// `builder()` and `FLAVOR` beside it.
macro_rules! on_both_flavours {
    ($file:literal) => {
        /// A current-thread runtime, as chapters 13 and 14 have it.
        #[path = "flavored"]
        mod current_thread {
            use ch15_runtime::runtime::{Builder, Flavor};

            // Each flavoured file uses some of these; the rest is unused
            // there.
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

            #[path = $file]
            mod tests;
        }

        /// Two workers, the reactor and the timers turned by whichever is
        /// idle.
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

            #[path = $file]
            mod tests;
        }
    };
}
