//! TLS material for mutual TLS and SNI checks, made at test time with rcgen:
//! one CA signing a server leaf and a client leaf, and rustls server configs
//! that require a client certificate or answer only one SNI name.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ResolvesServerCertUsingSni, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;

pub struct MutualPki {
    /// The CA both sides trust, PEM.
    pub ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
    /// The client's certificate, PEM and DER.
    pub client_cert_pem: String,
    pub client_cert_der: Vec<u8>,
    /// The client's private key (PKCS#8), PEM and DER.
    pub client_key_pem: String,
    pub client_key_der: Vec<u8>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl MutualPki {
    /// A CA, a server leaf for `server_names` and a client leaf, all fresh.
    pub fn new(server_names: &[&str]) -> MutualPki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "treq mutual test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();

        let server_key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = server_names.iter().map(|s| s.to_string()).collect();
        let server = rcgen::CertificateParams::new(names)
            .unwrap()
            .signed_by(&server_key, &ca, &ca_key)
            .unwrap();

        let client_key = rcgen::KeyPair::generate().unwrap();
        let mut client_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "treq test client");
        client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let client = client_params.signed_by(&client_key, &ca, &ca_key).unwrap();

        MutualPki {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            server_cert: server.der().clone(),
            server_key: server_key.serialize_der(),
            client_cert_pem: client.pem(),
            client_cert_der: client.der().to_vec(),
            client_key_pem: client_key.serialize_pem(),
            client_key_der: client_key.serialize_der(),
        }
    }

    fn server_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()))
    }

    /// A server config that refuses a client without a certificate signed
    /// by this CA.
    pub fn server_requiring_client_cert(&self, alpn: &[&[u8]]) -> rustls::ServerConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_der.clone()).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .unwrap();
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.server_cert.clone()], self.server_key())
            .unwrap();
        cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        cfg
    }

    /// A server config whose certificate is served only to a client that
    /// sends `sni` as its server name: any other name (or none) fails the
    /// handshake.
    pub fn server_answering_only_sni(&self, sni: &str, alpn: &[&[u8]]) -> rustls::ServerConfig {
        let key = CertifiedKey::from_der(
            vec![self.server_cert.clone()],
            self.server_key(),
            &provider(),
        )
        .unwrap();
        let mut by_name = ResolvesServerCertUsingSni::new();
        by_name.add(sni, key).unwrap();
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(by_name));
        cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        cfg
    }
}
