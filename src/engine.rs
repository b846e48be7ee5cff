//! Where a session's queries run: on this machine's worker pool ([`Engine::local`],
//! the default) or on a Spark cluster through Spark Connect ([`Engine::spark`],
//! with the cargo feature `spark`).

#[cfg(feature = "spark")]
use std::sync::Arc;

#[cfg(feature = "spark")]
use partita_common::Error;

/// The engine a session runs its queries on.
#[derive(Clone, Debug, Default)]
pub enum Engine {
    /// Partitions on this machine's worker pool.
    #[default]
    Local,
    /// A Spark Connect server; the error kept when the address is not valid is
    /// returned by the first query, like a frame's plan error.
    #[cfg(feature = "spark")]
    Spark(Arc<std::result::Result<partita_spark::SparkEngine, Error>>),
}

impl Engine {
    /// The local engine (the default).
    pub fn local() -> Engine {
        Engine::Local
    }

    /// The Spark Connect server at `url` (`sc://host:15002`, with
    /// `;use_ssl=true;token=...;user_id=...` as Spark Connect defines them).
    /// Nothing is dialled until the first query; a server that is not there is a
    /// clear error then, within the connect timeout.
    #[cfg(feature = "spark")]
    pub fn spark(url: &str) -> Engine {
        Engine::Spark(Arc::new(partita_spark::SparkEngine::connect(url)))
    }

    /// Like [`Engine::spark`], with a connect timeout and a query timeout.
    #[cfg(feature = "spark")]
    pub fn spark_with_timeouts(
        url: &str,
        connect: std::time::Duration,
        query: Option<std::time::Duration>,
    ) -> Engine {
        Engine::Spark(Arc::new(
            partita_spark::SparkEngine::connect(url)
                .map(|e| e.with_connect_timeout(connect).with_query_timeout(query)),
        ))
    }

    /// `local`, or `spark <address>` (any token hidden).
    pub fn describe(&self) -> String {
        match self {
            Engine::Local => "local".into(),
            #[cfg(feature = "spark")]
            Engine::Spark(e) => match e.as_ref() {
                Ok(e) => format!("spark {}", e.url()),
                Err(_) => "spark (invalid address)".into(),
            },
        }
    }
}
