//! What the connected server offers, for the blocking client: the same cached schema as
//! the async client's ([`crate::client::Client::schema`]).

use std::sync::Arc;

use super::Client;
use crate::client::Error;
use crate::command::Command;
use crate::event::Event;
use crate::probe::{Query, SchemaIndex};

impl Client {
    /// The connected server's schema, asked once per connection (see
    /// [`crate::client::Client::schema`]).
    ///
    /// # Errors
    /// As [`crate::client::Client::schema`], plus [`Error::Runtime`].
    pub fn schema(&self) -> Result<Arc<SchemaIndex>, Error> {
        self.runtime.block_on(self.inner.schema())?
    }

    /// Whether the connected server has the command `C` (see [`crate::client::Client::supports`]).
    ///
    /// # Errors
    /// As [`Client::schema`].
    pub fn supports<C: Command>(&self) -> Result<bool, Error> {
        Ok(self.schema()?.has_command::<C>())
    }

    /// Whether the connected server can send the event `E`.
    ///
    /// # Errors
    /// As [`Client::schema`].
    pub fn supports_event<E: Event>(&self) -> Result<bool, Error> {
        Ok(self.schema()?.has_event::<E>())
    }

    /// Whether `query` holds in the connected server's schema (see
    /// [`crate::client::Client::supports_query`]).
    ///
    /// # Errors
    /// As [`Client::schema`].
    pub fn supports_query(&self, query: &Query) -> Result<bool, Error> {
        Ok(self.schema()?.holds(query))
    }
}
