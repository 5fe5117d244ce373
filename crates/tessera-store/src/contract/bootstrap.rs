use super::key;
use crate::{Account, RingKeyRecord, Store};

fn ring_key(id: i64, retired_at: Option<i64>) -> RingKeyRecord {
    RingKeyRecord {
        id,
        sealed_material: format!("sealed-material-{id}"),
        created_at: 1_700_000_000 + id,
        retired_at,
    }
}

/// What the first node to start writes: one key ring and one first
/// account, however many nodes try; and the ring replaced as a rotation
/// replaces it. Needs a store no node has bootstrapped.
pub async fn bootstrap(store: &dyn Store) {
    assert_eq!(store.ring_keys().await.expect("ring"), []);
    let first = [ring_key(1, None)];
    assert!(store.install_ring(&first).await.expect("install"));
    assert!(
        !store
            .install_ring(&[ring_key(5, None)])
            .await
            .expect("second install"),
        "a second ring is refused"
    );
    assert_eq!(store.ring_keys().await.expect("ring"), first);

    let account = |n: u8| Account {
        id: format!("9000000001{n:02}"),
        name: format!("first-{n}"),
        created_at: 1_700_000_000,
    };
    assert!(
        store
            .create_first_account(&account(1), &key("AKIAFIRST01", "900000000101", None))
            .await
            .expect("first")
    );
    assert!(
        !store
            .create_first_account(&account(2), &key("AKIAFIRST02", "900000000102", None))
            .await
            .expect("second"),
        "a second first account is refused"
    );
    assert_eq!(store.accounts().await.expect("accounts").len(), 1);
    assert!(
        store
            .access_key("AKIAFIRST02")
            .await
            .expect("key")
            .is_none()
    );
    assert!(
        store
            .access_key("AKIAFIRST01")
            .await
            .expect("key")
            .is_some()
    );

    // A rotation's transaction replaces the ring whole; dropped, nothing.
    let rotated = [ring_key(1, Some(1_800_000_000)), ring_key(2, None)];
    let mut tx = store.begin_sealed().await.expect("begin");
    assert_eq!(tx.ring_keys().await.expect("ring"), first);
    tx.replace_ring(&rotated).await.expect("replace");
    drop(tx);
    assert_eq!(store.ring_keys().await.expect("ring"), first);
    let mut tx = store.begin_sealed().await.expect("begin");
    tx.replace_ring(&rotated).await.expect("replace");
    tx.commit().await.expect("commit");
    assert_eq!(store.ring_keys().await.expect("ring"), rotated);
}
