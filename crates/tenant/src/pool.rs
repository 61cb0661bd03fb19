//! A few requests in flight at once. Each request of a tenant waits on the network far
//! longer than it takes to build or to use its answer, so a single request in flight leaves
//! the rate budget idle; a handful of workers over independent items (the charts of
//! different flows, the nodes of a write phase) keep it busy. Every worker's request draws
//! from the same [`RateBudget`](crate::client::RateBudget), so the limit holds whatever the
//! number of workers.
//!
//! Results come back in the order of the items, whatever order the answers arrived in, so a
//! run's output is the same as one request at a time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use handover_migrate_io::{Error, Result};

/// Run `task` on every item with up to `workers` items at once; the results in item order.
///
/// The failure of the earliest failing item is returned (items are handed out in order, so
/// every item before a failed one ran: the error is the one a sequential run would meet
/// first); after a failure no new item starts, and the ones already started finish, so no
/// write is left half done by this function. With one worker (or one item) the items run in turn on this thread.
pub fn map_ordered<T, R, F>(workers: usize, items: Vec<T>, task: F) -> Result<Vec<R>>
where
    T: Send,
    R: Send,
    F: Fn(T) -> Result<R> + Sync,
{
    let total = items.len();
    let workers = workers.clamp(1, total.max(1));
    if workers == 1 {
        return items.into_iter().map(task).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..total).map(|_| None).collect());
    let failure: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if stop.load(Ordering::Acquire) {
                    break;
                }
                // The queue's lock is released before the task runs.
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some((index, item)) = next else { break };
                match task(item) {
                    Ok(result) => results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(result),
                    Err(error) => {
                        let mut first = failure.lock().unwrap_or_else(|p| p.into_inner());
                        if first.as_ref().is_none_or(|(earlier, _)| index < *earlier) {
                            *first = Some((index, error));
                        }
                        stop.store(true, Ordering::Release);
                    }
                }
            });
        }
    });
    if let Some((_, error)) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(error);
    }
    let results: Vec<R> = results.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().flatten().collect();
    if results.len() != total {
        // Unreachable: without a failure every item ran (a panicking task ends the scope).
        return Err(Error::failed(format!("{} of {total} requests did not run", total - results.len())));
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn results_keep_the_item_order_whatever_order_they_finish_in() {
        let items: Vec<u64> = (0..200).collect();
        let results = map_ordered(8, items, |i| {
            // Later items finish first.
            std::thread::sleep(std::time::Duration::from_micros((200 - i) * 10));
            Ok(i * 2)
        })
        .unwrap();
        assert_eq!(results, (0..200).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_failure_in_item_order_wins_and_stops_new_items() {
        let started = AtomicUsize::new(0);
        let error = map_ordered(4, (0..1000).collect(), |i: usize| {
            started.fetch_add(1, Ordering::SeqCst);
            if i == 10 || i == 11 {
                Err(Error::failed(format!("GET /item/{i}: 500")))
            } else {
                Ok(i)
            }
        })
        .unwrap_err();
        // Item 10 was handed out before item 11, so it always runs and always wins.
        assert_eq!(error.message, "GET /item/10: 500");
        assert!(started.load(Ordering::SeqCst) < 100, "items went on after the failure");
        // One worker: strictly in turn, the first failure ends the run.
        let one =
            map_ordered(
                1,
                (0..20).collect(),
                |i: usize| {
                    if i >= 5 {
                        Err(Error::failed(format!("item {i}")))
                    } else {
                        Ok(i)
                    }
                },
            )
            .unwrap_err();
        assert_eq!(one.message, "item 5");
        assert!(map_ordered(8, Vec::<u8>::new(), Ok).unwrap().is_empty());
    }
}
