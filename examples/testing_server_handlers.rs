//! Testing your own server handlers in memory: an axum `Router` served by
//! StubTreq, exercised through the treq client (no socket, no port).
//!
//! Run: `cargo run --example testing_server_handlers`

use std::collections::HashMap;

use axum::extract::{Json, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use treq_testing::StubTreq;

/// The application under test.
fn app() -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/greet",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                format!("hello {}", q.get("name").map_or("stranger", String::as_str))
            }),
        )
        .route(
            "/items",
            post(|headers: HeaderMap, Json(item): Json<Value>| async move {
                if headers.get("authorization").is_none() {
                    return (StatusCode::UNAUTHORIZED, Json(json!({"error": "login first"})));
                }
                (StatusCode::CREATED, Json(json!({"id": 1, "name": item["name"]})))
            }),
        )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> treq::Result<()> {
    let stub = StubTreq::from_service(app());

    let health = stub.get("http://app.test/health").await?;
    assert_eq!(health.code(), 200);
    println!("GET /health -> {} {:?}", health.code(), health.text().await?);

    let greet = stub.get("http://app.test/greet").params([("name", "ann")]).await?;
    println!("GET /greet?name=ann -> {:?}", greet.text().await?);

    let denied = stub
        .post("http://app.test/items")
        .json(&json!({"name": "widget"}))
        .await?;
    assert_eq!(denied.code(), 401);
    println!("POST /items without auth -> {} {}", denied.code(), denied.text().await?);

    let created = stub
        .post("http://app.test/items")
        .header("Authorization", "Bearer token")
        .json(&json!({"name": "widget"}))
        .await?;
    assert_eq!(created.code(), 201);
    let body: Value = created.json().await?;
    assert_eq!(body, json!({"id": 1, "name": "widget"}));
    println!("POST /items with auth -> {} {body}", created.code());
    Ok(())
}
