//! The live IAM state: loaded from the drives at start (through the object
//! layer's system documents), changed one update at a time (drives first,
//! then the in-memory view is swapped), and read lock-free-ish on every
//! request: the secret of an access key, who it belongs to, and that
//! user's policies parsed once per change (evaluation never re-parses).
//! Secret keys exist in plaintext only in memory, never in a log line.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::error::IamError;
use super::model::{IAM_FORMAT, IamState, User};
use super::policy::{Policy, PolicyKind, Principal};
use crate::crypto::MasterKey;
use crate::objects::Objects;

/// Name of the IAM system document.
const DOC: &str = "iam";

/// The account everything belongs to (one per deployment).
#[derive(Debug, Clone)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    /// S3 canonical user id of the account (owner of every bucket/object).
    pub canonical_id: String,
    /// Display name shown as the owner.
    pub display_name: String,
}

impl Account {
    /// The account of deployment `deployment_id`: a 12-digit id and a
    /// 64-hex canonical id derived from it, stable for the deployment.
    pub fn of_deployment(deployment_id: &str) -> Account {
        let h = blake3::hash(format!("gureum-account:{deployment_id}").as_bytes());
        let n = u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]));
        // Leading digit never 0, so the id is always 12 digits.
        let id = format!("{}", 100_000_000_000 + n % 900_000_000_000);
        let canonical = blake3::hash(format!("gureum-canonical:{id}").as_bytes());
        Account {
            id,
            canonical_id: canonical.to_hex().to_string(),
            display_name: "gureum".into(),
        }
    }

    /// `arn:aws:iam::<account>:user<path><name>`.
    pub fn user_arn(&self, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:user{path}{name}", self.id)
    }

    /// `arn:aws:iam::<account>:group<path><name>`.
    pub fn group_arn(&self, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:group{path}{name}", self.id)
    }

    /// `arn:aws:iam::<account>:policy<path><name>`.
    pub fn policy_arn(&self, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:policy{path}{name}", self.id)
    }
}

/// Who an access key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The deployment's root key pair.
    Root,
    /// An IAM user, as of the IAM generation its key was resolved in.
    User(Arc<UserRef>),
}

/// An IAM user with what deciding its requests needs, built once per IAM
/// generation so a request clones one `Arc` instead of names, principal
/// and policy list (and takes no further lock to find them).
#[derive(Debug)]
pub struct UserRef {
    /// Name.
    pub name: String,
    /// Unique id.
    pub user_id: String,
    /// Path.
    pub path: String,
    /// The policy-language principal.
    pub principal: Arc<Principal>,
    /// Parsed identity policies (inline, attached, and from groups).
    pub policies: Arc<Vec<Arc<Policy>>>,
}

impl PartialEq for UserRef {
    fn eq(&self, other: &Self) -> bool {
        self.user_id == other.user_id && self.name == other.name && self.path == other.path
    }
}

impl Eq for UserRef {}

struct KeyEntry {
    identity: Identity,
    secret: String,
}

/// One generation of the state with what requests need precomputed.
struct View {
    generation: u64,
    state: Arc<IamState>,
    /// Active keys, each with its user's principal and parsed policies
    /// (built once per generation, not per request).
    keys: HashMap<String, KeyEntry>,
}

/// The IAM state of a running origin.
pub struct Iam {
    objects: Arc<Objects>,
    master: Arc<MasterKey>,
    account: Account,
    root_access_key: String,
    root_secret: String,
    view: RwLock<Arc<View>>,
    /// Serialises updates (read-modify-write of the whole document).
    writer: tokio::sync::Mutex<()>,
    /// When each access key was last used: (unix secs, service, region).
    last_used: RwLock<HashMap<String, (i64, String, String)>>,
    root_principal: Arc<Principal>,
    anonymous: Arc<Principal>,
}

fn user_principal(account: &Account, name: &str, user_id: &str, path: &str) -> Principal {
    Principal::User {
        account: account.id.clone(),
        name: name.to_owned(),
        arn: account.user_arn(path, name),
        user_id: user_id.to_owned(),
        canonical_id: Some(account.canonical_id.clone()),
    }
}

fn build_view(
    generation: u64,
    state: IamState,
    master: &MasterKey,
    account: &Account,
) -> Result<View, IamError> {
    let mut users = HashMap::new();
    for u in state.users.values() {
        let mut parsed = Vec::new();
        for (name, doc) in state.documents_of(u) {
            match Policy::parse(doc, PolicyKind::Identity) {
                Ok(p) => parsed.push(Arc::new(p)),
                // Documents are validated when put; one that no longer
                // parses (a stricter build) grants nothing.
                Err(e) => tracing::warn!(policy = name, err = %e.message(), "policy ignored"),
            }
        }
        users.insert(
            u.name.clone(),
            Arc::new(UserRef {
                name: u.name.clone(),
                user_id: u.user_id.clone(),
                path: u.path.clone(),
                principal: Arc::new(user_principal(account, &u.name, &u.user_id, &u.path)),
                policies: Arc::new(parsed),
            }),
        );
    }
    let mut keys = HashMap::new();
    for (id, k) in &state.keys {
        if !k.active {
            continue;
        }
        let Some(user) = users.get(&k.user) else {
            continue;
        };
        let secret = master
            .open(&k.secret_sealed, id)
            .map_err(|e| IamError::Internal(format!("access key {id}: {e}")))?;
        let secret = String::from_utf8(secret)
            .map_err(|_| IamError::Internal(format!("access key {id}: secret not UTF-8")))?;
        keys.insert(
            id.clone(),
            KeyEntry {
                identity: Identity::User(Arc::clone(user)),
                secret,
            },
        );
    }
    Ok(View {
        generation,
        state: Arc::new(state),
        keys,
    })
}

impl Iam {
    /// Loads the IAM state (empty at first start).
    pub async fn open(
        objects: Arc<Objects>,
        master: Arc<MasterKey>,
        root_access_key: String,
        root_secret: String,
    ) -> Result<Iam, IamError> {
        let account = Account::of_deployment(&objects.deployment_id());
        let (generation, state) = match objects.read_system_doc(DOC).await? {
            Some((g, body)) => {
                let state: IamState = serde_json::from_value(body)
                    .map_err(|e| IamError::Internal(format!("IAM document: {e}")))?;
                if state.format > IAM_FORMAT || state.format == 0 {
                    return Err(IamError::Internal(format!(
                        "IAM document format {} is not one this build understands",
                        state.format
                    )));
                }
                (g, state)
            }
            None => (0, IamState::new()),
        };
        let view = build_view(generation, state, &master, &account)?;
        let root_principal =
            Arc::new(Principal::root(&account.id).with_canonical_id(&account.canonical_id));
        Ok(Iam {
            root_principal,
            anonymous: Arc::new(Principal::Anonymous),
            objects,
            master,
            account,
            root_access_key,
            root_secret,
            view: RwLock::new(Arc::new(view)),
            writer: tokio::sync::Mutex::new(()),
            last_used: RwLock::new(HashMap::new()),
        })
    }

    fn view(&self) -> Arc<View> {
        Arc::clone(&self.view.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The master key (sealing new secrets).
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// A snapshot of the whole state (reads of the IAM API).
    pub fn state(&self) -> Arc<IamState> {
        Arc::clone(&self.view().state)
    }

    /// The secret and owner of an active access key; None for unknown,
    /// inactive or deleted keys (the key stops working at once).
    pub fn secret_for(&self, access_key: &str) -> Option<(Identity, String)> {
        if !self.root_access_key.is_empty() && access_key == self.root_access_key {
            return Some((Identity::Root, self.root_secret.clone()));
        }
        let view = self.view();
        view.keys
            .get(access_key)
            .map(|k| (k.identity.clone(), k.secret.clone()))
    }

    /// Who an (already authenticated) access key belongs to.
    pub fn identity_of(&self, access_key: &str) -> Option<Identity> {
        if access_key == self.root_access_key {
            return Some(Identity::Root);
        }
        self.view().keys.get(access_key).map(|k| k.identity.clone())
    }

    /// The policy-language principal of an identity.
    pub fn principal(&self, identity: Option<&Identity>) -> Arc<Principal> {
        match identity {
            None => Arc::clone(&self.anonymous),
            Some(Identity::Root) => Arc::clone(&self.root_principal),
            Some(Identity::User(user)) => Arc::clone(&user.principal),
        }
    }

    /// Notes a use of `access_key` (GetAccessKeyLastUsed).
    pub fn note_use(&self, access_key: &str, service: &str, region: &str) {
        if access_key == self.root_access_key {
            return;
        }
        let now = crate::objects::now_ms() / 1000;
        // Most uses repeat the last one within the same second: a shared
        // read lock then, so concurrent requests of one key do not queue.
        if self
            .last_used
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(access_key)
            .is_some_and(|(t, s, r)| *t == now && s == service && r == region)
        {
            return;
        }
        let mut m = self.last_used.write().unwrap_or_else(|e| e.into_inner());
        m.insert(
            access_key.to_string(),
            (now, service.to_string(), region.to_string()),
        );
    }

    /// When `access_key` was last used.
    pub fn last_used(&self, access_key: &str) -> Option<(i64, String, String)> {
        self.last_used
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(access_key)
            .cloned()
    }

    /// Changes the state with `f` (which validates and may refuse): the new
    /// generation is written to the drives first; only then do requests
    /// see it. Nothing changes when `f` or the write fails.
    pub async fn update<T>(
        &self,
        f: impl FnOnce(&mut IamState) -> Result<T, IamError>,
    ) -> Result<T, IamError> {
        let _turn = self.writer.lock().await;
        let current = self.view();
        let mut next = (*current.state).clone();
        let out = f(&mut next)?;
        next.format = IAM_FORMAT;
        let generation = current.generation + 1;
        let body = serde_json::to_value(&next).map_err(|e| IamError::Internal(e.to_string()))?;
        self.objects.write_system_doc(DOC, generation, body).await?;
        let view = build_view(generation, next, &self.master, &self.account)?;
        *self.view.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(view);
        Ok(out)
    }
}

/// A user by name or NoSuchEntity, as IAM words it.
pub fn user<'a>(state: &'a IamState, name: &str) -> Result<&'a User, IamError> {
    state.users.get(name).ok_or_else(|| {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_stable_and_twelve_digits() {
        let a = Account::of_deployment("d1");
        let b = Account::of_deployment("d1");
        let c = Account::of_deployment("d2");
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert_eq!(a.id.len(), 12);
        assert!(a.id.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a.canonical_id.len(), 64);
        assert_eq!(
            a.user_arn("/", "alice"),
            format!("arn:aws:iam::{}:user/alice", a.id)
        );
    }
}
