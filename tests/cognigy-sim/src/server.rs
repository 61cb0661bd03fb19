//! The accept loop: HTTP/1.1 through hyper, one task per connection, and a way for a
//! request to reset its connection (close it without an answer, with an RST).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower::ServiceExt;

use anyhow::Context;

use crate::faults::ResetSignal;

/// A server on a thread of its own (with its own runtime) on `127.0.0.1:<ephemeral>`, for
/// [`crate::SimHandle`] and [`crate::multi::MultiHandle`]; stops when dropped.
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    pub fn start(router: Router) -> anyhow::Result<Running> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the server's runtime")?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("cognigy-sim".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = TcpListener::from_std(listener) else { return };
                let _ = serve(router, listener, async move {
                    let _ = stopped.await;
                })
                .await;
            });
            runtime.shutdown_background();
        })?;
        Ok(Running { addr, stop: Some(stop), thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the server thread.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

pub async fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // e.g. too many open files: keep serving the connections we have.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
            // Reap finished connection tasks.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        connections.spawn(connection(router, stream));
    }
    connections.shutdown().await;
    Ok(())
}

async fn connection(router: Router, stream: tokio::net::TcpStream) {
    #[cfg(unix)]
    let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
    let notify = Arc::new(Notify::new());
    let signal = ResetSignal(notify.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(signal.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let mut conn = Box::pin(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = notify.notified() => {
            // Linger 0: closing sends RST instead of FIN ("connection reset by peer").
            #[cfg(unix)]
            set_zero_linger(fd);
            drop(conn);
        }
    }
}

#[cfg(unix)]
fn set_zero_linger(fd: std::os::fd::RawFd) {
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: `fd` is the socket of the connection future, which is still alive here (it is
    // dropped, closing the socket, right after this call); the option value is a valid
    // `linger` of the size given.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}
