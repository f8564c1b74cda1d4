//! Reading the IPI counts out of `/proc/interrupts`.

use ch01_blocking_read::interrupts::{self, Ipis};

#[test]
fn both_lines_are_summed_over_cpus() {
    let x86_64 = "           CPU0       CPU1
  0:         38          0   IO-APIC   2-edge      timer
LOC:     246595     260241   Local timer interrupts
RES:      34864      38292   Rescheduling interrupts
CAL:      59428      51883   Function call interrupts
";
    let expected = Ipis {
        rescheduling: 34864 + 38292,
        function_call: 59428 + 51883,
    };
    assert_eq!(interrupts::parse_ipis(x86_64), Some(expected));
    let aarch64 = "           CPU0       CPU1
IPI0:       1200       3400       Rescheduling interrupts
IPI1:         10         20       Function call interrupts
";
    let expected = Ipis {
        rescheduling: 4600,
        function_call: 30,
    };
    assert_eq!(interrupts::parse_ipis(aarch64), Some(expected));
    let no_calls = "RES: 1 2 Rescheduling interrupts\nLOC: 1 2 Local timer";
    assert_eq!(interrupts::parse_ipis(no_calls), None);
}

#[test]
fn since_subtracts_each_count() {
    let before = Ipis {
        rescheduling: 10,
        function_call: 100,
    };
    let after = Ipis {
        rescheduling: 15,
        function_call: 107,
    };
    let expected = Ipis {
        rescheduling: 5,
        function_call: 7,
    };
    assert_eq!(after.since(before), expected);
}

#[test]
fn this_machine_counts_them() {
    assert!(interrupts::ipis().is_ok());
}
