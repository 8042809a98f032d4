//! TLS material made at test time with rcgen: a CA and a server certificate
//! for `localhost` / 127.0.0.1 signed by it.

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TestPki {
    /// The CA certificate, PEM (what a client adds as a root).
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    pub server_cert: CertificateDer<'static>,
    pub server_key: Vec<u8>,
}

impl TestPki {
    /// A CA and a leaf for the given names (e.g. `["localhost"]`).
    pub fn new(names: &[&str]) -> TestPki {
        TestPki::with_leaf(names, |_| {})
    }

    /// A rustls server config offering the given ALPN protocols.
    pub fn server_config(&self, alpn: &[&[u8]]) -> rustls::ServerConfig {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![self.server_cert.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone())),
            )
            .unwrap();
        cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        cfg
    }
}

impl TestPki {
    /// A CA and a leaf for `names` whose parameters `adjust` changes first
    /// (validity dates, for example).
    pub fn with_leaf(
        names: &[&str],
        adjust: impl FnOnce(&mut rcgen::CertificateParams),
    ) -> TestPki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "treq test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();

        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf_params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        adjust(&mut leaf_params);
        let leaf = leaf_params.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
        TestPki {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            server_cert: leaf.der().clone(),
            server_key: leaf_key.serialize_der(),
        }
    }

    /// A self-signed leaf for `names`, with a separate CA that did not sign
    /// it (`ca_pem` is that unrelated CA).
    pub fn self_signed(names: &[&str]) -> TestPki {
        let unrelated = TestPki::new(names);
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestPki {
            server_cert: cert.der().clone(),
            server_key: key.serialize_der(),
            ..unrelated
        }
    }
}
