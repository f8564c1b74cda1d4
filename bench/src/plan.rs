//! How much to measure: the full run, `--quick`, or `--smoke`.

use std::time::Duration;

/// A part of the bench, as `--only` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Http,
    Echo,
    Idle,
    Capacity,
    Tasks,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Http,
        Section::Echo,
        Section::Idle,
        Section::Capacity,
        Section::Tasks,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::Http => "http",
            Section::Echo => "echo",
            Section::Idle => "idle",
            Section::Capacity => "max",
            Section::Tasks => "tasks",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Sizes of one run of the bench.
#[derive(Clone, Debug)]
pub struct Plan {
    /// "full", "quick" or "smoke", for the report.
    pub name: &'static str,
    /// Interleaved rounds; medians are taken over them.
    pub rounds: usize,
    /// wrk's threads (`-t`).
    pub wrk_threads: usize,
    /// wrk's connections (`-c`), one row each.
    pub wrk_connections: Vec<usize>,
    /// Each measured wrk run (`-d`, whole seconds).
    pub wrk_duration: Duration,
    /// An unmeasured wrk run first, against the same server process.
    pub wrk_warmup: Option<Duration>,
    /// The echo load: connections, messages on each, client threads.
    pub echo: (usize, usize, usize),
    /// Idle connections whose memory is measured.
    pub idle_connections: usize,
    /// Idle connections the capacity test tries to reach.
    pub max_target: usize,
    /// Loopback client addresses for the capacity test.
    pub client_addresses: u8,
    /// The capacity test gives up on a server after this long.
    pub max_time: Duration,
    /// Tasks spawned, and hand-offs made, per sample.
    pub spawns: usize,
    pub handoffs: usize,
}

impl Plan {
    /// About 8 minutes on 2 cores.
    pub fn full() -> Plan {
        Plan {
            name: "full",
            rounds: 5,
            wrk_threads: 1,
            wrk_connections: vec![50, 500],
            wrk_duration: Duration::from_secs(5),
            wrk_warmup: Some(Duration::from_secs(1)),
            echo: (100, 500, 4),
            idle_connections: 10_000,
            max_target: 100_000,
            client_addresses: 8,
            max_time: Duration::from_secs(180),
            spawns: 200_000,
            handoffs: 200_000,
        }
    }

    /// The same measurements, smaller and fewer.
    pub fn quick() -> Plan {
        Plan {
            name: "quick",
            rounds: 3,
            wrk_duration: Duration::from_secs(2),
            echo: (100, 200, 4),
            idle_connections: 2_000,
            max_target: 20_000,
            max_time: Duration::from_secs(60),
            spawns: 50_000,
            handoffs: 50_000,
            ..Plan::full()
        }
    }

    /// Tiny sizes, one round: does every part still run? For CI.
    pub fn smoke() -> Plan {
        Plan {
            name: "smoke",
            rounds: 1,
            wrk_connections: vec![50],
            wrk_duration: Duration::from_secs(1),
            wrk_warmup: None,
            echo: (10, 50, 2),
            idle_connections: 100,
            max_target: 300,
            client_addresses: 2,
            max_time: Duration::from_secs(20),
            spawns: 2_000,
            handoffs: 2_000,
            ..Plan::full()
        }
    }
}
