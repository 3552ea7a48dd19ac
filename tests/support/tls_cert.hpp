// A fresh self-signed certificate for tests on loopback (OpenSSL API): P-256, valid one hour,
// CN=127.0.0.1 and subjectAltName IP:127.0.0.1, DNS:localhost, so that a client that checks host
// names accepts it once it trusts the certificate itself (as its CA file).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace keel::test {

// Writes cert.pem and key.pem into `dir`; false on any failure. An EC P-256 key, or RSA 2048 with
// `rsa` (QuickFIX 1.15.1's SSL code configures RSA and DSA keys only).
inline bool write_self_signed_cert(const std::filesystem::path& dir, std::string& cert,
                                   std::string& key, bool rsa = false) {
  EVP_PKEY* pkey = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* x509 = X509_new();
  bool ok = pkey != nullptr && x509 != nullptr;
  if (ok) {
    X509_set_version(x509, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509), 0);
    X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
    X509_set_pubkey(x509, pkey);
    X509_NAME* name = X509_get_subject_name(x509);
    const char* cn = "127.0.0.1";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x509, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x509, x509, nullptr, nullptr, 0);
    const char* const kExtensions[][2] = {{"subjectAltName", "IP:127.0.0.1,DNS:localhost"},
                                          {"basicConstraints", "critical,CA:TRUE"}};
    for (const auto& ext : kExtensions) {
      X509_EXTENSION* e = X509V3_EXT_conf(nullptr, &ctx, ext[0], ext[1]);
      ok = ok && e != nullptr && X509_add_ext(x509, e, -1) == 1;
      X509_EXTENSION_free(e);
    }
    ok = ok && X509_sign(x509, pkey, EVP_sha256()) > 0;
  }
  cert = (dir / "cert.pem").string();
  key = (dir / "key.pem").string();
  if (ok) {
    std::FILE* f = std::fopen(cert.c_str(), "w");
    ok = f != nullptr && PEM_write_X509(f, x509) == 1;
    if (f != nullptr) std::fclose(f);
  }
  if (ok) {
    std::FILE* f = std::fopen(key.c_str(), "w");
    ok = f != nullptr && PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (f != nullptr) std::fclose(f);
  }
  X509_free(x509);
  EVP_PKEY_free(pkey);
  return ok;
}

}  // namespace keel::test
