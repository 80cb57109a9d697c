//go:build linux

package capture

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pixivauth/pixivauth/internal/testenv"
	"github.com/pixivauth/pixivauth/pixivtest"
)

// TestBrowserTrustsWhatThePersonTrusts (Linux, where Chrome keeps a
// person's trust in an NSS database): a browser on a temporary profile
// has the run's HOME, yet trusts the certificates in the person's NSS
// database (~/.pki/nssdb, as Chrome on Linux keeps them): a company proxy
// that intercepts TLS with its own CA works as in the person's Chrome. The
// double's certificate stands in for that CA here, and nothing else makes
// the browser accept it.
func TestBrowserTrustsWhatThePersonTrusts(t *testing.T) {
	certutil, err := exec.LookPath("certutil")
	testenv.Need(t, err == nil, "certutil is not installed: `make test` installs libnss3-tools (scripts/deps.sh)")
	cert, err := pixivtest.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	db := "sql:" + filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(filepath.Join(home, ".pki", "nssdb"), 0o700); err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Leaf.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-N", "-d", db, "--empty-password"}, {"-A", "-d", db, "-n", "the proxy's CA", "-t", "CT,C,C", "-i", pemFile}} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v: %s", args, err, out)
		}
	}
	before := map[string][]byte{}
	for _, name := range nssFiles {
		before[name], _ = os.ReadFile(filepath.Join(home, ".pki", "nssdb", name))
	}
	t.Setenv("HOME", home)
	f := newFixture(t, pixivtest.WithCertificate(cert)).withPassword().inShell(t)
	proxy := pixivtest.NewProxy(f.srv.Addr())
	defer proxy.Close()
	f.opts.Proxy = proxy.URL()
	// No certificate errors ignored: the trust is the person's database.
	f.opts.Flags = map[string]any{"host-resolver-rules": pixivtest.NoLookups}
	ctx := context.Background()
	l, err := Start(ctx, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Code(ctx); err != nil {
		t.Fatalf("login through a proxy whose CA the person trusts: %v", err)
	}
	l.Close()
	for name, was := range before {
		if now, _ := os.ReadFile(filepath.Join(home, ".pki", "nssdb", name)); !bytes.Equal(now, was) {
			t.Errorf("the person's %s changed", name)
		}
	}
}
