//! A client certificate and its private key (mutual TLS), from PEM or DER.

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The certificate chain (leaf first) and key a client presents when a
/// server asks for one.
pub(super) struct Identity {
    pub(super) chain: Vec<CertificateDer<'static>>,
    pub(super) key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never prints.
        f.debug_struct("Identity")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Identity {
    /// Reads every `CERTIFICATE` block of `chain_pem` (leaf first) and the
    /// one private key (PKCS#8, PKCS#1 or SEC1) of `key_pem`.
    pub(super) fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Identity, String> {
        let mut reader = chain_pem;
        let chain = rustls_pemfile::certs(&mut reader)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("invalid client certificate PEM: {e}"))?;
        if chain.is_empty() {
            return Err("no CERTIFICATE block found in the client certificate PEM".into());
        }
        let mut reader = key_pem;
        let key = rustls_pemfile::private_key(&mut reader)
            .map_err(|e| format!("invalid client key PEM: {e}"))?
            .ok_or("no PRIVATE KEY block found in the client key PEM")?;
        Ok(Identity { chain, key })
    }

    /// A DER certificate and a DER private key (PKCS#8, PKCS#1 or SEC1).
    pub(super) fn from_der(cert_der: Vec<u8>, key_der: Vec<u8>) -> Result<Identity, String> {
        let key =
            PrivateKeyDer::try_from(key_der).map_err(|e| format!("invalid client key DER: {e}"))?;
        Ok(Identity {
            chain: vec![CertificateDer::from(cert_der)],
            key,
        })
    }
}

/// Finishes a rustls client configuration with `identity` as its client
/// certificate, or with none. A key that does not fit the certificate is a
/// builder error.
pub(super) fn client_auth(
    config: rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>,
    identity: Option<Identity>,
) -> crate::Result<rustls::ClientConfig> {
    match identity {
        None => Ok(config.with_no_client_auth()),
        Some(Identity { chain, key }) => config
            .with_client_auth_cert(chain, key)
            .map_err(|e| crate::error::builder_with("invalid client certificate", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_certificate_or_key_is_refused() {
        let err = Identity::from_pem(b"garbage", b"garbage").unwrap_err();
        assert!(err.contains("no CERTIFICATE"), "{err}");
        let cert = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let err = Identity::from_pem(cert.as_bytes(), b"garbage").unwrap_err();
        assert!(err.contains("no PRIVATE KEY"), "{err}");
    }

    #[test]
    fn der_that_is_no_key_is_refused() {
        let err = Identity::from_der(vec![0x30, 0], vec![1, 2, 3]).unwrap_err();
        assert!(err.contains("invalid client key DER"), "{err}");
    }
}
