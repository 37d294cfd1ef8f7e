//! Webhook subscriptions: create, list, get, update, delete, and Cal.com's
//! 409 for a second subscription to the same URL.

use calbridge_calcom::CalcomError;
use calbridge_calcom::dto::{
    CreateWebhookRequest, UpdateWebhookRequest, WebhookTrigger, WebhooksQuery,
};
use calbridge_testkit::MockCalcom;
use secrecy::SecretString;

use crate::support::*;

fn subscription(url: &str) -> CreateWebhookRequest {
    CreateWebhookRequest {
        subscriber_url: url.to_owned(),
        active: true,
        triggers: vec![
            WebhookTrigger::BookingCreated,
            WebhookTrigger::BookingCancelled,
        ],
        payload_template: None,
        secret: Some(SecretString::from("whsec_flowtest")),
        version: None,
    }
}

#[tokio::test]
async fn webhooks_crud_and_a_duplicate_url_conflict() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let url = "https://hooks.example.com/calcom";

    let created = client.create_webhook(&subscription(url)).await.unwrap();
    assert_eq!(created.subscriber_url, url);
    assert!(created.active);
    assert_eq!(created.triggers.len(), 2);
    assert!(!format!("{created:?}").contains("whsec_flowtest"));

    let listed = client
        .list_webhooks(&WebhooksQuery::default())
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|w| &w.id).collect::<Vec<_>>(),
        vec![&created.id]
    );
    assert_eq!(
        client.get_webhook(&created.id).await.unwrap().id,
        created.id
    );

    let err = client.create_webhook(&subscription(url)).await.unwrap_err();
    assert!(matches!(err, CalcomError::Conflict { .. }), "{err:?}");

    let updated = client
        .update_webhook(
            &created.id,
            &UpdateWebhookRequest {
                active: Some(false),
                triggers: Some(vec![WebhookTrigger::BookingRescheduled]),
                ..UpdateWebhookRequest::default()
            },
        )
        .await
        .unwrap();
    assert!(!updated.active);
    assert_eq!(updated.triggers, vec![WebhookTrigger::BookingRescheduled]);
    assert_eq!(updated.subscriber_url, url);

    let deleted = client.delete_webhook(&created.id).await.unwrap();
    assert_eq!(deleted.id, created.id);
    let err = client.get_webhook(&created.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            CalcomError::NotFound {
                entity: "webhook",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        client
            .list_webhooks(&WebhooksQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
}
