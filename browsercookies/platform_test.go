package browsercookies

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pixivauth/pixivauth/pixiv"
	"github.com/pixivauth/pixivauth/reason"
)

// The testdata database is the Cookies file Debian's Chromium 156 wrote
// with --password-store=basic after logging in to the double (meta
// version 24: the plaintext starts with the SHA-256 of the host key), and
// the Local State beside it. Tests re-encrypt its session cookie the way
// each platform's Chrome does, so that the macOS and Windows paths, which
// cannot run here, read the real browser's schema.
const (
	realCookiesDB  = "testdata/chromium-156-Cookies"
	realLocalState = "testdata/chromium-156-Local-State.json"
	realAccountID  = "11111111" // pixivtest.DemoAccount
)

// realProfile copies the testdata database into a user data directory of
// the test's own (dir/Default/Cookies, dir/Local State).
func realProfile(t *testing.T) (userData, db string) {
	t.Helper()
	userData = t.TempDir()
	os.MkdirAll(filepath.Join(userData, "Default"), 0o700)
	for from, to := range map[string]string{realCookiesDB: filepath.Join(userData, "Default", "Cookies"), realLocalState: filepath.Join(userData, localStateFile)} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return userData, filepath.Join(userData, "Default", "Cookies")
}

// reencrypt replaces every encrypted_value of db with encrypt(plaintext),
// plaintext being what Chromium stored (host hash and value).
func reencrypt(t *testing.T, db string, encrypt func(plain []byte) []byte) (values []string) {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT rowid, host_key, encrypted_value FROM cookies`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id    int64
		plain []byte
	}
	var all []row
	for rows.Next() {
		var r row
		var host string
		var enc []byte
		if err := rows.Scan(&r.id, &host, &enc); err != nil {
			t.Fatal(err)
		}
		plain, err := decryptCBC(deriveKey([]byte(peanuts), linuxIterations), enc[3:])
		if err != nil {
			t.Fatalf("the testdata's v10 value does not decrypt with Linux's fixed key: %v", err)
		}
		hash := sha256.Sum256([]byte(host))
		if !strings.HasPrefix(string(plain), string(hash[:])) {
			t.Fatal("the testdata's plaintext does not start with the host's SHA-256")
		}
		values = append(values, string(plain[hostHashLen:]))
		all = append(all, r)
		all[len(all)-1].plain = plain
	}
	rows.Close()
	for _, r := range all {
		if _, err := conn.Exec(`UPDATE cookies SET encrypted_value = ? WHERE rowid = ?`, encrypt(r.plain), r.id); err != nil {
			t.Fatal(err)
		}
	}
	return values
}

func readWith(t *testing.T, userData string, keys keySource) (string, error) {
	t.Helper()
	cookies, err := Read(context.Background(), "chrome:"+userData, Options{TempDir: t.TempDir(), keys: keys})
	if err != nil {
		return "", err
	}
	for _, c := range cookies {
		if c.Name == pixiv.SessionCookie {
			return c.Value, nil
		}
	}
	t.Fatalf("no session cookie among %v", cookies)
	return "", nil
}

func secret(b []byte) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) { return b, nil }
}

func TestRealDatabaseEachPlatform(t *testing.T) {
	const (
		keychainPassword = "q1w2e3r4t5y6u7i8o9p0==" // what the Keychain holds, base64 like Chrome's
		keyringPassword  = "k9j8h7g6f5d4s3a2"       // what the Secret Service holds
	)
	gcmKey := make([]byte, 32)
	rand.Read(gcmKey)
	gcmEncrypt := func(plain []byte) []byte {
		block, _ := aes.NewCipher(gcmKey)
		gcm, _ := cipher.NewGCM(block)
		nonce := make([]byte, gcmNonceLen)
		rand.Read(nonce)
		return append([]byte(prefixV10), gcm.Seal(nonce, nonce, plain, nil)...)
	}
	noDPAPI := func([]byte) ([]byte, error) { return nil, errors.New("no DPAPI here") }
	tests := []struct {
		name    string
		encrypt func(plain []byte) []byte // nil leaves Chromium's own value
		keys    func(p *Profile) decrypter
		wantErr []string // the error says these; nil is success
	}{
		{"linux v10, as written", nil,
			func(*Profile) decrypter { return linuxDecrypter(secret(nil)) }, nil},
		{"linux v11, key from the keyring",
			func(p []byte) []byte {
				return append([]byte(prefixV11), encryptCBC(deriveKey([]byte(keyringPassword), 1), p)...)
			},
			func(*Profile) decrypter { return linuxDecrypter(secret([]byte(keyringPassword))) }, nil},
		{"linux v11, keyring unreachable",
			func(p []byte) []byte {
				return append([]byte(prefixV11), encryptCBC(deriveKey([]byte(keyringPassword), 1), p)...)
			},
			func(*Profile) decrypter {
				return linuxDecrypter(func(context.Context) ([]byte, error) {
					return nil, fmt.Errorf("neither the Secret Service nor KWallet answered: %w", reason.BrowserStoreUnreadable)
				})
			}, []string{"neither the Secret Service nor KWallet answered"}},
		{"linux v11, another key",
			func(p []byte) []byte {
				return append([]byte(prefixV11), encryptCBC(deriveKey([]byte(keyringPassword), 1), p)...)
			},
			func(*Profile) decrypter { return linuxDecrypter(secret([]byte("another"))) }, []string{"cannot decrypt cookie PHPSESSID"}},
		{"macOS, keychain password, 1003 iterations",
			func(p []byte) []byte {
				return append([]byte(prefixV10), encryptCBC(deriveKey([]byte(keychainPassword), macIterations), p)...)
			},
			func(*Profile) decrypter { return macDecrypter(secret([]byte(keychainPassword))) }, nil},
		{"macOS, wrong keychain password",
			func(p []byte) []byte {
				return append([]byte(prefixV10), encryptCBC(deriveKey([]byte(keychainPassword), macIterations), p)...)
			},
			func(*Profile) decrypter { return macDecrypter(secret([]byte("not it"))) }, []string{"cannot decrypt"}},
		{"windows v10, AES-GCM with the Local State key", gcmEncrypt,
			func(*Profile) decrypter { return windowsDecrypter(secret(gcmKey), noDPAPI) }, nil},
		{"windows v10, wrong key", gcmEncrypt,
			func(*Profile) decrypter { return windowsDecrypter(secret(make([]byte, 32)), noDPAPI) }, []string{"cannot decrypt"}},
		{"windows v20, app-bound",
			func(p []byte) []byte {
				v := make([]byte, 3+gcmNonceLen+len(p)+16)
				rand.Read(v)
				return append([]byte(prefixV20), v...)
			},
			func(*Profile) decrypter { return windowsDecrypter(secret(gcmKey), noDPAPI) },
			[]string{"app-bound encryption (v20)", "only the browser itself", "cookies.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			userData, db := realProfile(t)
			var values []string
			if tt.encrypt != nil {
				values = reencrypt(t, db, tt.encrypt)
			} else {
				values = reencrypt(t, db, func(p []byte) []byte {
					return append([]byte(prefixV10), encryptCBC(deriveKey([]byte(peanuts), 1), p)...)
				})
			}
			got, err := readWith(t, userData, func(p *Profile, _ *Options) decrypter { return tt.keys(p) })
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got != values[0] || !strings.HasPrefix(got, realAccountID+"_") {
					t.Errorf("the session cookie is not the one Chromium stored")
				}
				return
			}
			if !errors.Is(err, reason.BrowserStoreUnreadable) {
				t.Fatalf("err = %v, want one wrapping %q", err, reason.BrowserStoreUnreadable)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			for _, v := range values {
				if strings.Contains(err.Error(), v) {
					t.Error("the error holds the cookie's value")
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is more than one line: %q", err)
			}
		})
	}
}

// TestRealDatabaseBeforeVersion24: a database from before Chrome 130
// holds values without the host's hash.
func TestRealDatabaseBeforeVersion24(t *testing.T) {
	userData, db := realProfile(t)
	values := reencrypt(t, db, func(p []byte) []byte {
		return append([]byte(prefixV10), encryptCBC(deriveKey([]byte(peanuts), 1), p[hostHashLen:])...)
	})
	conn, _ := sql.Open("sqlite", db)
	if _, err := conn.Exec(`UPDATE meta SET value = '23' WHERE key = 'version'`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	got, err := readWith(t, userData, func(*Profile, *Options) decrypter { return linuxDecrypter(secret(nil)) })
	if err != nil || got != values[0] {
		t.Fatalf("read %v, want the stored value", err)
	}
}

// TestLocalStateKey: Windows' key is os_crypt.encrypted_key of Local
// State, base64 of "DPAPI" and the wrapped key, which DPAPI unwraps.
func TestLocalStateKey(t *testing.T) {
	userData, _ := realProfile(t)
	key := make([]byte, 32)
	rand.Read(key)
	wrap := func(b []byte) []byte { // stands in for CryptProtectData
		out := make([]byte, len(b))
		for i := range b {
			out[i] = b[i] ^ 0x5a
		}
		return out
	}
	var ls map[string]any
	data, _ := os.ReadFile(filepath.Join(userData, localStateFile))
	if err := json.Unmarshal(data, &ls); err != nil {
		t.Fatal(err)
	}
	ls["os_crypt"] = map[string]any{"encrypted_key": base64.StdEncoding.EncodeToString(append([]byte(dpapiPrefix), wrap(key)...))}
	data, _ = json.Marshal(ls)
	os.WriteFile(filepath.Join(userData, localStateFile), data, 0o600)

	p, err := profileAt(Chrome, userData)
	if err != nil {
		t.Fatal(err)
	}
	got, err := localStateKey(p, &Options{}, func(b []byte) ([]byte, error) { return wrap(b), nil })
	if err != nil || string(got) != string(key) {
		t.Fatalf("localStateKey = %v", err)
	}
	_, err = localStateKey(p, &Options{}, func([]byte) ([]byte, error) { return nil, errors.New("The data is invalid.") })
	if !errors.Is(err, reason.BrowserStoreUnreadable) || !strings.Contains(err.Error(), "only for the Windows user") {
		t.Errorf("DPAPI refusing: %v", err)
	}
	// The testdata's own Local State (Linux) has no key.
	p.localState = realLocalState
	if _, err := localStateKey(p, &Options{}, nil); !errors.Is(err, reason.BrowserStoreUnreadable) {
		t.Errorf("no encrypted_key: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestHotJournal: a browser that crashed, or was copied, during a commit
// leaves a rollback journal beside its database ("hot"). SQLite rolls the
// copy back before reading it, as the browser will on its next start; a
// copy opened read-only could not ("attempt to write a readonly
// database").
func TestHotJournal(t *testing.T) {
	userData, db := realProfile(t)
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA journal_mode=DELETE`, `PRAGMA cache_size=2`} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := conn.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// Far more changed pages than the cache holds: SQLite writes some to
	// the database file before the commit, their old contents kept in
	// the journal.
	for _, q := range []string{
		`UPDATE cookies SET value = value, encrypted_value = encrypted_value`,
		`CREATE TABLE junk(x)`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 2000) INSERT INTO junk SELECT randomblob(1500) FROM c`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// The crash: the files as they are mid-commit.
	crashed := t.TempDir()
	os.MkdirAll(filepath.Join(crashed, "Default"), 0o700)
	for from, to := range map[string]string{
		db: filepath.Join(crashed, "Default", "Cookies"), db + "-journal": filepath.Join(crashed, "Default", "Cookies-journal"),
		filepath.Join(userData, localStateFile): filepath.Join(crashed, localStateFile),
	} {
		data, err := os.ReadFile(from)
		if err != nil || len(data) == 0 {
			t.Fatalf("%s: %d bytes, %v", from, len(data), err)
		}
		if err := os.WriteFile(to, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readWith(t, crashed, func(*Profile, *Options) decrypter { return linuxDecrypter(secret(nil)) })
	if err != nil || !strings.HasPrefix(got, realAccountID+"_") {
		t.Fatalf("read %q, %v; want the session the database held before the commit", got, err)
	}
}

// TestChromiumKeepsTheCookiePixivGets: Chromium stores a cookie once per
// partition and scheme. A copy of the session set inside another site's
// frame (CHIPS), or over http, with another value, must not replace the
// one Pixiv's own https pages get.
func TestChromiumKeepsTheCookiePixivGets(t *testing.T) {
	tests := []struct {
		name, partition string
		scheme, port    int
	}{
		{"partitioned under another site", "https://example.com", 2, 443},
		{"set over http", "", 1, 80},
		{"scheme unknown", "", 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			userData, db := realProfile(t)
			conn, err := sql.Open("sqlite", db)
			if err != nil {
				t.Fatal(err)
			}
			// A newer row: the order by creation alone would let it win.
			_, err = conn.Exec(`INSERT INTO cookies SELECT creation_utc + 1000000, host_key, ?, name, 'other_value', x'', path,
				expires_utc, is_secure, is_httponly, last_access_utc, has_expires, is_persistent, priority, samesite, ?, ?,
				last_update_utc, source_type, has_cross_site_ancestor FROM cookies WHERE name = 'PHPSESSID'`, tt.partition, tt.scheme, tt.port)
			conn.Close()
			if err != nil {
				t.Fatal(err)
			}
			cookies, err := Read(context.Background(), "chrome:"+userData, Options{TempDir: t.TempDir(),
				keys: func(*Profile, *Options) decrypter { return linuxDecrypter(secret(nil)) }})
			if err != nil {
				t.Fatal(err)
			}
			var last string
			for _, c := range cookies {
				if c.Name == pixiv.SessionCookie {
					last = c.Value // the last of one name, domain and path is used
				}
			}
			if !strings.HasPrefix(last, realAccountID+"_") {
				t.Errorf("the session used is %q, want the https one", last)
			}
		})
	}
}

// TestChromiumOldSchema: a browser from before partitions and schemes
// were kept (Chrome 80) has neither column; its cookies are read as they
// are.
func TestChromiumOldSchema(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Default")
	os.MkdirAll(dir, 0o700)
	conn, err := sql.Open("sqlite", filepath.Join(dir, "Cookies"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR)`,
		`INSERT INTO meta VALUES ('version', '12')`,
		`CREATE TABLE cookies(creation_utc INTEGER NOT NULL, host_key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
			path TEXT NOT NULL, expires_utc INTEGER NOT NULL, is_secure INTEGER NOT NULL, is_httponly INTEGER NOT NULL,
			last_access_utc INTEGER NOT NULL, has_expires INTEGER NOT NULL DEFAULT 1, is_persistent INTEGER NOT NULL DEFAULT 1,
			priority INTEGER NOT NULL DEFAULT 1, encrypted_value BLOB DEFAULT '', samesite INTEGER NOT NULL DEFAULT -1)`,
		`INSERT INTO cookies (creation_utc, host_key, name, value, path, expires_utc, is_secure, is_httponly, last_access_utc)
			VALUES (1, '.pixiv.net', 'PHPSESSID', '11111111_old', '/', 0, 1, 1, 1)`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	cookies, err := Read(context.Background(), "chromium:"+dir, Options{TempDir: t.TempDir(),
		keys: func(*Profile, *Options) decrypter { return linuxDecrypter(secret(nil)) }})
	if err != nil || len(cookies) != 1 || cookies[0].Value != "11111111_old" {
		t.Fatalf("read %v, %v", cookies, err)
	}
}
