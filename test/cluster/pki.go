package main

// A throwaway public-key infrastructure for one local cluster: a CA, serving
// certificates for the API server and the simulated kubelets, client
// certificates for each component, and the service-account signing key.
// ECDSA P-256 keeps generation fast (1,000-node clusters need a kubelet
// certificate naming 1,000 addresses); every Kubernetes component accepts it.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// certificateLifetime: clusters live for a test run or a demo; a year keeps a
// long-lived default cluster working without renewal logic.
const certificateLifetime = 365 * 24 * time.Hour

type keyPair struct {
	certificate *x509.Certificate
	key         *ecdsa.PrivateKey
}

// Client identities. system:masters bypasses RBAC: only the admin and the
// test-infrastructure processes (KWOK, the pod runner) get it; the scheduler
// and controller-manager use their real RBAC identities so the cluster's
// default RBAC is exercised as in a real one.
var clientIdentities = []struct {
	file         string
	commonName   string
	organization []string
}{
	{"admin", "kubedesk-admin", []string{"system:masters"}},
	{"kube-scheduler", "system:kube-scheduler", nil},
	{"kube-controller-manager", "system:kube-controller-manager", nil},
	{"kwok", "kubedesk-kwok", []string{"system:masters"}},
	{"podrunner", "kubedesk-podrunner", []string{"system:masters"}},
	// What the API server presents to the kubelets (KWOK) for exec and logs.
	{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}},
}

// generatePKI writes every certificate, key and kubeconfig the cluster needs
// into DIR/pki, and the admin kubeconfig to DIR/kubeconfig.
func generatePKI(settings Settings) error {
	paths := settings.Paths()
	directory := paths.PKI()
	if err := os.MkdirAll(directory, 0o700); err != nil {
		return err
	}

	authority, err := newCertificateAuthority()
	if err != nil {
		return fmt.Errorf("creating the CA: %w", err)
	}
	if err := writeKeyPair(directory, "ca", authority); err != nil {
		return err
	}

	// The API server answers on 127.0.0.1 and localhost, and under the
	// in-cluster names of the `kubernetes` Service.
	_, services, _ := net.ParseCIDR(serviceCIDR)
	firstServiceAddress := net.IPv4(services.IP[0], services.IP[1], services.IP[2], services.IP[3]+1)
	apiServer, err := authority.issue(
		pkix.Name{CommonName: "kube-apiserver"},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{net.ParseIP(loopbackHost), net.IPv6loopback, firstServiceAddress},
		x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	if err := writeKeyPair(directory, "apiserver", apiServer); err != nil {
		return err
	}

	// The scheduler's and controller-manager's health and metrics endpoints.
	components, err := authority.issue(pkix.Name{CommonName: "kubedesk-components"}, []string{"localhost"}, []net.IP{net.ParseIP(loopbackHost)}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	if err := writeKeyPair(directory, "components", components); err != nil {
		return err
	}

	// One serving certificate for every simulated kubelet: KWOK serves all of
	// them from one port, and the API server checks it against the CA.
	kubeletNames := []string{"localhost"}
	kubeletAddresses := []net.IP{net.ParseIP(loopbackHost)}
	for index := 1; index <= settings.Nodes; index++ {
		kubeletNames = append(kubeletNames, NodeName(index))
		kubeletAddresses = append(kubeletAddresses, settings.NodeAddress(index))
	}
	kubelet, err := authority.issue(pkix.Name{CommonName: "kubedesk-kubelet"}, kubeletNames, kubeletAddresses, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	if err := writeKeyPair(directory, "kubelet", kubelet); err != nil {
		return err
	}

	for _, identity := range clientIdentities {
		pair, err := authority.issue(pkix.Name{CommonName: identity.commonName, Organization: identity.organization}, nil, nil, x509.ExtKeyUsageClientAuth)
		if err != nil {
			return err
		}
		if err := writeKeyPair(directory, identity.file, pair); err != nil {
			return err
		}
		if identity.file == "apiserver-kubelet-client" {
			continue
		}
		kubeconfigPath := paths.ComponentKubeconfig(identity.file)
		if identity.file == "admin" {
			kubeconfigPath = paths.Kubeconfig()
		}
		if err := writeKubeconfig(kubeconfigPath, settings, authority, pair, identity.file); err != nil {
			return err
		}
	}

	// Service-account tokens: the API server signs with the private key and
	// verifies with the public one; the controller-manager signs legacy tokens.
	serviceAccountKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if err := writePrivateKey(filepath.Join(directory, "service-account.key"), serviceAccountKey); err != nil {
		return err
	}
	publicDER, err := x509.MarshalPKIXPublicKey(serviceAccountKey.Public())
	if err != nil {
		return err
	}
	return writePEM(filepath.Join(directory, "service-account.pub"), "PUBLIC KEY", publicDER, 0o644)
}

func newCertificateAuthority() (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "kubedesk-local-cluster-ca"},
		NotBefore:             now.Add(-time.Hour), // tolerate small clock differences
		NotAfter:              now.Add(certificateLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return keyPair{}, err
	}
	certificate, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{certificate: certificate, key: key}, nil
}

func (authority keyPair) issue(subject pkix.Name, names []string, addresses []net.IP, usage x509.ExtKeyUsage) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      subject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certificateLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     names,
		IPAddresses:  addresses,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, authority.certificate, key.Public(), authority.key)
	if err != nil {
		return keyPair{}, fmt.Errorf("issuing a certificate for %s: %w", subject.CommonName, err)
	}
	certificate, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{certificate: certificate, key: key}, nil
}

func randomSerial() *big.Int {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return serial
}

func (pair keyPair) certificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.certificate.Raw})
}

func (pair keyPair) keyPEM() []byte {
	der, err := x509.MarshalECPrivateKey(pair.key)
	if err != nil {
		panic(err) // only fails for unsupported curves
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

func writeKeyPair(directory, name string, pair keyPair) error {
	if err := os.WriteFile(filepath.Join(directory, name+".crt"), pair.certificatePEM(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(directory, name+".key"), pair.keyPEM(), 0o600)
}

func writePrivateKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), mode)
}

// writeKubeconfig writes a self-contained kubeconfig (certificates inline), so
// it works from any directory and with any client, Debian's kubectl included.
func writeKubeconfig(path string, settings Settings, authority, client keyPair, user string) error {
	name := "kubedesk-local"
	if base := filepath.Base(settings.Directory); base != "default" && base != "." && base != "/" {
		name = "kubedesk-" + base
	}
	config := clientcmdapi.NewConfig()
	config.Clusters[name] = &clientcmdapi.Cluster{
		Server:                   fmt.Sprintf("https://%s:%d", loopbackHost, settings.Ports().APIServer),
		CertificateAuthorityData: authority.certificatePEM(),
	}
	config.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: client.certificatePEM(),
		ClientKeyData:         client.keyPEM(),
	}
	config.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
	config.CurrentContext = name
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}
