//! Passing file descriptors to QEMU: `getfd` (a descriptor under a name) and `add-fd` (a
//! descriptor in an fd set, opened by QEMU as `/dev/fdset/N`), each returning a guard that
//! gives the descriptor back (`closefd` / `remove-fd`) when it is closed or dropped.

use std::os::fd::OwnedFd;

use serde_json::{json, Map, Value};

use crate::client::Client;
use crate::error::Error;

/// A descriptor QEMU holds under a name (`getfd`), for commands that take an fd name
/// (`migrate` to `fd:NAME`, `add_client`, a `file` or `socket` chardev, ...).
///
/// [`NamedFd::close`] runs `closefd` and reports its outcome; dropping the guard sends
/// `closefd` without waiting (nothing is sent once the connection is gone: QEMU then closed
/// the descriptor itself).
#[derive(Debug)]
pub struct NamedFd {
    client: Client,
    name: String,
    open: bool,
}

/// A descriptor in one of QEMU's fd sets (`add-fd`), which QEMU opens when given the path
/// [`AddedFd::path`] (`/dev/fdset/N`) wherever it expects a file name.
///
/// [`AddedFd::close`] runs `remove-fd` and reports its outcome; dropping the guard sends
/// `remove-fd` without waiting. QEMU closes the descriptor once nothing uses it any more.
#[derive(Debug)]
pub struct AddedFd {
    client: Client,
    fdset_id: u64,
    fd: i64,
    open: bool,
}

impl Client {
    /// Passes `fd` to QEMU under `name` (`getfd`). A descriptor already held under that name
    /// is replaced (and closed by QEMU).
    ///
    /// # Errors
    /// As [`Client::execute_raw_with_fds`].
    pub async fn get_fd(&self, name: &str, fd: impl Into<OwnedFd>) -> Result<NamedFd, Error> {
        let arguments = json!({ "fdname": name });
        self.execute_raw_with_fds("getfd", Some(arguments), vec![fd.into()])
            .await?;
        Ok(NamedFd {
            client: self.clone(),
            name: name.to_owned(),
            open: true,
        })
    }

    /// Adds `fd` to an fd set (`add-fd`): to the set `fdset_id`, or to a new one when `None`;
    /// `opaque` is a free-form note `query-fdsets` shows.
    ///
    /// # Errors
    /// As [`Client::execute_raw_with_fds`]; [`Error::Decode`] when the answer lacks
    /// `fdset-id` or `fd`.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: qmp_types::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let image = std::fs::OpenOptions::new().read(true).write(true).open("disk.img")?;
    /// let added = client.add_fd(image, None, Some("disk")).await?;
    /// let node = serde_json::json!({"driver": "file", "node-name": "disk0", "filename": added.path()});
    /// client.execute_raw("blockdev-add", Some(node)).await?;
    /// // Dropping `added` (or `added.close().await`) runs `remove-fd`.
    /// # Ok(()) }
    /// ```
    pub async fn add_fd(
        &self,
        fd: impl Into<OwnedFd>,
        fdset_id: Option<u64>,
        opaque: Option<&str>,
    ) -> Result<AddedFd, Error> {
        let mut arguments = Map::new();
        if let Some(id) = fdset_id {
            arguments.insert("fdset-id".into(), id.into());
        }
        if let Some(opaque) = opaque {
            arguments.insert("opaque".into(), opaque.into());
        }
        let answer = self
            .execute_raw_with_fds("add-fd", Some(Value::Object(arguments)), vec![fd.into()])
            .await?;
        #[derive(serde::Deserialize)]
        struct AddfdInfo {
            #[serde(rename = "fdset-id")]
            fdset_id: u64,
            fd: i64,
        }
        let info: AddfdInfo = serde_json::from_value(answer).map_err(|source| Error::Decode {
            command: "add-fd".into(),
            source,
        })?;
        Ok(AddedFd {
            client: self.clone(),
            fdset_id: info.fdset_id,
            fd: info.fd,
            open: true,
        })
    }
}

impl NamedFd {
    /// The name QEMU knows the descriptor by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Closes the descriptor in QEMU (`closefd`).
    ///
    /// # Errors
    /// As [`Client::execute_raw`], e.g. [`Error::Qmp`] when a command already took the
    /// descriptor (`migrate` to `fd:` does), or [`Error::Disconnected`].
    pub async fn close(mut self) -> Result<(), Error> {
        self.open = false;
        let arguments = json!({ "fdname": self.name });
        self.client
            .execute_raw("closefd", Some(arguments))
            .await
            .map(drop)
    }
}

impl Drop for NamedFd {
    fn drop(&mut self) {
        if self.open {
            let mut arguments = Map::new();
            arguments.insert("fdname".into(), self.name.clone().into());
            self.client.send_detached("closefd", arguments);
        }
    }
}

impl AddedFd {
    /// The fd set's id.
    pub fn fdset_id(&self) -> u64 {
        self.fdset_id
    }

    /// The descriptor's number in QEMU.
    pub fn fd(&self) -> i64 {
        self.fd
    }

    /// The path that makes QEMU use the set: `/dev/fdset/N`.
    pub fn path(&self) -> String {
        format!("/dev/fdset/{}", self.fdset_id)
    }

    /// Removes the descriptor from its set (`remove-fd`).
    ///
    /// # Errors
    /// As [`Client::execute_raw`].
    pub async fn close(mut self) -> Result<(), Error> {
        self.open = false;
        self.client
            .execute_raw("remove-fd", Some(Value::Object(self.arguments())))
            .await
            .map(drop)
    }

    fn arguments(&self) -> Map<String, Value> {
        let mut arguments = Map::new();
        arguments.insert("fdset-id".into(), self.fdset_id.into());
        arguments.insert("fd".into(), self.fd.into());
        arguments
    }
}

impl Drop for AddedFd {
    fn drop(&mut self) {
        if self.open {
            self.client.send_detached("remove-fd", self.arguments());
        }
    }
}
