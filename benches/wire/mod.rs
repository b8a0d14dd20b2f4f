//! The servers the boot and cold-start benchmarks run against, in the benchmark's process:
//! the KMS and Secret Manager wire servers, and fake-gcs-server behind the fault-injecting
//! proxy, which is the endpoint the clients are given. Included by both with `#[path]`.

use std::time::Duration;

use secrets_wire_server::{FakeGcs, GcsProxy, KmsServer, SecretManagerServer};

pub struct Servers {
    pub kms: KmsServer,
    /// In front of [`Servers::gcs`]: Cloud Storage's endpoint.
    pub proxy: GcsProxy,
    pub sm: SecretManagerServer,
    /// The boot benchmark uploads berglas objects through it; the cold one only keeps it up.
    #[allow(dead_code)]
    pub gcs: FakeGcs,
    _dir: tempfile::TempDir,
    /// For `#[file]` fields: not in `_dir`, where a directory is a bucket.
    pub files: tempfile::TempDir,
}

impl Servers {
    /// The servers, with `key` created and `objects` (name, content) in `bucket`: written
    /// before fake-gcs-server starts, which reads them at startup.
    pub async fn start(
        key: &str,
        bucket: &str,
        objects: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Servers {
        let dir = tempfile::tempdir().unwrap();
        let bucket = dir.path().join(bucket);
        std::fs::create_dir_all(&bucket).unwrap();
        for (name, content) in objects {
            std::fs::write(bucket.join(name), content).unwrap();
        }
        let gcs = FakeGcs::start(dir.path()).await;
        let proxy = GcsProxy::start(&gcs.endpoint()).await;
        let kms = KmsServer::start().await;
        kms.create_key(key);
        Servers {
            kms,
            proxy,
            sm: SecretManagerServer::start().await,
            gcs,
            _dir: dir,
            files: tempfile::tempdir().unwrap(),
        }
    }

    /// Requests received so far, over the three servers.
    pub fn requests(&self) -> usize {
        self.kms.request_count() + self.proxy.request_count() + self.sm.request_count()
    }

    /// Every server answers each request after `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.kms.faults().set_latency(latency);
        self.proxy.faults().set_latency(latency);
        self.sm.faults().set_latency(latency);
    }
}
