//! Where a sampled symbol's time goes: one ordered table of rules that puts
//! every symbol `perf report` names into a bucket, kernel or user space.
//!
//! The rules were read off real profiles of the hello-world server under
//! wrk on this book's machine (ours and tokio, current_thread). Symbols
//! they do not name still count: an unknown kernel symbol lands in
//! [`Bucket::KernelOther`], an unknown user-space one in
//! [`Bucket::UserOther`], so the buckets always add up to every sample.
//!
//! A caveat the rules work around: `cpu-clock` samples come from a timer
//! interrupt, so a sample due while the kernel had interrupts off is taken
//! where it turns them back on. `finish_task_switch` then stands for the
//! switch back after a sleep in `epoll_wait`, `_raw_spin_unlock_irqrestore`
//! mostly for waking a socket's reader (`sock_def_readable`, two thirds of
//! its samples in a call-graph recording of our server; the rest queue a
//! packet on the loopback device), `_raw_spin_unlock_irq` for the loopback
//! device's receive queue (`process_backlog`). Each is filed with the work
//! it stands for.

use Bucket::*;
use Matcher::*;

/// Where a share of the samples goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    /// TCP, IP, the loopback device, socket buffers (and the slab memory
    /// they live in), and copying data to and from user space.
    KernelNet,
    /// epoll, and waking whoever waits on a socket.
    KernelEpoll,
    /// Entering and leaving the kernel, finding the descriptor.
    KernelSyscall,
    /// Sleeping, switching threads, timers that end a sleep.
    KernelScheduler,
    /// Any other kernel symbol.
    KernelOther,
    /// The runtime: ours (`ch15_runtime`) or tokio's (`tokio`, `mio`).
    Runtime,
    /// The bench's handler and HTTP parser (`book_bench`).
    Handler,
    /// malloc and free.
    Allocator,
    /// The rest of libc: system-call wrappers, memcpy, the vDSO's clock.
    Libc,
    /// Rust's standard library.
    Std,
    /// Any other user-space symbol (or an address perf could not name).
    UserOther,
}

impl Bucket {
    /// Every bucket, kernel first, in the order the report lists them.
    pub const ALL: [Bucket; 11] = [
        Bucket::KernelNet,
        Bucket::KernelEpoll,
        Bucket::KernelSyscall,
        Bucket::KernelScheduler,
        Bucket::KernelOther,
        Bucket::Runtime,
        Bucket::Handler,
        Bucket::Allocator,
        Bucket::Libc,
        Bucket::Std,
        Bucket::UserOther,
    ];

    /// The bucket's row in the report.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::KernelNet => "kernel: TCP/IP, loopback, copies",
            Bucket::KernelEpoll => "kernel: epoll, wake-ups",
            Bucket::KernelSyscall => "kernel: system-call entry, exit",
            Bucket::KernelScheduler => "kernel: scheduler",
            Bucket::KernelOther => "kernel: other",
            Bucket::Runtime => "runtime (ch15_runtime; tokio, mio)",
            Bucket::Handler => "handler, HTTP parsing (book_bench)",
            Bucket::Allocator => "allocator (malloc, free)",
            Bucket::Libc => "libc (syscall wrappers, memcpy)",
            Bucket::Std => "std, core, alloc",
            Bucket::UserOther => "user space: other",
        }
    }

    pub fn is_kernel(self) -> bool {
        matches!(
            self,
            Bucket::KernelNet
                | Bucket::KernelEpoll
                | Bucket::KernelSyscall
                | Bucket::KernelScheduler
                | Bucket::KernelOther
        )
    }
}

/// How a rule recognises a symbol.
#[derive(Debug)]
enum Matcher {
    /// The symbol is one of these names.
    Exact(&'static [&'static str]),
    /// The symbol starts with one of these.
    Prefix(&'static [&'static str]),
    /// A Rust symbol whose first path (the type in `<T as Trait>::f`, the
    /// function's own path otherwise) is in one of these crates: a runtime's
    /// `<tokio::io::WriteAll<W> as core::future::Future>::poll` is tokio's,
    /// and the handler's `book_bench::runtimes::on_tokio::…` is not.
    Crate(&'static [&'static str]),
    /// The shared object's name starts with one of these.
    Dso(&'static [&'static str]),
}

impl Matcher {
    fn matches(&self, dso: &str, symbol: &str) -> bool {
        match self {
            Matcher::Exact(names) => names.contains(&symbol),
            Matcher::Prefix(starts) => {
                starts.iter().any(|start| symbol.starts_with(start))
            }
            Matcher::Crate(crates) => {
                first_crate(symbol).is_some_and(|c| crates.contains(&c))
            }
            Matcher::Dso(starts) => {
                starts.iter().any(|start| dso.starts_with(start))
            }
        }
    }
}

/// One row of [`RULES`]: a symbol `matcher` recognises goes to `bucket`.
/// A rule applies on the bucket's side only (kernel or user space).
#[derive(Debug)]
struct Rule {
    bucket: Bucket,
    matcher: Matcher,
}

const fn rule(bucket: Bucket, matcher: Matcher) -> Rule {
    Rule { bucket, matcher }
}

/// The rules, tried in order; the first that matches decides. Order
/// matters where a name fits two: `tcp_poll` and `sock_poll` are epoll's
/// questions to a socket, before every other `tcp_` and `sock_` symbol;
/// a socket system call's own entry point (`__x64_sys_sendto`) is TCP's,
/// before the other `__x64_sys_` ones.
const RULES: &[Rule] = &[
    // ---- kernel ----
    rule(
        KernelScheduler,
        Prefix(&[
            "finish_task_switch",
            "__schedule",
            "schedule",
            "__switch_to",
            "switch_mm",
            "prepare_task_switch",
            "pick_next_",
            "__pick_next_",
            "put_prev_",
            "set_next_",
            "enqueue_task",
            "dequeue_task",
            "enqueue_entity",
            "dequeue_entity",
            "update_curr",
            "update_load_avg",
            "__update_load_avg",
            "update_rq_clock",
            "sched_",
            "psi_",
            "hrtimer_",
            "__hrtimer_",
            "rcu_note_context_switch",
        ]),
    ),
    rule(
        KernelEpoll,
        Prefix(&[
            "ep_",
            "__ep_",
            "do_epoll_",
            "__x64_sys_epoll_",
            "__do_sys_epoll_",
            "epoll_",
            "eventfd",
            "__wake_up",
            "wake_up",
            "try_to_wake_up",
            "ttwu_",
            "default_wake_function",
            "autoremove_wake_function",
            "sock_def_readable",
            "sock_def_write_space",
            "sk_stream_write_space",
            "sock_poll",
            "tcp_poll",
            "tcp_stream_is_readable",
        ]),
    ),
    rule(KernelEpoll, Exact(&["_raw_spin_unlock_irqrestore"])),
    // The loopback device's receive queue, and the lock of a socket.
    rule(
        KernelNet,
        Exact(&[
            "_raw_spin_unlock_irq",
            "_raw_spin_lock_bh",
            "_raw_spin_unlock_bh",
        ]),
    ),
    rule(
        KernelNet,
        Prefix(&[
            "__x64_sys_sendto",
            "__x64_sys_recvfrom",
            "__x64_sys_sendmsg",
            "__x64_sys_recvmsg",
            "__x64_sys_accept",
            "__sys_",
            "tcp_",
            "__tcp_",
            "tcp4_",
            "ip_",
            "__ip_",
            "ipv4_",
            "inet_",
            "__inet_",
            "raw_local_deliver",
            "raw_v4_",
            "dst_",
            "skb_",
            "__skb_",
            "__alloc_skb",
            "__build_skb",
            "__copy_skb_header",
            "__kfree_skb",
            "kfree_skb",
            "napi_",
            "__napi_",
            "net_",
            "__net",
            "netif_",
            "__netif_",
            "netdev_",
            "dev_",
            "__dev_",
            "validate_xmit_",
            "loopback_",
            "eth_",
            "process_backlog",
            "enqueue_to_backlog",
            "bbr_",
            "sk_",
            "__sk_",
            "sock_",
            "__sock_",
            "lock_sock",
            "release_sock",
            "security_sock",
            "xfrm_",
            "__xfrm_",
            "nf_",
            "bpf_skops_",
            // Loopback's receive path runs as a softirq when a sender
            // enables bottom halves again, inside its own send.
            "handle_softirqs",
            "do_softirq",
            "__do_softirq",
            "__local_bh_enable_ip",
            // Copying data to and from user space, and its checks.
            "_copy_to_iter",
            "_copy_from_iter",
            "copy_user_",
            "rep_movs_",
            "__check_object_size",
            "check_stack_object",
            "check_heap_object",
            "__virt_addr_valid",
            "is_vmalloc_addr",
            "import_ubuf",
            "__put_user_",
            "__get_user_",
            "csum_",
            // The slab memory socket buffers live in.
            "kmalloc_reserve",
            "kmem_cache_",
            "kfree",
            "__kmalloc",
            "kmalloc_",
            "__slab_",
            "___slab_",
            "slab_",
            "allocate_slab",
            "get_partial_node",
            "put_cpu_partial",
            "refill_obj_stock",
            "obj_cgroup_",
            "get_page_from_freelist",
            "__get_pfnblock_flags_mask",
            "__alloc_pages",
            "free_unref_page",
        ]),
    ),
    rule(
        KernelSyscall,
        Prefix(&[
            "entry_SYSCALL",
            "do_syscall_64",
            "x64_sys_call",
            "__x64_sys_",
            "syscall_",
            "exit_to_user_mode",
            "syscall_return_via_sysret",
            "fdget",
            "__fdget",
            "__fget",
            "fput",
            "switch_fpu_return",
            "rseq_",
            "__rseq_",
            "blkcg_maybe_throttle_current",
        ]),
    ),
    // ---- user space ----
    rule(Runtime, Crate(&["ch15_runtime", "tokio", "mio"])),
    rule(Handler, Crate(&["book_bench"])),
    rule(
        Allocator,
        Exact(&[
            "malloc",
            "free",
            "realloc",
            "calloc",
            "cfree",
            "__libc_malloc",
            "__libc_free",
            "__libc_realloc",
            "__libc_calloc",
            "__rust_alloc",
            "__rust_dealloc",
            "__rust_realloc",
            "__rust_alloc_zeroed",
            "__rdl_alloc",
            "__rdl_dealloc",
            "__rdl_realloc",
        ]),
    ),
    rule(
        Allocator,
        Prefix(&[
            "_int_",
            "malloc_",
            "tcache_",
            "unlink_chunk",
            "alloc_perturb",
        ]),
    ),
    rule(Libc, Dso(&["libc.so", "[vdso]", "ld-linux", "libpthread"])),
    rule(Std, Crate(&["std", "core", "alloc"])),
];

/// The bucket of a symbol from `perf report`: `kernel` for `[k]` lines,
/// `dso` its shared object, `symbol` its (demangled) name.
pub fn classify(kernel: bool, dso: &str, symbol: &str) -> Bucket {
    let name = plain(symbol);
    RULES
        .iter()
        .filter(|rule| rule.bucket.is_kernel() == kernel)
        .find(|rule| rule.matcher.matches(dso, name))
        .map_or(if kernel { KernelOther } else { UserOther }, |rule| {
            rule.bucket
        })
}

/// The name without the version or stub the linker appended to a C
/// symbol: `cfree@GLIBC_2.2.5`, `strchr@plt` (a kernel symbol's
/// `.isra.0` or `.constprop.0`, GCC's clones of a function, matter not:
/// every kernel rule is a prefix or names a function GCC does not clone).
fn plain(symbol: &str) -> &str {
    symbol.split('@').next().unwrap_or(symbol)
}

/// The crate of a demangled Rust symbol: the first name followed by `::`,
/// so that in `<&mut tokio::net::TcpStream as std::io::Read>::read` it is
/// `tokio` (the type, not the trait), and `None` for a C symbol.
fn first_crate(symbol: &str) -> Option<&str> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = symbol;
    while let Some(start) = rest.find(is_name) {
        let after = &rest[start..];
        let len = after.find(|c| !is_name(c)).unwrap_or(after.len());
        if after[len..].starts_with("::") {
            return Some(&after[..len]);
        }
        rest = &after[len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real symbols from `perf report` on this machine (ours and tokio,
    /// current_thread, under wrk), at least one for every bucket.
    const REAL: &[(bool, &str, &str, Bucket)] = &[
        (true, "[kernel.kallsyms]", "tcp_sendmsg_locked", KernelNet),
        (
            true,
            "[kernel.kallsyms]",
            "__inet_lookup_established",
            KernelNet,
        ),
        (true, "[kernel.kallsyms]", "loopback_xmit", KernelNet),
        (
            true,
            "[kernel.kallsyms]",
            "__netif_receive_skb_core.constprop.0",
            KernelNet,
        ),
        (true, "[kernel.kallsyms]", "_copy_to_iter", KernelNet),
        (
            true,
            "[kernel.kallsyms]",
            "kmem_cache_alloc_node_noprof",
            KernelNet,
        ),
        (true, "[kernel.kallsyms]", "_raw_spin_unlock_irq", KernelNet),
        (true, "[kernel.kallsyms]", "__x64_sys_sendto", KernelNet),
        (
            true,
            "[kernel.kallsyms]",
            "ep_item_poll.isra.0",
            KernelEpoll,
        ),
        (true, "[kernel.kallsyms]", "do_epoll_wait", KernelEpoll),
        (true, "[kernel.kallsyms]", "__wake_up_sync_key", KernelEpoll),
        (true, "[kernel.kallsyms]", "sock_def_readable", KernelEpoll),
        (true, "[kernel.kallsyms]", "tcp_poll", KernelEpoll),
        (
            true,
            "[kernel.kallsyms]",
            "_raw_spin_unlock_irqrestore",
            KernelEpoll,
        ),
        (true, "[kernel.kallsyms]", "do_syscall_64", KernelSyscall),
        (true, "[kernel.kallsyms]", "fdget", KernelSyscall),
        (
            true,
            "[kernel.kallsyms]",
            "__x64_sys_epoll_wait",
            KernelEpoll,
        ),
        (true, "[kernel.kallsyms]", "x64_sys_call", KernelSyscall),
        (
            true,
            "[kernel.kallsyms]",
            "finish_task_switch.isra.0",
            KernelScheduler,
        ),
        (
            true,
            "[kernel.kallsyms]",
            "schedule_hrtimeout_range_clock",
            KernelScheduler,
        ),
        (true, "[kernel.kallsyms]", "read_tsc", KernelOther),
        (
            false,
            "book-bench",
            "ch15_runtime::io::registration::Registration::poll_stream_io",
            Runtime,
        ),
        (
            false,
            "book-bench",
            "<ch15_runtime::time::wheel::Wheel<T> as \
             ch15_runtime::time::queue::TimerQueue<T>>::poll",
            Runtime,
        ),
        (
            false,
            "book-bench",
            "<tokio::io::util::write_all::WriteAll<W> as \
             core::future::future::Future>::poll",
            Runtime,
        ),
        (
            false,
            "book-bench",
            "tokio::runtime::task::harness::Harness<T,S>::poll",
            Runtime,
        ),
        (
            false,
            "book-bench",
            "<&mio::net::tcp::stream::TcpStream as std::io::Read>::read",
            Runtime,
        ),
        (false, "book-bench", "book_bench::http::parse", Handler),
        (
            false,
            "book-bench",
            "book_bench::runtimes::on_tokio::http_connection::{{closure}}",
            Handler,
        ),
        // The servers allocate nothing per request: these are from a C
        // loop of malloc and free, profiled the same way.
        (false, "libc.so.6", "_int_free", Allocator),
        (false, "libc.so.6", "malloc", Allocator),
        (false, "libc.so.6", "cfree@GLIBC_2.2.5", Allocator),
        (false, "libc.so.6", "unlink_chunk.constprop.0", Allocator),
        (false, "libc.so.6", "alloc_perturb", Allocator),
        (false, "libc.so.6", "__send", Libc),
        (false, "libc.so.6", "clock_gettime@@GLIBC_2.17", Libc),
        (false, "[vdso]", "__vdso_clock_gettime", Libc),
        (
            false,
            "book-bench",
            "<&std::os::unix::net::stream::UnixStream as std::io::Read>::read",
            Std,
        ),
        (
            false,
            "book-bench",
            "core::ops::function::FnOnce::call_once",
            Std,
        ),
        (false, "book-bench", "__udivti3", UserOther),
        (false, "[unknown]", "0x0000000500000001", UserOther),
    ];

    #[test]
    fn real_symbols_land_in_their_buckets() {
        for &(kernel, dso, symbol, bucket) in REAL {
            assert_eq!(classify(kernel, dso, symbol), bucket, "{symbol}");
        }
    }

    #[test]
    fn every_bucket_has_a_real_symbol() {
        for bucket in Bucket::ALL {
            assert!(
                REAL.iter().any(|&(.., b)| b == bucket),
                "no symbol for {bucket:?}"
            );
        }
    }

    #[test]
    fn an_unknown_symbol_lands_in_other_on_its_side() {
        assert_eq!(
            classify(true, "[kernel.kallsyms]", "frobnicate_widget"),
            KernelOther
        );
        assert_eq!(classify(false, "libfoo.so", "frobnicate"), UserOther);
        assert_eq!(
            classify(false, "book-bench", "serde::de::Deserialize::f"),
            UserOther
        );
        // A user-space name is never taken for a kernel one, and back.
        assert_eq!(classify(false, "a.out", "tcp_sendmsg"), UserOther);
        assert_eq!(
            classify(true, "[kernel.kallsyms]", "tokio::spawn"),
            KernelOther
        );
    }

    #[test]
    fn a_symbol_belongs_to_its_first_path() {
        assert_eq!(first_crate("<&mut a::B as c::D>::e"), Some("a"));
        assert_eq!(first_crate("<[T] as core::fmt::Debug>::fmt"), Some("core"));
        assert_eq!(first_crate("x::y::{{closure}}"), Some("x"));
        assert_eq!(first_crate("__libc_recv"), None);
        assert_eq!(first_crate("0x00007f14ef816007"), None);
    }
}
