//! Runs Partita's optimized plans on a Spark cluster through Spark Connect.
//!
//! The optimized [`LogicalPlan`] is lowered to Spark Connect `Relation` protos
//! ([`lower`]), never to SQL text: in-memory tables travel as Arrow IPC in a
//! `LocalRelation`, files are read by Spark itself (`Read` with format, paths and
//! schema). The semantics the session chose are made explicit in the relation, or
//! the query is refused before anything is sent. Results come back as Arrow IPC
//! batches and are typed as the local plan's schema says.
//!
//! ```no_run
//! # fn main() -> partita_common::Result<()> {
//! let engine = partita_spark::SparkEngine::connect("sc://127.0.0.1:15002")?;
//! println!("{}", engine.address());
//! # Ok(()) }
//! ```

pub mod arrow;
pub mod expr;
pub mod lower;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partita_common::{Error, Result, Semantics};
use partita_core::frame::conform;
use partita_core::Partition;
use partita_plan::LogicalPlan;
use spark_connect_core::{ChannelBuilder, SparkConnectClient, SparkError};
use spark_connect_proto as pb;
use tokio_stream::StreamExt;

pub use lower::{finished_locally, Lowering};

/// How long a query may wait for the server to accept a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A Spark Connect server that runs Partita plans.
pub struct SparkEngine {
    /// The connection string with any token hidden.
    shown: String,
    builder: ChannelBuilder,
    runtime: tokio::runtime::Runtime,
    client: Mutex<Option<Arc<SparkConnectClient>>>,
    connect_timeout: Duration,
    query_timeout: Option<Duration>,
}

impl std::fmt::Debug for SparkEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparkEngine")
            .field("url", &self.shown)
            .field("connect_timeout", &self.connect_timeout)
            .field("query_timeout", &self.query_timeout)
            .finish()
    }
}

/// `url` with the value of every `token=` parameter replaced by `***`.
pub fn redact(url: &str) -> String {
    url.split(';')
        .map(|part| match part.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("token") => format!("{k}=***"),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

impl SparkEngine {
    /// An engine for the server at `url`, a Spark Connect connection string
    /// (`sc://host:port/;use_ssl=true;token=...;user_id=...`). Nothing is dialled
    /// until the first query.
    pub fn connect(url: &str) -> Result<Self> {
        let builder = ChannelBuilder::parse(url).map_err(|e| {
            Error::User(format!(
                "'{}' is not a Spark Connect address: {}",
                redact(url),
                e.message()
            ))
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Io(format!("cannot start the Spark client's runtime: {e}")))?;
        Ok(SparkEngine {
            shown: redact(url),
            builder,
            runtime,
            client: Mutex::new(None),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            query_timeout: None,
        })
    }

    /// How long to wait for the server to accept a connection.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a query may run before it is interrupted (none by default).
    pub fn with_query_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.query_timeout = timeout;
        self
    }

    /// `host:port` of the server.
    pub fn address(&self) -> String {
        format!("{}:{}", self.builder.host(), self.builder.port())
    }

    /// The connection string, any token hidden.
    pub fn url(&self) -> &str {
        &self.shown
    }

    fn unreachable(&self, why: impl std::fmt::Display) -> Error {
        Error::Io(format!(
            "cannot reach the Spark Connect server at {}: {why}",
            self.address()
        ))
    }

    /// The client, connected on first use: a server that is not there fails here,
    /// within the connect timeout.
    fn client(&self) -> Result<Arc<SparkConnectClient>> {
        let mut slot = self
            .client
            .lock()
            .map_err(|_| Error::internal("the Spark client lock"))?;
        if let Some(c) = slot.as_ref() {
            return Ok(Arc::clone(c));
        }
        let address = self.address();
        let probe = std::net::ToSocketAddrs::to_socket_addrs(&address)
            .map_err(|e| self.unreachable(e))?
            .next()
            .ok_or_else(|| self.unreachable("the host name has no address"))?;
        std::net::TcpStream::connect_timeout(&probe, self.connect_timeout)
            .map_err(|e| self.unreachable(e))?;
        let client = Arc::new(
            self.runtime
                .block_on(SparkConnectClient::connect(&self.builder))
                .map_err(|e| self.spark_error(e))?,
        );
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    /// A Spark error as a Partita error: runtime errors keep Spark's error class.
    fn spark_error(&self, e: SparkError) -> Error {
        let class = e.error_class.clone();
        // The rendered message starts with the class (sometimes more than once);
        // Partita's error shows it once.
        let mut message = e.message();
        let prefix = format!("[{class}] ");
        while !class.is_empty() && message.starts_with(&prefix) {
            message = message[prefix.len()..].to_string();
        }
        match e.grpc_code {
            // UNAVAILABLE, DEADLINE_EXCEEDED: the server went away or never answered.
            Some(14) | Some(4) => return self.unreachable(message),
            _ => {}
        }
        // An error the lowering raised on purpose (`raise_error`) where pandas
        // raises: its own class and message.
        if let Some(at) = message.find(expr::RAISED) {
            let rest = &message[at + expr::RAISED.len()..];
            if let Some((own, text)) = rest.split_once("] ") {
                let text = text.trim_end_matches(['"', '.', ' ']).to_string();
                let text = text.split(" SQLSTATE").next().unwrap_or(&text).to_string();
                return if own.ends_with("BY_ZERO") || own == "ARITHMETIC_OVERFLOW" {
                    Error::arithmetic(own, text)
                } else {
                    Error::data(own, text)
                };
            }
        }
        if class.is_empty() {
            // No Spark error class: the transport failed (the server went away
            // mid-stream: "h2 protocol error", "transport error", a reset).
            let transport = matches!(e.grpc_code, Some(1) | Some(2))
                || [
                    "h2 protocol",
                    "transport error",
                    "connection",
                    "broken pipe",
                ]
                .iter()
                .any(|w| message.to_ascii_lowercase().contains(w));
            if transport {
                return self.unreachable(message);
            }
            return Error::Io(format!("Spark at {}: {message}", self.address()));
        }
        let arithmetic = [
            "DIVIDE_BY_ZERO",
            "ARITHMETIC_OVERFLOW",
            "CAST_OVERFLOW",
            "NUMERIC_VALUE_OUT_OF_RANGE",
            "REMAINDER_BY_ZERO",
            "INTERVAL_DIVIDED_BY_ZERO",
        ];
        if arithmetic.iter().any(|c| class.starts_with(c)) {
            Error::arithmetic(&class, message)
        } else if matches!(
            e.kind,
            spark_connect_core::SparkErrorKind::Analysis
                | spark_connect_core::SparkErrorKind::Parse
        ) {
            Error::analysis(&class, message)
        } else {
            Error::data(&class, message)
        }
    }

    /// The Spark configuration a query runs with under `semantics` (set in the
    /// session the queries run in: the same session id and user as theirs).
    fn configure(&self, client: &SparkConnectClient, semantics: &Semantics) -> Result<()> {
        let ansi = semantics.integer_overflow == partita_common::IntegerOverflow::Error;
        let exact_decimals = semantics.numeric_promotion == partita_common::NumericPromotion::Numpy;
        let settings = [
            (
                "spark.sql.ansi.enabled",
                if ansi { "true" } else { "false" },
            ),
            // pandas' Decimal objects keep every digit of `+ - * %` (the plan's
            // type is the exact scale, bounded to 38 digits); Spark's default
            // gives up scale past 38 digits of precision.
            (
                "spark.sql.decimalOperations.allowPrecisionLoss",
                if exact_decimals { "false" } else { "true" },
            ),
            // Names in the plan are already resolved to their exact spelling.
            ("spark.sql.caseSensitive", "true"),
            ("spark.sql.session.timeZone", "UTC"),
        ];
        for (k, v) in settings {
            self.block(client.set_config(k, v))?;
        }
        Ok(())
    }

    fn block<T>(
        &self,
        f: impl std::future::Future<Output = spark_connect_core::Result<T>>,
    ) -> Result<T> {
        let timeout = self.query_timeout;
        self.runtime.block_on(async {
            match timeout {
                Some(t) => match tokio::time::timeout(t, f).await {
                    Ok(r) => r.map_err(|e| self.spark_error(e)),
                    Err(_) => Err(self.unreachable(format!("no answer within {t:?}"))),
                },
                None => f.await.map_err(|e| self.spark_error(e)),
            }
        })
    }

    /// Runs `plan` (already optimized) on Spark under `semantics` and returns the
    /// result partitions, typed as the plan's schema says. `cancel`, when set while
    /// the query runs, interrupts it on the server. A note of a type the values
    /// decide (`partita_exec::late_types`) is answered by one more query, which
    /// asks whether its producer's relation holds a missing value.
    pub fn run(
        &self,
        plan: &LogicalPlan,
        semantics: &Semantics,
        cancel: Option<&AtomicBool>,
    ) -> Result<Vec<Partition>> {
        let lowering = Lowering::new(*semantics)?;
        let relation = lowering.lower(plan)?;
        let client = self.client()?;
        self.configure(&client, semantics)?;
        let frames = self.execute(&client, relation, cancel)?;
        for (producer, note) in lowering.take_notes() {
            let answer = self.execute(&client, Lowering::note_query(producer, &note), cancel)?;
            for (i, (_, missing)) in note.columns.iter().enumerate() {
                let seen = answer.iter().any(|f| {
                    f.columns()
                        .get(i)
                        .and_then(|c| c.as_materialized_series().bool().ok())
                        .is_some_and(|b| b.any())
                });
                if seen {
                    missing.store(true, Ordering::SeqCst);
                }
            }
        }
        let schema = plan.schema();
        let frames = if frames.is_empty() {
            vec![partita_core::frame::empty_frame(schema)]
        } else {
            frames
        };
        frames
            .into_iter()
            .map(|f| conform(f, schema, semantics))
            .collect()
    }

    /// Runs `relation` and returns the Arrow batches Spark sends, as frames.
    fn execute(
        &self,
        client: &SparkConnectClient,
        relation: pb::Relation,
        cancel: Option<&AtomicBool>,
    ) -> Result<Vec<Partition>> {
        let operation = uuid::Uuid::new_v4().to_string();
        let request = pb::ExecutePlanRequest {
            session_id: client.session_id().to_string(),
            user_context: Some(pb::UserContext {
                user_id: client.user_id().unwrap_or_default().to_string(),
                user_name: client.user_id().unwrap_or_default().to_string(),
                extensions: vec![],
            }),
            operation_id: Some(operation.clone()),
            plan: Some(pb::Plan {
                op_type: Some(pb::plan::OpType::Root(relation)),
            }),
            client_type: Some("partita".into()),
            request_options: vec![],
            tags: vec![],
            client_observed_server_side_session_id: None,
        };
        let started = std::time::Instant::now();
        self.runtime.block_on(async {
            let mut stream = client
                .execute_plan(request)
                .await
                .map_err(|e| self.spark_error(e))?;
            let mut frames = vec![];
            loop {
                let next = tokio::time::timeout(Duration::from_millis(100), stream.next()).await;
                if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    let _ = client.interrupt_operation(&operation).await;
                    return Err(Error::Cancelled);
                }
                if let Some(limit) = self.query_timeout {
                    if started.elapsed() > limit {
                        let _ = client.interrupt_operation(&operation).await;
                        return Err(
                            self.unreachable(format!("the query did not finish within {limit:?}"))
                        );
                    }
                }
                let Ok(next) = next else { continue };
                let Some(message) = next else { break };
                let message =
                    message.map_err(|s| self.spark_error(SparkError::from_grpc_status(s)))?;
                if let Some(pb::execute_plan_response::ResponseType::ArrowBatch(b)) =
                    message.response_type
                {
                    frames.extend(partita_core::ipc::read_stream(&b.data)?);
                }
            }
            Ok::<_, Error>(frames)
        })
    }

    /// The relation tree `plan` lowers to, and Spark's own plans for it
    /// (`AnalyzePlan`, extended mode).
    pub fn explain(&self, plan: &LogicalPlan, semantics: &Semantics) -> Result<String> {
        let relation = Lowering::new(*semantics)?.lower(plan)?;
        let tree = lower::display(&relation);
        let client = self.client()?;
        self.configure(&client, semantics)?;
        let request = pb::AnalyzePlanRequest {
            session_id: client.session_id().to_string(),
            user_context: Some(pb::UserContext {
                user_id: client.user_id().unwrap_or_default().to_string(),
                user_name: client.user_id().unwrap_or_default().to_string(),
                extensions: vec![],
            }),
            client_type: Some("partita".into()),
            client_observed_server_side_session_id: None,
            analyze: Some(pb::analyze_plan_request::Analyze::Explain(
                pb::analyze_plan_request::Explain {
                    plan: Some(pb::Plan {
                        op_type: Some(pb::plan::OpType::Root(relation)),
                    }),
                    explain_mode: pb::analyze_plan_request::explain::ExplainMode::Extended as i32,
                },
            )),
        };
        let response = self.block(client.analyze_plan(request))?;
        let spark = match response.result {
            Some(pb::analyze_plan_response::Result::Explain(e)) => e.explain_string,
            _ => String::from("(Spark returned no plan)"),
        };
        Ok(format!(
            "== Spark Connect relation ({}) ==\n{tree}\n== Spark's plans ==\n{spark}",
            self.shown
        ))
    }
}
