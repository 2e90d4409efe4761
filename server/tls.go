package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSConfig is kessai's HTTPS listener, which serves every face: the
// official Amazon Pay API v2 SDKs speak only https://.
type TLSConfig struct {
	// Addr is the listen address, e.g. "127.0.0.1:8443" or ":0"; empty:
	// no HTTPS listener.
	Addr string
	// CertFile and KeyFile are the certificate chain and its key in PEM.
	// When both are empty kessai uses a self-signed certificate for
	// localhost and 127.0.0.1 that it makes once and keeps in Dir.
	CertFile, KeyFile string
	// Dir is where the self-signed certificate is kept (the data
	// directory); it must be set when no certificate is given.
	Dir string
}

// The self-signed certificate's files in TLSConfig.Dir.
const (
	SelfSignedCert = "kessai-localhost.crt"
	SelfSignedKey  = "kessai-localhost.key"
	// selfSignedLife is how long a self-signed certificate lasts; one
	// that expires within selfSignedRenew is made again.
	selfSignedLife  = 825 * 24 * time.Hour
	selfSignedRenew = 30 * 24 * time.Hour
)

// certificate loads the listener's certificate: the given files, or the
// self-signed one in Dir, made when it is missing, unreadable, near its
// end or not for localhost and 127.0.0.1.
func (c TLSConfig) certificate(now time.Time) (tls.Certificate, error) {
	switch {
	case c.CertFile != "" && c.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return cert, fmt.Errorf("TLS certificate %s and key %s: %w", c.CertFile, c.KeyFile, err)
		}
		return cert, nil
	case c.CertFile != "" || c.KeyFile != "":
		return tls.Certificate{}, errors.New("give both a TLS certificate and its key, or neither (kessai then makes a self-signed one for localhost)")
	case c.Dir == "":
		return tls.Certificate{}, errors.New("no TLS certificate is given and no directory to keep a self-signed one in")
	}
	certPath, keyPath := filepath.Join(c.Dir, SelfSignedCert), filepath.Join(c.Dir, SelfSignedKey)
	if cert, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && selfSignedUsable(cert, now) {
		return cert, nil
	}
	return makeSelfSigned(certPath, keyPath, now)
}

// selfSignedUsable reports whether a kept certificate still serves
// localhost and 127.0.0.1 for a while.
func selfSignedUsable(cert tls.Certificate, now time.Time) bool {
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil || now.Add(selfSignedRenew).After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		return false
	}
	return leaf.VerifyHostname("localhost") == nil && leaf.VerifyHostname("127.0.0.1") == nil
}

// makeSelfSigned makes a certificate for localhost, 127.0.0.1 and ::1
// and keeps it (the key readable by its owner only), written to
// temporary files and renamed, so that a reader never sees half of it.
func makeSelfSigned(certPath, keyPath string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"kessai (self-signed)"}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(selfSignedLife),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		// Its own issuer: a client may trust the file itself.
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
