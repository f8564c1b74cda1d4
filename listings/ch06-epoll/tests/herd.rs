//! Without `EPOLLEXCLUSIVE` a connection wakes every waiting thread; with
//! it, one.

use ch06_epoll::herd::herd;

#[test]
fn exclusive_wakes_one_waiter_per_connection() {
    let crowd = herd(4, 3, false).unwrap();
    assert_eq!((crowd.woken, crowd.accepted), (12, 3), "{crowd:?}");
    let one = herd(4, 3, true).unwrap();
    assert_eq!((one.woken, one.accepted), (3, 3), "{one:?}");
}
