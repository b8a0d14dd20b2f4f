//! The HTTP/1.1 accept loop under every server of this crate, with the two faults that are not
//! replies: resetting the connection and never answering.
//!
//! Plain hyper rather than a framework: a reset must close the very socket the request came
//! on, with `SO_LINGER` 0 so the peer sees a TCP RST rather than a polite FIN, and that needs
//! hold of the socket below the HTTP layer. The official Google clients speak HTTP/1.1 only
//! (`reqwest` is built with `http1_only`), so HTTP/2 is not served.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// A complete reply: every body this crate sends is small and built in memory.
pub(crate) type Reply = Response<Full<Bytes>>;

/// What a server does with one request.
pub(crate) enum Outcome {
    /// Send this response.
    Reply(Reply),
    /// Reset the connection without sending anything.
    Reset,
    /// Never answer.
    Hang,
}

/// A server accepting connections on a loopback port; dropping it stops the accept loop and
/// every open connection, hung ones included.
#[derive(Debug)]
pub(crate) struct Listening {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Listening {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // Aborting the accept task drops its `JoinSet`, which aborts every connection task.
        self.task.abort();
    }
}

/// Binds `addr` and serves `handler` on the current tokio runtime.
pub(crate) async fn listen_on<H, F>(addr: SocketAddr, handler: H) -> io::Result<Listening>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Outcome> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(accept_loop(listener, handler));
    Ok(Listening { addr, task })
}

async fn accept_loop<H, F>(listener: TcpListener, handler: H)
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Outcome> + Send + 'static,
{
    // Connection tasks live in this set so that aborting the accept loop ends them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, handler.clone()));
                }
                // Out of file descriptors and the like: transient, so wait rather than spin
                // or give up on the tests still running.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow for the server's lifetime.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection<H, F>(stream: TcpStream, handler: H)
where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Outcome> + Send + 'static,
{
    // Replies are small and latency is what tests measure: do not let Nagle delay them.
    let _ = stream.set_nodelay(true);
    let reset = Arc::new(ResetSignal::default());
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        reset: Arc::clone(&reset),
    });
    let service_reset = Arc::clone(&reset);
    let service = service_fn(move |request| {
        let outcome = handler(request);
        let reset = Arc::clone(&service_reset);
        async move {
            match outcome.await {
                Outcome::Reply(reply) => Ok::<_, Infallible>(reply),
                Outcome::Reset => {
                    reset.fire();
                    // The connection task drops this future together with the connection.
                    std::future::pending().await
                }
                Outcome::Hang => std::future::pending().await,
            }
        }
    });
    let connection = http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        // Errors here are the client's doing (it went away mid-request): nothing to report.
        _ = connection => {}
        // Dropping `connection` here drops the stream, which then closes with a RST.
        () = reset.fired() => {}
    }
}

/// Set by a request's service when the connection must be reset.
#[derive(Debug, Default)]
struct ResetSignal {
    fired: AtomicBool,
    notify: Notify,
}

impl ResetSignal {
    fn fire(&self) {
        self.fired.store(true, Ordering::SeqCst);
        // `notify_one` keeps a permit if the connection task is not waiting yet.
        self.notify.notify_one();
    }

    async fn fired(&self) {
        self.notify.notified().await;
    }

    fn is_fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

/// A TCP stream that, once its connection's [`ResetSignal`] has fired, closes with a RST.
///
/// `SO_LINGER` 0 is set only on the way out: set from the start, it would also turn ordinary
/// closes into resets and could drop reply bytes still in the kernel's send buffer.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<ResetSignal>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.is_fired() {
            // If this fails the close is a FIN instead: the client still gets no reply.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
