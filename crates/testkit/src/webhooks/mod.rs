//! Webhook subscriptions (`/v2/webhooks`) and their deliveries.
//!
//! On every booking change the mock POSTs Cal.com's body to each active
//! subscriber of that trigger, asynchronously (one tokio task each, no
//! ordering), **once** (Cal.com's default path has no retry), signed with
//! `X-Cal-Signature-256` = lowercase hex HMAC-SHA256 of the raw body with
//! the subscriber's secret (`no-secret-provided` without one) and
//! `X-Cal-Webhook-Version: 2021-10-20`. Every delivery is logged with its
//! outcome; [`Webhooks`] lets tests wait for them, hold and reorder them,
//! drop them, replay them and send a PING.

pub(crate) mod payload;
pub(crate) mod signing;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::bookings::MockBooking;
use crate::demo_data::Catalog;
use crate::webhooks::payload::{Extra, booking_payload, envelope, no_show_payload, ping_payload};

/// Cal.com's answer to a second webhook with the same URL.
pub(crate) const DUPLICATE_URL: &str =
    "Webhook with this subscriber url already exists for this user";
/// `DEFAULT_WEBHOOK_VERSION`.
pub(crate) const WEBHOOK_VERSION: &str = "2021-10-20";
/// How long one delivery may take before it counts as failed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One subscription.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Webhook {
    /// A uuid string, as Cal.com's repository makes them.
    pub(crate) id: String,
    /// Owner.
    pub(crate) user_id: u64,
    /// Where to POST.
    pub(crate) subscriber_url: String,
    /// Inactive webhooks get nothing.
    pub(crate) active: bool,
    /// Subscribed triggers.
    pub(crate) triggers: Vec<String>,
    /// Stored and shown; the mock always sends the default body.
    pub(crate) payload_template: Option<String>,
    /// HMAC key.
    pub(crate) secret: Option<String>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("subscriber_url", &self.subscriber_url)
            .field("active", &self.active)
            .field("triggers", &self.triggers)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// Being sent.
    Pending,
    /// Held back by [`Webhooks::hold`]; sent by [`Webhooks::release`].
    Held,
    /// Deliberately not sent ([`Webhooks::drop_next`]): a lost webhook.
    Dropped,
    /// The subscriber answered (any status: Cal.com does not retry non-2xx).
    Delivered {
        /// The subscriber's HTTP status.
        status: u16,
    },
    /// The request failed (connection refused, timeout).
    Failed {
        /// Why.
        error: String,
    },
}

impl DeliveryOutcome {
    /// Whether the delivery is over (sent, failed or dropped).
    pub fn is_settled(&self) -> bool {
        !matches!(self, Self::Pending | Self::Held)
    }
}

/// One POST to one subscriber (or one that was held or dropped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// Sequence number, from 1.
    pub id: u64,
    /// The subscription.
    pub webhook_id: String,
    /// `BOOKING_CREATED`, `PING`, ...
    pub trigger: String,
    /// The booking uid, if the trigger is about one.
    pub booking_uid: Option<String>,
    /// Where it went.
    pub url: String,
    /// The exact raw body sent.
    pub body: String,
    /// The `X-Cal-Signature-256` value sent.
    pub signature: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: DeliveryOutcome,
    /// Set on re-deliveries: the delivery replayed.
    pub replay_of: Option<u64>,
}

impl WebhookDelivery {
    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Why a call of the testkit's Rust control API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TestkitError {
    /// Waiting for webhook deliveries took longer than allowed.
    #[error("only {settled} of {wanted} webhook deliveries settled in time")]
    DeliveryTimeout {
        /// Deliveries wanted.
        wanted: usize,
        /// Deliveries settled by the deadline.
        settled: usize,
    },
    /// No webhook with this id.
    #[error("no such webhook: {0}")]
    UnknownWebhook(String),
    /// No delivery with this id.
    #[error("no such webhook delivery: {0}")]
    UnknownDelivery(u64),
}

#[derive(Debug, Default)]
pub(crate) struct HubState {
    pub(crate) hooks: Vec<Webhook>,
    deliveries: Vec<WebhookDelivery>,
    hold: bool,
    drop_next: u32,
}

/// Subscriptions, the delivery log and the HTTP client that sends.
#[derive(Debug, Clone)]
pub(crate) struct Hub {
    state: Arc<Mutex<HubState>>,
    settled: Arc<watch::Sender<u64>>,
    client: reqwest::Client,
}

impl Hub {
    pub(crate) fn new() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(DELIVERY_TIMEOUT)
            .no_proxy()
            .build()
            .unwrap_or_default();
        Self {
            state: Arc::default(),
            settled: Arc::new(watch::channel(0).0),
            client,
        }
    }

    /// Runs `f` on the subscriptions and log.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut HubState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Fans a booking event out to subscribers of `trigger`.
    pub(crate) fn booking_event(
        &self,
        trigger: &str,
        booking: &MockBooking,
        catalog: &Catalog,
        extra: &Extra,
    ) {
        let payload = if trigger == payload::trigger::NO_SHOW_UPDATED {
            no_show_payload(booking)
        } else {
            booking_payload(booking, catalog, extra)
        };
        let targets: Vec<Webhook> = self.with(|s| {
            s.hooks
                .iter()
                .filter(|h| h.active && h.triggers.iter().any(|t| t == trigger))
                .cloned()
                .collect()
        });
        for hook in targets {
            self.dispatch(
                &hook,
                trigger,
                Some(booking.uid.clone()),
                payload.clone(),
                None,
            );
        }
    }

    /// Signs, logs and (unless held or dropped) sends one delivery.
    fn dispatch(
        &self,
        hook: &Webhook,
        trigger: &str,
        booking_uid: Option<String>,
        payload: Value,
        replay_of: Option<u64>,
    ) -> u64 {
        let now = Utc::now();
        let body = envelope(trigger, now, payload).to_string();
        let signature = signing::signature(hook.secret.as_deref(), body.as_bytes());
        let (delivery, send) = self.with(|s| {
            let outcome = if s.drop_next > 0 {
                s.drop_next -= 1;
                DeliveryOutcome::Dropped
            } else if s.hold {
                DeliveryOutcome::Held
            } else {
                DeliveryOutcome::Pending
            };
            let d = WebhookDelivery {
                id: s.deliveries.len() as u64 + 1,
                webhook_id: hook.id.clone(),
                trigger: trigger.to_owned(),
                booking_uid,
                url: hook.subscriber_url.clone(),
                body,
                signature,
                created_at: now,
                outcome,
                replay_of,
            };
            s.deliveries.push(d.clone());
            let send = d.outcome == DeliveryOutcome::Pending;
            (d, send)
        });
        if delivery.outcome == DeliveryOutcome::Dropped {
            self.bump();
        }
        if send {
            self.spawn_send(vec![delivery.clone()]);
        }
        delivery.id
    }

    fn bump(&self) {
        self.settled.send_modify(|n| *n += 1);
    }

    /// Sends `batch` in order, one after another, in one task.
    fn spawn_send(&self, batch: Vec<WebhookDelivery>) {
        let hub = self.clone();
        tokio::spawn(async move {
            for d in batch {
                let outcome = hub.post(&d).await;
                hub.with(|s| {
                    if let Some(entry) = s.deliveries.iter_mut().find(|e| e.id == d.id) {
                        entry.outcome = outcome;
                    }
                });
                hub.bump();
            }
        });
    }

    async fn post(&self, d: &WebhookDelivery) -> DeliveryOutcome {
        let res = self
            .client
            .post(&d.url)
            .header("content-type", "application/json")
            .header("x-cal-signature-256", &d.signature)
            .header("x-cal-webhook-version", WEBHOOK_VERSION)
            .body(d.body.clone())
            .send()
            .await;
        match res {
            Ok(r) => DeliveryOutcome::Delivered {
                status: r.status().as_u16(),
            },
            Err(e) => DeliveryOutcome::Failed {
                error: e.to_string(),
            },
        }
    }
}

/// Controls webhook delivery of a running mock; get it from
/// [`crate::MockCalcom::webhooks`].
#[derive(Debug, Clone)]
pub struct Webhooks {
    hub: Hub,
}

impl Webhooks {
    pub(crate) fn new(hub: Hub) -> Self {
        Self { hub }
    }

    /// Subscribes `url` to every booking trigger (like `POST /v2/webhooks`
    /// with all `BOOKING_*` triggers); returns the webhook id.
    pub fn subscribe(&self, url: &str, secret: Option<&str>) -> String {
        let hook = Webhook {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: 1,
            subscriber_url: url.to_owned(),
            active: true,
            triggers: payload::TRIGGERS[..8]
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            payload_template: None,
            secret: secret.map(str::to_owned),
        };
        let id = hook.id.clone();
        self.hub.with(|s| s.hooks.push(hook));
        id
    }

    /// Every delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.hub.with(|s| s.deliveries.clone())
    }

    /// Waits until at least `n` deliveries are settled (sent, failed or
    /// dropped) and returns the log, or times out.
    ///
    /// # Errors
    /// [`TestkitError::DeliveryTimeout`] when fewer than `n` settled within
    /// `timeout`.
    pub async fn wait_for_deliveries(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<WebhookDelivery>, TestkitError> {
        let mut rx = self.hub.settled.subscribe();
        let settled = |hub: &Hub| {
            hub.with(|s| {
                s.deliveries
                    .iter()
                    .filter(|d| d.outcome.is_settled())
                    .count()
            })
        };
        let wait = async {
            loop {
                if settled(&self.hub) >= n {
                    return;
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(()) if settled(&self.hub) >= n => Ok(self.deliveries()),
            _ => Err(TestkitError::DeliveryTimeout {
                wanted: n,
                settled: settled(&self.hub),
            }),
        }
    }

    /// Sends a `PING` test delivery to webhook `id` (Cal.com's "test"
    /// button); returns the delivery id.
    ///
    /// # Errors
    /// [`TestkitError::UnknownWebhook`] when there is no such webhook.
    pub fn ping(&self, id: &str) -> Result<u64, TestkitError> {
        let hook = self
            .hub
            .with(|s| s.hooks.iter().find(|h| h.id == id).cloned())
            .ok_or_else(|| TestkitError::UnknownWebhook(id.to_owned()))?;
        Ok(self.hub.dispatch(
            &hook,
            payload::trigger::PING,
            None,
            ping_payload(Utc::now()),
            None,
        ))
    }

    /// Sends delivery `id` again: the same raw body and signature (a replay,
    /// as an attacker or a retrying proxy would); returns the new id.
    ///
    /// # Errors
    /// [`TestkitError::UnknownDelivery`] when there is no such delivery.
    pub fn redeliver(&self, id: u64) -> Result<u64, TestkitError> {
        let new_id = self.hub.with(|s| {
            let original = s.deliveries.iter().find(|d| d.id == id)?.clone();
            let copy = WebhookDelivery {
                id: s.deliveries.len() as u64 + 1,
                created_at: Utc::now(),
                outcome: DeliveryOutcome::Pending,
                replay_of: Some(id),
                ..original
            };
            s.deliveries.push(copy.clone());
            Some(copy)
        });
        let copy = new_id.ok_or(TestkitError::UnknownDelivery(id))?;
        let new_id = copy.id;
        self.hub.spawn_send(vec![copy]);
        Ok(new_id)
    }

    /// While on, new deliveries are logged as [`DeliveryOutcome::Held`]
    /// and not sent; [`Webhooks::release`] sends them in any order.
    pub fn hold(&self, on: bool) {
        self.hub.with(|s| s.hold = on);
    }

    /// Sends held deliveries, one after another, in exactly the order of
    /// `ids` (e.g. a RESCHEDULED before its CREATED). Ids that are not held
    /// are skipped; returns how many were sent.
    pub fn release(&self, ids: &[u64]) -> usize {
        let batch: Vec<WebhookDelivery> = self.hub.with(|s| {
            ids.iter()
                .filter_map(|id| {
                    let d = s
                        .deliveries
                        .iter_mut()
                        .find(|d| d.id == *id && d.outcome == DeliveryOutcome::Held)?;
                    d.outcome = DeliveryOutcome::Pending;
                    Some(d.clone())
                })
                .collect()
        });
        let n = batch.len();
        if n > 0 {
            self.hub.spawn_send(batch);
        }
        n
    }

    /// Sends every held delivery in reverse order (newest first).
    pub fn release_reversed(&self) -> usize {
        let ids: Vec<u64> = self.hub.with(|s| {
            s.deliveries
                .iter()
                .rev()
                .filter(|d| d.outcome == DeliveryOutcome::Held)
                .map(|d| d.id)
                .collect()
        });
        self.release(&ids)
    }

    /// The next `n` deliveries are lost (logged as dropped, never sent).
    pub fn drop_next(&self, n: u32) {
        self.hub
            .with(|s| s.drop_next = s.drop_next.saturating_add(n));
    }
}
