//! What the connected server offers, asked of the server itself: its `query-qmp-schema`
//! answer, fetched on first use, indexed ([`SchemaIndex`]) and kept for the connection's
//! life, answers [`Client::supports`] (commands), [`Client::supports_event`] and path
//! queries for members, enum values and features ([`Client::supports_query`]). No version
//! table: a backport or a build without some feature answers truthfully.

use std::sync::Arc;

use super::Client;
use crate::command::Command;
use crate::error::Error;
use crate::event::Event;
use crate::introspection::QueryQmpSchema;
use crate::probe::{Query, SchemaIndex};

impl Client {
    /// The connected server's schema, as its `query-qmp-schema` answer says. The first call
    /// on a connection asks the server (callers at the same time wait for that one answer);
    /// later calls, on any clone of this handle, return the same index.
    ///
    /// # Errors
    /// Any error of the `query-qmp-schema` call (a guest agent has no such command:
    /// [`Error::Qmp`] with `CommandNotFound`), or [`Error::Schema`] when the answer breaks a
    /// schema rule (a type reference that does not resolve, a duplicate name, …).
    pub async fn schema(&self) -> Result<Arc<SchemaIndex>, Error> {
        self.shared
            .schema
            .get_or_try_init(|| async {
                let entries = self.execute(&QueryQmpSchema {}).await?;
                let index = SchemaIndex::new(entries).map_err(Error::Schema)?;
                Ok::<_, Error>(Arc::new(index))
            })
            .await
            .cloned()
    }

    /// Whether the connected server has the command `C` (its wire name in the server's
    /// schema). Calling a command the server lacks still fails with QEMU's
    /// `CommandNotFound` error; this answers before trying.
    ///
    /// # Errors
    /// As [`Client::schema`].
    pub async fn supports<C: Command>(&self) -> Result<bool, Error> {
        Ok(self.schema().await?.has_command::<C>())
    }

    /// Whether the connected server can send the event `E`.
    ///
    /// # Errors
    /// As [`Client::schema`].
    pub async fn supports_event<E: Event>(&self) -> Result<bool, Error> {
        Ok(self.schema().await?.has_event::<E>())
    }

    /// Whether `query` holds in the connected server's schema: a member, optional member,
    /// union branch, enum value, JSON type or feature reached from a command or event, in
    /// the query syntax of [`crate::probe`] (libvirt's), e.g.
    /// `blockdev-add/arg-type/+file/*aio` or `query-status/ret-type/status/^inmigrate`.
    ///
    /// ```no_run
    /// # async fn demo(client: &qmp_types::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use qmp_types::probe::Query;
    /// let io_uring = Query::parse("blockdev-add/arg-type/+file/aio/^io_uring")?;
    /// if client.supports_query(&io_uring).await? {
    ///     // ask for `aio: io_uring`
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::schema`].
    pub async fn supports_query(&self, query: &Query) -> Result<bool, Error> {
        Ok(self.schema().await?.holds(query))
    }
}
