//! StubTreq on a multi-thread runtime: the in-memory connections are driven
//! by the tasks that use them, so requests from tasks on different workers,
//! resources answered from another task and streamed bodies all complete
//! (no wake-up is lost when a connection is woken from another thread).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use treq::Body;
use treq_testing::resource::resource_fn;
use treq_testing::{StubResponse, StubTreq};

/// Fails the test instead of hanging it.
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("finished in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_from_tasks_on_every_worker_complete() {
    let stub = Arc::new(StubTreq::new(resource_fn(|req| async move {
        tokio::task::yield_now().await;
        StubResponse::new(200).body(req.uri().path().to_owned())
    })));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let stub = Arc::clone(&stub);
            tokio::spawn(async move {
                for j in 0..20 {
                    let path = format!("/t{i}/r{j}");
                    let resp = stub.get(format!("http://mt.test{path}")).await.unwrap();
                    assert_eq!(resp.text().await.unwrap(), path);
                }
            })
        })
        .collect();
    bounded(async {
        for task in tasks {
            task.await.unwrap();
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_answered_and_streamed_from_another_task_completes() {
    type Chunks = tokio::sync::mpsc::UnboundedReceiver<Bytes>;
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Chunks>();
    let ready_rx = Arc::new(Mutex::new(Some(ready_rx)));
    let stub = StubTreq::new(resource_fn(move |_req| {
        let ready = ready_rx.lock().unwrap().take().expect("one request");
        async move {
            // Answers only when the other task says so, then streams what
            // it sends.
            let rx = ready.await.unwrap();
            let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
            });
            http::Response::new(Body::wrap_stream(chunks))
        }
    }));
    let feeder = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        ready_tx.send(rx).unwrap();
        for chunk in ["one ", "two ", "three"] {
            tokio::time::sleep(Duration::from_millis(5)).await;
            tx.send(Bytes::from(chunk)).unwrap();
        }
    });
    let text = bounded(async {
        let resp = stub.get("http://mt.test/stream").await.unwrap();
        resp.text().await.unwrap()
    })
    .await;
    assert_eq!(text, "one two three");
    feeder.await.unwrap();
}
