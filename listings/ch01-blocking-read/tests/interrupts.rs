//! Reading the rescheduling IPIs out of `/proc/interrupts`.

use ch01_blocking_read::interrupts;

#[test]
fn the_rescheduling_line_is_summed_over_cpus() {
    let x86_64 = "           CPU0       CPU1
  0:         38          0   IO-APIC   2-edge      timer
LOC:     246595     260241   Local timer interrupts
RES:      34864      38292   Rescheduling interrupts
CAL:      59428      51883   Function call interrupts
";
    assert_eq!(interrupts::parse_rescheduling(x86_64), Some(34864 + 38292));
    let aarch64 = "           CPU0       CPU1
IPI0:       1200       3400       Rescheduling interrupts
IPI1:         10         20       Function call interrupts
";
    assert_eq!(interrupts::parse_rescheduling(aarch64), Some(4600));
    assert_eq!(interrupts::parse_rescheduling("LOC: 1 2 Local timer"), None);
}

#[test]
fn this_machine_counts_them() {
    assert!(interrupts::rescheduling_interrupts().is_ok());
}
