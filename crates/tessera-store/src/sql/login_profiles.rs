use super::iam_entities::existing_entity;
use super::rows::{EntityRef, LoginProfileRow, PasswordPolicyRow};
use crate::rules::passwords::{PASSWORDS_REMEMBERED, history_limit};
use crate::{
    Existing, LoginProfile, LoginProfileChange, LoginProfileStore, Missing, NewPassword, OwnerKind,
    PasswordPolicy, SqlStore, StoreError,
};
use async_trait::async_trait;
use sqlx::AnyConnection;

async fn existing_user(
    conn: &mut AnyConnection,
    account_id: &str,
    user_name: &str,
) -> Result<EntityRef, StoreError> {
    existing_entity(conn, account_id, OwnerKind::User, user_name).await
}

/// The login profile of the user with unique id `user_id`, if it has one.
async fn find_profile(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<LoginProfile>, StoreError> {
    let row: Option<LoginProfileRow> = sqlx::query_as(
        "SELECT p.user_id, u.name AS user_name, p.password_hash, p.password_reset_required,
                p.max_signin_session_duration, p.created_at, p.password_changed_at
         FROM login_profiles p JOIN users u ON u.user_id = p.user_id
         WHERE p.user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(LoginProfile::from))
}

/// The user's login profile; `NotFound` (by the name asked for) if it has
/// none.
async fn existing_profile(
    conn: &mut AnyConnection,
    user: &EntityRef,
    user_name: &str,
) -> Result<LoginProfile, StoreError> {
    find_profile(conn, &user.id)
        .await?
        .ok_or_else(|| Missing::LoginProfile(user_name.to_string()).into())
}

/// Remembers `password` as the user's latest, keeping the newest
/// [`PASSWORDS_REMEMBERED`].
async fn remember(
    conn: &mut AnyConnection,
    user_id: &str,
    password: &NewPassword,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)",
    )
    .bind(user_id)
    .bind(&password.hash)
    .bind(password.at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM password_history
         WHERE user_id = $1 AND seq NOT IN (
             SELECT seq FROM password_history WHERE user_id = $1 ORDER BY seq DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(PASSWORDS_REMEMBERED)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl LoginProfileStore for SqlStore {
    async fn login_profile(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<LoginProfile, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let user = existing_user(&mut conn, account_id, user_name).await?;
        existing_profile(&mut conn, &user, user_name).await
    }

    async fn create_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
        password: &NewPassword,
        password_reset_required: bool,
        max_signin_session_duration: Option<i64>,
    ) -> Result<LoginProfile, StoreError> {
        let mut tx = self.write().await?;
        let user = existing_user(&mut tx, account_id, user_name).await?;
        if find_profile(&mut tx, &user.id).await?.is_some() {
            return Err(Existing::LoginProfile(user_name.to_string()).into());
        }
        sqlx::query(
            "INSERT INTO login_profiles (user_id, password_hash, password_reset_required,
                                         max_signin_session_duration, created_at,
                                         password_changed_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(&user.id)
        .bind(&password.hash)
        .bind(password_reset_required)
        .bind(max_signin_session_duration)
        .bind(password.at)
        .execute(&mut *tx)
        .await?;
        remember(&mut tx, &user.id, password).await?;
        tx.commit().await?;
        Ok(LoginProfile {
            user_id: user.id,
            user_name: user.name,
            password_hash: password.hash.clone(),
            password_reset_required,
            max_signin_session_duration,
            created_at: password.at,
            password_changed_at: password.at,
        })
    }

    async fn update_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
        change: &LoginProfileChange,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let user = existing_user(&mut tx, account_id, user_name).await?;
        let mut profile = existing_profile(&mut tx, &user, user_name).await?;
        if change
            .replacing
            .as_ref()
            .is_some_and(|expected| *expected != profile.password_hash)
        {
            return Ok(false);
        }
        if let Some(password) = &change.password {
            profile.password_hash = password.hash.clone();
            profile.password_changed_at = password.at;
            remember(&mut tx, &user.id, password).await?;
        }
        if let Some(required) = change.password_reset_required {
            profile.password_reset_required = required;
        }
        if let Some(duration) = change.max_signin_session_duration {
            profile.max_signin_session_duration = duration;
        }
        sqlx::query(
            "UPDATE login_profiles
             SET password_hash = $1, password_changed_at = $2, password_reset_required = $3,
                 max_signin_session_duration = $4
             WHERE user_id = $5",
        )
        .bind(&profile.password_hash)
        .bind(profile.password_changed_at)
        .bind(profile.password_reset_required)
        .bind(profile.max_signin_session_duration)
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_login_profile(
        &self,
        account_id: &str,
        user_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user = existing_user(&mut tx, account_id, user_name).await?;
        let done = sqlx::query("DELETE FROM login_profiles WHERE user_id = $1")
            .bind(&user.id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Missing::LoginProfile(user_name.to_string()).into());
        }
        tx.commit().await?;
        Ok(())
    }

    async fn password_history(
        &self,
        account_id: &str,
        user_name: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let user = existing_user(&mut conn, account_id, user_name).await?;
        Ok(sqlx::query_scalar(
            "SELECT password_hash FROM password_history WHERE user_id = $1
             ORDER BY seq DESC LIMIT $2",
        )
        .bind(&user.id)
        .bind(history_limit(limit))
        .fetch_all(&mut *conn)
        .await?)
    }

    async fn password_policy(
        &self,
        account_id: &str,
    ) -> Result<Option<PasswordPolicy>, StoreError> {
        let row: Option<PasswordPolicyRow> =
            sqlx::query_as("SELECT * FROM password_policies WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(PasswordPolicy::from))
    }

    async fn set_password_policy(
        &self,
        account_id: &str,
        policy: &PasswordPolicy,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO password_policies (account_id, minimum_password_length, require_symbols,
                                            require_numbers, require_uppercase_characters,
                                            require_lowercase_characters,
                                            allow_users_to_change_password, max_password_age,
                                            password_reuse_prevention, hard_expiry)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (account_id) DO UPDATE SET
                 minimum_password_length = excluded.minimum_password_length,
                 require_symbols = excluded.require_symbols,
                 require_numbers = excluded.require_numbers,
                 require_uppercase_characters = excluded.require_uppercase_characters,
                 require_lowercase_characters = excluded.require_lowercase_characters,
                 allow_users_to_change_password = excluded.allow_users_to_change_password,
                 max_password_age = excluded.max_password_age,
                 password_reuse_prevention = excluded.password_reuse_prevention,
                 hard_expiry = excluded.hard_expiry",
        )
        .bind(account_id)
        .bind(policy.minimum_password_length)
        .bind(policy.require_symbols)
        .bind(policy.require_numbers)
        .bind(policy.require_uppercase_characters)
        .bind(policy.require_lowercase_characters)
        .bind(policy.allow_users_to_change_password)
        .bind(policy.max_password_age)
        .bind(policy.password_reuse_prevention)
        .bind(policy.hard_expiry)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_password_policy(&self, account_id: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM password_policies WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Missing::PasswordPolicy(account_id.to_string()).into());
        }
        tx.commit().await?;
        Ok(())
    }
}
